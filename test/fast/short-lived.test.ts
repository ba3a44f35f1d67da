/**
 * Short-lived AWS credentials on delivery, against a fake STS that checks
 * Signature Version 4 with the keys it issued (fake-sts.ts): a role-mode
 * credential is delivered as a one-hour session that works, the second
 * delivery is served from memory, a wrong external id is a clear refusal,
 * no session secret reaches the database file, its WAL or the logs, and an
 * STS host the guard does not allow is refused without a connection.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { jwtDecrypt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onPostgres, sqlOn } from '../helpers/database.js';
import { type FakeProviders, startFakeProviders } from '../helpers/fake-providers.js';
import { PLATFORM_KEYS } from '../helpers/fake-sts.js';
import { rsaKeyPair } from '../helpers/keys.js';
import { rest } from '../helpers/rest.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { eventually, scaled, testClock } from '../helpers/time.js';

const ROLE = 'arn:aws:iam::123456789012:role/pipelines';
const rsa = rsaKeyPair();
const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();

let fake: FakeProviders;
let server: TestServer;
let alice: Awaited<ReturnType<TestServer['newUser']>>;
let pairing: string;
const clock = testClock();

const env = (fake: FakeProviders) => ({
  VALIDATION_ALLOWED_HOSTS: fake.host,
  AWS_STS_ENDPOINT: `${fake.url}/sts`,
  AWS_ACCESS_KEY_ID: PLATFORM_KEYS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: PLATFORM_KEYS.secretAccessKey,
  AWS_TRUST_PRINCIPAL_ARN: 'arn:aws:iam::999999999999:user/credentials-service',
});

beforeAll(async () => {
  fake = await startFakeProviders();
  server = await startServer(env(fake), { clock: clock.now });
  alice = await server.newUser('role-user');
  pairing = (await server.services.pairings.add('launcher', pem)).id;
});
afterAll(async () => {
  await server.close();
  await fake.close();
});

/** A role-mode AWS credential with a generated external id, and the fake role trusting it. */
async function roleCredential(name: string, trusted = true): Promise<{ id: string; externalId: string }> {
  const created = await rest(server, alice.token, 'POST', '/api/credentials?useExternalId=true', {
    credentials: { name, provider: 'aws', keys: { mode: 'role', assumeRoleArn: `${ROLE}-${name}` } },
  });
  expect(created.status, created.text).toBe(200);
  const id = created.body.credentialsId;
  const externalId = (await rest(server, alice.token, 'GET', `/api/credentials/${id}`)).body.credentials.keys.externalId;
  expect(externalId).toMatch(/\S{16,}/);
  fake.sts.roles.set(`${ROLE}-${name}`, { externalId: trusted ? externalId : 'another-external-id' });
  return { id, externalId };
}

async function deliver(id: string, as = server, token = alice.token, pairingId = pairing) {
  const result = await rest(as, token, 'GET', `/api/credentials/${id}/keys?pairingId=${pairingId}`);
  if (result.status !== 200) return { status: result.status, body: result.body, keys: undefined };
  const { payload } = await jwtDecrypt(result.body.keys, rsa.privateKey);
  return { status: 200, body: result.body, keys: payload.keys as Record<string, string | null> };
}

