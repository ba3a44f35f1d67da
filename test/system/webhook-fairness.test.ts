/**
 * One user's dead webhooks must not starve anyone else's, and must not keep an
 * idle service busy: a real server process, one user with 200 webhooks (10
 * workspaces × 20) whose receiver never answers, and another user's webhook
 * made afterwards, which must receive each of its events within 5 s; then the
 * service's own CPU time (from /proc) while nothing else happens.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropDatabase, freshDatabaseUrl } from '../helpers/database.js';
import { type Receiver, startReceiver } from '../helpers/events.js';
import { cli, type RunningMain, startMain } from '../helpers/process.js';
import { rest } from '../helpers/rest.js';
import { gql } from '../helpers/server.js';
import { eventually } from '../helpers/time.js';

const gitlab = (name: string) => ({ credentials: { name, provider: 'gitlab', keys: { token: `glpat-${name}` } } });
const CREATE = `mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { __typename ... on Error { message } } }`;

let dir: string;
let env: Record<string, string>;
let hang: Receiver;
let ok: Receiver;
let server: RunningMain;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'credentials-fairness-'));
  hang = await startReceiver();
  hang.mode = 'hang';
  ok = await startReceiver();
  env = {
    DATABASE_URL: await freshDatabaseUrl(dir),
    MASTER_KEY_FILE: join(dir, 'master-keys.json'),
    WEBHOOK_ALLOWED_HOSTS: `${hang.host},${ok.host}`,
    WEBHOOKS_PER_USER: '200',
  };
  server = await startMain(env);
});
afterAll(async () => {
  await server?.stop();
  await hang?.close();
  await ok?.close();
  if (env) await dropDatabase(env.DATABASE_URL!);
  rmSync(dir, { recursive: true, force: true });
});

/** The process's CPU time so far (user + system), in milliseconds. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime: fields 14 and 15 of the whole line, in clock ticks (100 a second on Linux).
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

describe('one user’s webhooks that never answer', () => {
  it('hold at most two lanes: another user’s new webhook receives each event within 5 s; the idle service stays under 2% of a core', async () => {
    const mallory = /(cst_[0-9A-Za-z]{43})/.exec(server.output())![1]!;
    const org = await gql(
      server,
      mallory,
      'mutation { createOrganization(input: {name: "dead-hooks"}) { ... on MutationCreateOrganizationSuccess { data { id } } } }',
    );
    const orgId = org.body.data!.createOrganization.data.id;
    const workspaces: string[] = [];
    for (let w = 0; w < 10; w++) {
      const created = await gql(
        server,
        mallory,
        'mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { ... on MutationCreateWorkspaceSuccess { data { id } } } }',
        { input: { organizationId: orgId, name: `ws-${w}` } },
      );
      const id = created.body.data!.createWorkspace.data.id;
      workspaces.push(id);
      for (let h = 0; h < 20; h++) {
        const hook = await gql(server, mallory, CREATE, { input: { url: `${hang.url}/${w}/${h}`, workspaceId: id } });
        expect(hook.body.data!.createWebhook.__typename).toBe('MutationCreateWebhookSuccess');
      }
    }
    // Every one of the 200 webhooks has an event to send, to a receiver that never answers.
    for (const id of workspaces) expect((await rest(server, mallory, 'POST', `/api/credentials?workspaceId=${id}`, gitlab(`flood-${id}`))).status).toBe(200);
    await eventually('the hanging receiver holds deliveries', () => hang.received.length >= 2);

    // Another user, made by the operator, with a webhook of their own made afterwards.
    expect((await cli(env, ['users', 'create', 'victor'])).code).toBe(0);
    const made = await cli(env, ['tokens', 'create', 'victor']);
    const victor = /(cst_[0-9A-Za-z]{43})/.exec(made.out)![1]!;
    expect((await gql(server, victor, CREATE, { input: { url: ok.url, kinds: ['CREDENTIAL_CREATE'] } })).body.data!.createWebhook.__typename).toBe(
      'MutationCreateWebhookSuccess',
    );
    for (let i = 0; i < 3; i++) {
      const name = `victors-${i}`;
      expect((await rest(server, victor, 'POST', '/api/credentials', gitlab(name))).status).toBe(200);
      // Its time limit: 5 s (scaled by the machine's load).
      await eventually(`${name} delivered within 5 s`, () => ok.taken.some((r) => r.json.data.targetName === name), 5_000);
    }
    // The hanging receiver never held more than the user's two lanes at once (each attempt ends at its timeout).
    expect(hang.mostOpen).toBeLessThanOrEqual(2);

    // Idle: no requests; the dead webhooks only back off. The service's own CPU, in three windows of 2 s, stays under
    // 2% of a core (the median: a window may hold the one garbage collection that follows the set-up's load). The
    // kernel counts CPU time in ticks of 10 ms: 2% of 2 s is four of them.
    const shares: number[] = [];
    for (let window = 0; window < 3; window++) {
      const before = cpuMs(server.child.pid!);
      const startedAt = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      shares.push((cpuMs(server.child.pid!) - before) / (Date.now() - startedAt));
    }
    expect(shares.sort((a, b) => a - b)[1], `CPU shares of the windows: ${shares.join(', ')}`).toBeLessThan(0.02);
  }, 180_000);
});
