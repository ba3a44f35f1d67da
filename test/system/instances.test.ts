/**
 * Several instances of the service on one database (PostgreSQL behind a load
 * balancer; on SQLite, processes sharing one file): each request may land on
 * either, and every answer must be as if there were one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyRingFromFile } from '../../src/platform/secrets/keyring.js';
import { dropDatabase, freshDatabaseUrl, sqlOn } from '../helpers/database.js';
import { subscribe } from '../helpers/events.js';
import { startFakeProviders } from '../helpers/fake-providers.js';
import { openStoredSecret } from '../helpers/fixtures.js';
import { cli, type RunningMain, startMain } from '../helpers/process.js';
import { rest } from '../helpers/rest.js';
import { gql } from '../helpers/server.js';
import { eventually } from '../helpers/time.js';

const body = (name: string, token: string) => ({ credentials: { name, provider: 'gitlab', keys: { token } } });
const PAGE = `{ credentials(first: 100) { edges { node { id name } } } }`;

describe('two instances on one database', () => {
  let dir: string;
  let env: Record<string, string>;
  let a: RunningMain;
  let b: RunningMain;
  let token: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'credentials-instances-'));
    env = { DATABASE_URL: await freshDatabaseUrl(dir), MASTER_KEY_FILE: join(dir, 'master-keys.json') };
    a = await startMain(env);
    token = /(cst_[0-9A-Za-z]{43})/.exec(a.output())![1]!;
    b = await startMain(env);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await dropDatabase(env.DATABASE_URL!);
    rmSync(dir, { recursive: true, force: true });
  });

  it('concurrent creates of one name, one through each: exactly one succeeds and the other gets 409', async () => {
    for (let i = 0; i < 10; i++) {
      const name = `race-${i}`;
      const results = await Promise.all([a, b].map((instance) => rest(instance, token, 'POST', '/api/credentials', body(name, `t-${i}`))));
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    }
    const rows = await sqlOn<{ name: string }>(env.DATABASE_URL!, 'SELECT "name" FROM "Credential" WHERE "name" LIKE ?', ['race-%']);
    expect(rows).toHaveLength(10);
  });

  it('a write acknowledged by one is visible at once through the other (nothing stale, cached pages included)', async () => {
    // B has built and cached the page before the writes.
    const before = await gql(b, token, PAGE);
    expect(before.body.errors).toBeUndefined();

    const created = await rest(a, token, 'POST', '/api/credentials', body('seen-by-b', 'secret-1'));
    expect(created.status).toBe(200);
    const id = created.body.credentialsId as string;
    expect((await rest(b, token, 'GET', `/api/credentials/${id}`)).status).toBe(200);
    const names = async (instance: RunningMain) =>
      (await gql(instance, token, PAGE)).body.data!.credentials.edges.map((e: { node: { name: string } }) => e.node.name);
    expect(await names(b)).toContain('seen-by-b');

    // B has described it often (kept while the database is unchanged; the GraphQL query compiled and answered
    // without Yoga) before A renames it.
    const ONE = `query ($id: ID!) { credential(id: $id) { ... on Credential { name } } }`;
    for (let i = 0; i < 3; i++) {
      expect((await rest(b, token, 'GET', `/api/credentials/${id}`)).body.credentials.name).toBe('seen-by-b');
      expect((await gql(b, token, ONE, { id })).body.data).toEqual({ credential: { name: 'seen-by-b' } });
    }
    const renamed = await rest(a, token, 'PUT', `/api/credentials/${id}`, body('renamed-by-a', 'secret-2'));
    expect(renamed.status).toBe(204);
    expect((await rest(b, token, 'GET', `/api/credentials/${id}`)).body.credentials.name).toBe('renamed-by-a');
    const one = await gql(b, token, ONE, { id });
    expect(one.body.data).toEqual({ credential: { name: 'renamed-by-a' } });
    expect(await names(b)).toContain('renamed-by-a');
    expect(await names(b)).not.toContain('seen-by-b');

    expect((await rest(b, token, 'DELETE', `/api/credentials/${id}`)).status).toBe(204);
    expect((await rest(a, token, 'GET', `/api/credentials/${id}`)).status).toBe(403);
    expect(await names(a)).not.toContain('renamed-by-a');
  });

  it('pipeline secrets: one name created through both at once is stored once; a create on one is read, changed and deleted through the other', async () => {
    for (let i = 0; i < 5; i++) {
      const results = await Promise.all(
        [a, b].map((instance) => rest(instance, token, 'POST', '/api/pipeline-secrets', { name: `RACE_${i}`, value: `v-${i}` })),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    }
    const created = await rest(a, token, 'POST', '/api/pipeline-secrets', { name: 'SEEN_BY_B', value: 'first-value' });
    expect(created.status).toBe(200);
    const id = created.body.secretId as number;
    const listed = (await rest(b, token, 'GET', '/api/pipeline-secrets')).body;
    expect(listed.pipelineSecrets.map((s: { name: string }) => s.name)).toEqual(['RACE_0', 'RACE_1', 'RACE_2', 'RACE_3', 'RACE_4', 'SEEN_BY_B']);
    const before = (await rest(b, token, 'GET', `/api/pipeline-secrets/${id}`)).body.pipelineSecret;
    expect(before).toMatchObject({ id, name: 'SEEN_BY_B' });
    expect((await rest(b, token, 'PUT', `/api/pipeline-secrets/${id}`, { value: 'second-value' })).status).toBe(204);
    expect(Date.parse((await rest(a, token, 'GET', `/api/pipeline-secrets/${id}`)).body.pipelineSecret.lastUpdated)).toBeGreaterThanOrEqual(
      Date.parse(before.lastUpdated),
    );
    expect((await rest(a, token, 'DELETE', `/api/pipeline-secrets/${id}`)).status).toBe(204);
    expect((await rest(b, token, 'GET', `/api/pipeline-secrets/${id}`)).status).toBe(403);
  });

  it('rotates the master key while both serve: no request fails, every secret opens with the new key alone', async () => {
    const oldKey = keyRingFromFile(env.MASTER_KEY_FILE!).primaryId;
    const expected = new Map<string, string>();
    const failures: string[] = [];
    let serving = true;
    let n = 0;
    const load = [a, b].map(async (instance, which) => {
      while (serving) {
        const i = n++;
        const secret = `rotating-${which}-${i}`;
        const created = await rest(instance, token, 'POST', '/api/credentials', body(`rot-${which}-${i}`, secret));
        if (created.status !== 200) {
          failures.push(`create ${created.status}`);
          continue;
        }
        const id = created.body.credentialsId as string;
        expected.set(id, secret);
        const other = which === 0 ? b : a;
        const updated = await rest(other, token, 'PUT', `/api/credentials/${id}`, body(`rot-${which}-${i}`, `${secret}-v2`));
        if (updated.status === 204) expected.set(id, `${secret}-v2`);
        else failures.push(`update ${updated.status}`);
      }
    });
    await eventually('both instances serve the load', () => expected.size >= 4);
    const added = await cli(env, ['keys', 'add']);
    expect(added.code, added.err).toBe(0);
    const newKey = keyRingFromFile(env.MASTER_KEY_FILE!).primaryId;
    // Both instances pick the new primary key up from the key file (within a second): each seals with it.
    const sealedWithNewKey = async (which: number) =>
      (
        await sqlOn<{ n: number }>(
          env.DATABASE_URL!,
          `SELECT COUNT(*) AS "n" FROM "Credential" WHERE "name" LIKE 'rot-${which}-%' AND "secret" LIKE 'v1:${newKey}:%'`,
        )
      )[0]!.n;
    await eventually('both instances seal with the new key', async () => Number(await sealedWithNewKey(0)) > 0 && Number(await sealedWithNewKey(1)) > 0);
    const rotated = await cli(env, ['keys', 'rotate', '--batch', '10']);
    expect(rotated.code, rotated.err).toBe(0);
    serving = false;
    await Promise.all(load);
    expect(failures).toEqual([]);
    expect(expected.size).toBeGreaterThan(5);

    const listed = await cli(env, ['keys', 'list']);
    expect(listed.out).toMatch(new RegExp(`${oldKey}\\s+seals 0 secrets`));
    const removed = await cli(env, ['keys', 'remove', oldKey]);
    expect(removed.code, removed.err).toBe(0);
    const ring = keyRingFromFile(env.MASTER_KEY_FILE!);
    expect(ring.keyIds).toEqual([newKey]);
    const rows = await sqlOn<{ id: string; userId: string; provider: string; secret: string }>(
      env.DATABASE_URL!,
      'SELECT "id", "userId", "provider", "secret" FROM "Credential" WHERE "secret" IS NOT NULL',
    );
    const stored = new Map(rows.map((r) => [r.id, r]));
    for (const [id, secret] of expected) {
      const row = stored.get(id)!;
      expect(openStoredSecret(ring, row)).toEqual({ token: secret });
    }
    // And both instances go on serving with the new key alone.
    for (const instance of [a, b]) {
      const created = await rest(instance, token, 'POST', '/api/credentials', body(`after-rotation-${instance.url.slice(-5)}`, 's'));
      expect(created.status).toBe(200);
    }
  }, 60_000);

  it('a token revoked through one instance is refused at once by the other', async () => {
    const created = await cli(env, ['tokens', 'create', 'admin', '--name', 'second']);
    expect(created.code, created.err).toBe(0);
    const second = /(cst_[0-9A-Za-z]{43})/.exec(created.out)![1]!;
    const secondId = /created token ([0-9A-Za-z]{22})/.exec(created.out)![1]!;
    for (const instance of [a, b]) expect((await rest(instance, second, 'GET', '/api/credentials')).status).toBe(200);

    const revoked = await gql(a, token, `mutation ($id: ID!) { revokeAccessToken(id: $id) { ... on MutationRevokeAccessTokenSuccess { data } } }`, {
      id: secondId,
    });
    expect(revoked.body).toEqual({ data: { revokeAccessToken: { data: secondId } } });
    expect((await rest(b, second, 'GET', '/api/credentials')).status).toBe(401);
    expect((await gql(b, second, '{ viewer { name } }')).status).toBe(401);
    expect((await rest(a, second, 'GET', '/api/credentials')).status).toBe(401);
    // The first token is untouched.
    expect((await rest(b, token, 'GET', '/api/credentials')).status).toBe(200);
  });

  it('a user disabled from the command line is refused at once by both instances, their live streams end on both, and works again once enabled', async () => {
    expect((await cli(env, ['users', 'create', 'leaver'])).code).toBe(0);
    const leaver = /(cst_[0-9A-Za-z]{43})/.exec((await cli(env, ['tokens', 'create', 'leaver'])).out)![1]!;
    for (const instance of [a, b]) expect((await rest(instance, leaver, 'GET', '/api/credentials')).status).toBe(200);
    const streams = await Promise.all([a, b].map((instance) => subscribe(instance, leaver, 'subscription { credentialEvents { id } }')));
    for (const stream of streams) expect(stream.status).toBe(200);
    const disabled = await cli(env, ['users', 'disable', 'leaver']);
    expect(disabled.code, disabled.err).toBe(0);
    // (Another process's commit: PostgreSQL notifies every instance; on SQLite each sees the file's data version change.)
    for (const stream of streams) expect(await stream.ended).toBe('complete');
    for (const instance of [a, b]) {
      expect((await rest(instance, leaver, 'GET', '/api/credentials')).status).toBe(401);
      expect((await gql(instance, leaver, '{ viewer { name } }')).status).toBe(401);
    }
    expect((await cli(env, ['users', 'enable', 'leaver'])).code).toBe(0);
    for (const instance of [a, b]) expect((await rest(instance, leaver, 'GET', '/api/credentials')).status).toBe(200);
    expect((await rest(a, token, 'GET', '/api/credentials')).status).toBe(200);
  });

  it('a participant removed or demoted through one instance is refused at once by the other, cached pages included', async () => {
    const user = await cli(env, ['users', 'create', 'colleague']);
    expect(user.code, user.err).toBe(0);
    const colleague = /(cst_[0-9A-Za-z]{43})/.exec((await cli(env, ['tokens', 'create', 'colleague'])).out)![1]!;
    expect((await cli(env, ['orgs', 'create', 'team', '--owner', 'admin'])).code).toBe(0);
    const made = await cli(env, ['workspaces', 'create', 'team/shared', '--owner', 'admin']);
    const ws = /\(id (\d+)\)/.exec(made.out)![1]!;
    expect((await cli(env, ['participants', 'add', 'team/shared', 'colleague', 'MAINTAIN'])).code).toBe(0);
    const page = `{ credentials(first: 100, workspaceId: "${ws}") { edges { node { name } } } }`;
    const create = (instance: RunningMain, name: string) => rest(instance, colleague, 'POST', `/api/credentials?workspaceId=${ws}`, body(name, 's'));

    expect((await create(a, 'by-colleague')).status).toBe(200);
    for (const instance of [a, b, b]) expect((await gql(instance, colleague, page)).body.data!.credentials.edges).toHaveLength(1); // B caches it

    // Demoted through A: B refuses the next write, still serves reads.
    const demoted = await gql(
      a,
      token,
      `mutation { updateWorkspaceParticipantRole(input: {workspaceId: "${ws}", userName: "colleague", role: VIEW}) { __typename } }`,
    );
    expect(demoted.body.errors).toBeUndefined();
    expect(demoted.body.data!.updateWorkspaceParticipantRole.__typename).toBe('MutationUpdateWorkspaceParticipantRoleSuccess');
    expect((await create(b, 'after-demotion')).status).toBe(403);
    expect((await gql(b, colleague, page)).body.data!.credentials.edges).toHaveLength(1);

    // Removed through B: A and B refuse the next request, the cached page too.
    const removed = await gql(b, token, `mutation { removeWorkspaceParticipant(input: {workspaceId: "${ws}", userName: "colleague"}) { __typename } }`);
    expect(removed.body.data!.removeWorkspaceParticipant.__typename).toBe('MutationRemoveWorkspaceParticipantSuccess');
    for (const instance of [a, b]) {
      expect((await gql(instance, colleague, page)).body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect((await rest(instance, colleague, 'GET', `/api/credentials?workspaceId=${ws}`)).status).toBe(403);
    }
  });
});

/**
 * Background re-validation on two instances: two sweeps at the shortest period an operator may set (10 s), most of
 * it waiting. The scenario starts with the file and runs beside the tests above (its own database, instances and
 * provider); its test waits for it and checks what it saw.
 */