describe('a role-mode AWS credential', () => {
  it('is delivered as one-hour temporary credentials that work, assumed with the external id and a session naming credential and caller', async () => {
    const { id, externalId } = await roleCredential('one');
    const before = fake.sts.calls.length;
    const { keys } = await deliver(id);
    expect(keys).toMatchObject({
      mode: 'role',
      assumeRoleArn: `${ROLE}-one`,
      externalId,
      accessKey: expect.stringMatching(/^ASIA[A-Z2-7]{16}$/),
      secretKey: expect.any(String),
      sessionToken: expect.any(String),
    });
    const expiresIn = Date.parse(keys!.expiration!) - Date.now();
    expect(expiresIn).toBeGreaterThan(55 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(3600_000);
    const call = fake.sts.calls.slice(before).find((c) => c.action === 'AssumeRole')!;
    expect(call.params.get('ExternalId')).toBe(externalId);
    expect(call.params.get('DurationSeconds')).toBe('3600');
    expect(call.params.get('RoleSessionName')).toBe(`${alice.userId}-${id}`.slice(0, 64));
    expect(call.authorization).toContain(`Credential=${PLATFORM_KEYS.accessKeyId}/`);
    // The session works: STS (checking the signature with the secret it issued) says who it is.
    const sts = new STSClient({
      region: 'us-east-1',
      endpoint: `${fake.url}/sts`,
      credentials: { accessKeyId: keys!.accessKey!, secretAccessKey: keys!.secretKey!, sessionToken: keys!.sessionToken! },
    });
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toBe(`arn:aws:sts::123456789012:assumed-role/pipelines-one/${call.params.get('RoleSessionName')}`);
    // A wrong secret is refused by the same check.
    const forged = new STSClient({
      region: 'us-east-1',
      endpoint: `${fake.url}/sts`,
      credentials: { accessKeyId: keys!.accessKey!, secretAccessKey: 'x'.repeat(40), sessionToken: keys!.sessionToken! },
    });
    await expect(forged.send(new GetCallerIdentityCommand({}))).rejects.toThrow(/signature/);
  });

  it('is served from memory on the next delivery (no second STS call), and fetched anew five minutes before it expires', async () => {
    const { id } = await roleCredential('cached');
    const first = (await deliver(id)).keys!;
    const calls = () => fake.sts.calls.filter((c) => c.action === 'AssumeRole' && c.params.get('RoleArn') === `${ROLE}-cached`).length;
    expect(calls()).toBe(1);
    const second = (await deliver(id)).keys!;
    expect(second.accessKey).toBe(first.accessKey);
    expect(calls()).toBe(1);
    clock.advance(56 * 60_000);
    const third = (await deliver(id)).keys!;
    expect(calls()).toBe(2);
    expect(third.accessKey).not.toBe(first.accessKey);
    clock.advance(-56 * 60_000);
  });

  it('a role that does not trust the external id: 422 naming the role and AWS’s refusal, nothing delivered, the metric counts it', async () => {
    const { id } = await roleCredential('untrusted', false);
    const refused = await deliver(id);
    expect(refused.status).toBe(422);
    expect(refused.body.message).toContain(`AWS refused the role '${ROLE}-untrusted' (403 AccessDenied)`);
    expect(refused.body.message).toContain('trust policy');
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/aws_sts_sessions_total\{action="AssumeRole",outcome="refused"\} [1-9]/);
    expect(metrics).toMatch(/aws_sts_sessions_total\{action="AssumeRole",outcome="cached"\} [1-9]/);
  });

  it('validation assumes the role and names the identity; a refusal is INVALID in AWS’s words', async () => {
    const { id } = await roleCredential('checked');
    const valid = await rest(server, alice.token, 'POST', `/api/credentials/${id}/validate`);
    expect(valid.body).toEqual({
      status: 'AVAILABLE',
      message: 'assumed as arn:aws:sts::123456789012:assumed-role/pipelines-checked/credentials-validation',
      transientError: false,
    });
    const { id: bad } = await roleCredential('checked-bad', false);
    const invalid = await rest(server, alice.token, 'POST', `/api/credentials/${bad}/validate`);
    expect(invalid.body).toMatchObject({ status: 'INVALID', message: expect.stringContaining('is not authorized to perform: sts:AssumeRole') });
  });

  it('no session secret in the database (its file and WAL on SQLite, every text column on PostgreSQL), or the log', async () => {
    const sessions = [...fake.sts.sessions.values()];
    expect(sessions.length).toBeGreaterThan(2);
    const logs = server.logs.join('\n');
    let stored: Buffer;
    if (onPostgres) {
      // Every row of every table, as text.
      const tables = await sqlOn<{ name: string }>(server.config.databaseUrl, "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'");
      const dumps = await Promise.all(tables.map((t) => sqlOn<{ row: string }>(server.config.databaseUrl, `SELECT t::text AS row FROM "${t.name}" t`)));
      stored = Buffer.from(
        dumps
          .flat()
          .map((r) => r.row)
          .join('\n'),
      );
      expect(stored.toString()).toContain(ROLE); // the dump holds the credentials
    } else {
      const dbFile = server.config.databaseUrl.slice('file:'.length);
      const files = readdirSync(dirname(dbFile))
        .filter((f) => f.startsWith(dbFile.split('/').at(-1)!))
        .map((f) => join(dirname(dbFile), f));
      expect(files.some((f) => f.endsWith('-wal'))).toBe(true);
      stored = Buffer.concat(files.map((f) => readFileSync(f)));
    }
    for (const s of sessions) {
      for (const secret of [s.secretAccessKey, s.sessionToken]) {
        expect(stored.includes(Buffer.from(secret)), 'in the database').toBe(false);
        expect(logs.includes(secret), 'in the log').toBe(false);
      }
    }
  });
});

