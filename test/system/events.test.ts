/**
 * Events across crashes and instances, with real processes: a server killed
 * (SIGKILL) between a change and its webhook delivery delivers it after a
 * restart — exactly once more, with the same webhook-id, never lost; two
 * instances on one PostgreSQL database deliver each event once in total, and a
 * subscriber on one sees a change made on the other within a second.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropDatabase, freshDatabaseUrl, onPostgres } from '../helpers/database.js';
import { type Receiver, startReceiver, subscribe } from '../helpers/events.js';
import { type RunningMain, startMain } from '../helpers/process.js';
import { rest } from '../helpers/rest.js';
import { gql } from '../helpers/server.js';
import { eventually, latencyLimit } from '../helpers/time.js';

const CREATE = `mutation($input: CreateWebhookInput!) { createWebhook(input: $input) {
  __typename ... on MutationCreateWebhookSuccess { data { secret webhook { id } } } ... on Error { message } } }`;
const gitlab = (name: string, token: string) => ({ credentials: { name, provider: 'gitlab', keys: { token } } });
const tokenOf = (server: RunningMain) => /(cst_[0-9A-Za-z]{43})/.exec(server.output())![1]!;

/**
 * The statuses of every delivery of the server's webhooks (from its delivery log). None PENDING: nothing is left
 * to send, so nothing can come to the receiver after (the positive signal a "nothing more" check waits for).
 */
async function deliveryStatuses(server: RunningMain): Promise<string[]> {
  const statuses: string[] = [];
  for (const { id } of (await gql(server, token, '{ webhooks { id } }')).body.data!.webhooks) {
    const log = await gql(server, token, 'query($id: ID!) { webhookDeliveries(id: $id, first: 100) { edges { node { status } } } }', { id });
    statuses.push(...log.body.data!.webhookDeliveries.edges.map((e: { node: { status: string } }) => e.node.status));
  }
  return statuses;
}
const settled = async (server: RunningMain, count: number) => {
  const statuses = await deliveryStatuses(server);
  return statuses.length === count && statuses.every((s) => s === 'DELIVERED');
};

let dir: string;
let receiver: Receiver;
let env: Record<string, string>;
/** The first run's token (printed once, when the database is new). */
let token: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'credentials-events-'));
  receiver = await startReceiver();
  env = { DATABASE_URL: await freshDatabaseUrl(dir), MASTER_KEY_FILE: join(dir, 'master-keys.json'), WEBHOOK_ALLOWED_HOSTS: receiver.host };
});
afterAll(async () => {
  await receiver?.close();
  if (env) await dropDatabase(env.DATABASE_URL!);
  rmSync(dir, { recursive: true, force: true });
});

describe('a crash between a change and its delivery', () => {
  it('after SIGKILL and a restart, the event is delivered once more (same webhook-id), and the one never attempted is delivered too', async () => {
    let server = await startMain(env);
    token = tokenOf(server);
    try {
      const created = await gql(server, token, CREATE, { input: { url: receiver.url, kinds: ['CREDENTIAL_CREATE'] } });
      expect(created.body.data!.createWebhook.__typename).toBe('MutationCreateWebhookSuccess');
      receiver.mode = 'hang';
      await rest(server, token, 'POST', '/api/credentials', gitlab('crash-1', 'glpat-1'));
      // The first delivery is on its way (the receiver holds it); the second waits behind it.
      await eventually('the receiver holds the first delivery', () => receiver.received.length === 1);
      await rest(server, token, 'POST', '/api/credentials', gitlab('crash-2', 'glpat-2'));
      server.child.kill('SIGKILL');
      await server.exited;
      receiver.mode = 'ok';

      server = await startMain(env);
      // The dead instance's lease runs out first (15 s), then the new one delivers.
      await eventually('both delivered', () => receiver.taken.length >= 2, 45_000);
      await eventually('nothing left to send', () => settled(server, 2), 15_000);
      const held = String(receiver.received[0]!.headers['webhook-id']);
      expect(receiver.taken.map((r) => r.json.data.targetName)).toEqual(['crash-1', 'crash-2']);
      // Delivered exactly once more: the held one came again under the same id, and nothing else twice.
      expect(receiver.received.filter((r) => r.headers['webhook-id'] === held)).toHaveLength(2);
      expect(new Set(receiver.taken.map((r) => r.headers['webhook-id'])).size).toBe(2);
      expect(receiver.taken[0]!.headers['webhook-id']).toBe(held);
    } finally {
      receiver.mode = 'ok';
      await server.stop();
    }
  }, 120_000);
});

describe.runIf(onPostgres)('two instances on one PostgreSQL database', () => {
  it('deliver every event once in total; a subscriber on B sees a change made on A within 1 s', async () => {
    const a = await startMain(env);
    const b = await startMain(env);
    try {
      // The crash test's webhook goes: one webhook here, so each event is one delivery.
      for (const { id } of (await gql(a, token, '{ webhooks { id } }')).body.data!.webhooks) {
        await gql(a, token, 'mutation($id: ID!) { deleteWebhook(id: $id) { __typename } }', { id });
      }
      const created = await gql(b, token, CREATE, { input: { url: receiver.url, kinds: ['CREDENTIAL_CREATE', 'CREDENTIAL_UPDATE'] } });
      expect(created.body.data!.createWebhook.__typename).toBe('MutationCreateWebhookSuccess');
      receiver.taken.length = 0;
      receiver.received.length = 0;

      const live = await subscribe(b, token, `subscription { credentialEvents { targetName kind } }`);
      // Subscribed once B counts it open (its feed listens from then on): measured from the write's acknowledgement.
      await eventually('B counts the subscription open', async () => /^graphql_subscriptions 1$/m.test(await (await fetch(`${b.url}/metrics`)).text()));
      const started = performance.now();
      await rest(a, token, 'POST', '/api/credentials', gitlab('made-on-a', 'glpat-a'));
      await eventually('B streams it', () => live.payloads.length >= 1, 5_000);
      const latencyMs = performance.now() - started;
      expect(live.payloads[0]!.data.credentialEvents).toEqual({ targetName: 'made-on-a', kind: 'CREDENTIAL_CREATE' });
      expect(latencyMs).toBeLessThan(latencyLimit(1000));
      live.close();

      const writes = [];
      for (let i = 0; i < 20; i++) writes.push(rest(i % 2 ? a : b, token, 'POST', '/api/credentials', gitlab(`both-${i}`, `glpat-${i}`)));
      await Promise.all(writes);
      await eventually('21 delivered', () => receiver.taken.length >= 21, 30_000);
      await eventually('nothing left to send', () => settled(a, 21), 15_000);
      const ids = receiver.received.map((r) => String(r.headers['webhook-id']));
      expect(ids).toHaveLength(21);
      expect(new Set(ids).size).toBe(21);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  }, 120_000);
});