const EVERY_MS = 10_000;
const SECRETS = ['good-1', 'good-2', 'bad-3', 'good-4', 'bad-5', 'good-6'];

async function revalidationScenario(): Promise<{ probes: Map<string, number[]>; rows: { name: string; status: string }[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'credentials-revalidate-'));
  const fake = await startFakeProviders();
  const env = {
    DATABASE_URL: await freshDatabaseUrl(dir),
    MASTER_KEY_FILE: join(dir, 'master-keys.json'),
    VALIDATE_EVERY: `${EVERY_MS / 1000}s`,
    VALIDATION_ALLOWED_HOSTS: fake.host,
  };
  let instances: RunningMain[] = [];
  try {
    // The credentials exist before both instances start together: both would sweep at once, were it not for the lease.
    const first = await startMain({ ...env, VALIDATE_EVERY: 'off' });
    const token = /(cst_[0-9A-Za-z]{43})/.exec(first.output())![1]!;
    for (const secret of SECRETS) {
      const created = await rest(first, token, 'POST', '/api/credentials', {
        credentials: { name: secret, provider: 'github', baseUrl: fake.url, keys: { token: secret } },
      });
      if (created.status !== 200) throw new Error(`creating ${secret}: ${created.status} ${created.text}`);
    }
    await first.stop();
    instances = await Promise.all([startMain(env), startMain(env)]);
    // Every credential probed twice (two sweeps), each time by one instance only.
    const probesOf = () => {
      const probes = new Map<string, number[]>();
      for (const request of fake.requests) {
        const secret = (request.headers.authorization ?? '').replace(/^Bearer /, '');
        probes.set(secret, [...(probes.get(secret) ?? []), request.at]);
      }
      return probes;
    };
    await eventually('every credential probed twice', () => SECRETS.every((s) => (probesOf().get(s)?.length ?? 0) >= 2), EVERY_MS * 5);
    const rows = await sqlOn<{ name: string; status: string }>(env.DATABASE_URL, 'SELECT "name", "status" FROM "Credential" ORDER BY "name"');
    return { probes: probesOf(), rows };
  } finally {
    await Promise.all(instances.map((i) => i.stop()));
    await fake.close();
    await dropDatabase(env.DATABASE_URL);
    rmSync(dir, { recursive: true, force: true });
  }
}

let revalidation: ReturnType<typeof revalidationScenario>;
beforeAll(() => {
  revalidation = revalidationScenario();
  // (Awaited by its test; never an unhandled rejection meanwhile.)
  revalidation.catch(() => {});
});
// The file ends only once the scenario's processes are stopped, whatever happened.
afterAll(
  () =>
    revalidation?.then(
      () => {},
      () => {},
    ),
  120_000,
);

describe('background re-validation on two instances', () => {
  it('one instance at a time: no credential is probed twice within half a period, and every one is probed', async () => {
    const { probes, rows } = await revalidation;
    for (const secret of SECRETS) {
      const times = probes.get(secret) ?? [];
      expect(times.length, secret).toBeGreaterThanOrEqual(1);
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!, `${secret}: probes ${i - 1} and ${i}`).toBeGreaterThan(EVERY_MS / 2 - 500);
    }
    expect(rows.map((r) => `${r.name}:${r.status}`)).toEqual([
      'bad-3:INVALID',
      'bad-5:INVALID',
      'good-1:AVAILABLE',
      'good-2:AVAILABLE',
      'good-4:AVAILABLE',
      'good-6:AVAILABLE',
    ]);
  }, 120_000);
});