describe('settings', () => {
  it('AWS_ASSUME_ROLE_ON_DELIVERY=false delivers the stored fields only, without calling STS', async () => {
    const off = await startServer({ ...env(fake), AWS_ASSUME_ROLE_ON_DELIVERY: 'false' });
    try {
      const user = await off.newUser('off');
      const id = (
        await rest(off, user.token, 'POST', '/api/credentials', { credentials: { name: 'r', provider: 'aws', keys: { mode: 'role', assumeRoleArn: ROLE } } })
      ).body.credentialsId;
      const pairingId = (await off.services.pairings.add('off', pem)).id;
      const calls = fake.sts.calls.length;
      const { keys } = await deliver(id, off, user.token, pairingId);
      expect(keys).toMatchObject({ mode: 'role', assumeRoleArn: ROLE, accessKey: null, secretKey: null });
      expect(keys).not.toHaveProperty('sessionToken');
      expect(fake.sts.calls.length).toBe(calls);
    } finally {
      await off.close();
    }
  });

  it("one owner's hanging STS calls hold only that owner's slots: the next is refused at once (503), another user's goes through", async () => {
    const busy = await startServer({ ...env(fake), VALIDATION_PROBES_PER_OWNER: '2', VALIDATION_TIMEOUT_MS: String(scaled(1000)) });
    try {
      const [greedy, other] = [await busy.newUser('greedy'), await busy.newUser('other')];
      const pairingId = (await busy.services.pairings.add('b', pem)).id;
      const make = async (token: string, name: string, hang: boolean) => {
        fake.sts.roles.set(`${ROLE}-${name}`, { hang });
        return (
          await rest(busy, token, 'POST', '/api/credentials', {
            credentials: { name, provider: 'aws', keys: { mode: 'role', assumeRoleArn: `${ROLE}-${name}` } },
          })
        ).body.credentialsId as string;
      };
      const hanging = [await make(greedy.token, 'hang-1', true), await make(greedy.token, 'hang-2', true), await make(greedy.token, 'hang-3', true)];
      const held = hanging.slice(0, 2).map((id) => deliver(id, busy, greedy.token, pairingId));
      await eventually('both hanging calls reached STS', () => fake.sts.calls.filter((c) => /hang-[12]$/.test(c.params.get('RoleArn') ?? '')).length === 2);
      const refused = await deliver(hanging[2]!, busy, greedy.token, pairingId);
      expect(refused.status).toBe(503);
      expect(refused.body.message).toMatch(/Too many AWS sessions/);
      const served = await deliver(await make(other.token, 'other-fine', false), busy, other.token, pairingId);
      expect(served.status).toBe(200);
      expect(served.keys!.sessionToken).toBeTruthy();
      // The hanging ones end at the deadline as unavailable (503), nothing delivered.
      for (const r of await Promise.all(held)) expect(r.status).toBe(503);
    } finally {
      await busy.close();
    }
  });

  it('an STS endpoint the guard does not allow: refused, naming the setting, with 0 connections to it', async () => {
    let connections = 0;
    const listener: Server = createServer((_req, res) => res.end('nope'));
    listener.on('connection', () => connections++);
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    const port = (listener.address() as AddressInfo).port;
    const guarded = await startServer({ ...env(fake), AWS_STS_ENDPOINT: `http://127.0.0.1:${port}/sts` });
    try {
      const user = await guarded.newUser('guarded');
      const id = (
        await rest(guarded, user.token, 'POST', '/api/credentials', {
          credentials: { name: 'r', provider: 'aws', keys: { mode: 'role', assumeRoleArn: ROLE } },
        })
      ).body.credentialsId;
      const pairingId = (await guarded.services.pairings.add('g', pem)).id;
      const refused = await deliver(id, guarded, user.token, pairingId);
      expect(refused.status).toBe(422);
      expect(refused.body.message).toMatch(/AWS STS may not be called: .*VALIDATION_ALLOWED_HOSTS/);
      expect(connections).toBe(0);
    } finally {
      await guarded.close();
      listener.close();
    }
  });
});
