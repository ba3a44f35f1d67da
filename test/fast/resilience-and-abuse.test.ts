/**
 * What the second attack found (issue 18), as the features that now hold:
 * database failures answered by kind (findings 1 and 7; a dropped PostgreSQL
 * connection under load is a system test: test/system/database-outage.test.ts),
 * no secret through a probe (2), no role above one's own (3), bounded durations
 * and a schedule that yields (4), fair validation and caps (5; the sweep:
 * test/system/background-validation.test.ts), web addresses (6), start-up and
 * key files (8 and 9: also test/system/startup.test.ts), organizations (10),
 * the limiter and typed errors (11).
 */

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR } from '../../src/core/caller.js';
import { StoreBusy, StoreFull, StoreReadOnly, StoreUnavailable } from '../../src/core/errors.js';
import { durationWithin } from '../../src/core/time.js';
import { loadConfig } from '../../src/infra/config/index.js';
import { createLogger } from '../../src/infra/logger.js';
import { asStoreError, StoreHealth, storeFailureOf } from '../../src/platform/db/failures.js';
import { KeyRing, keyRingFromFile } from '../../src/platform/secrets/keyring.js';
import { openRuntime } from '../../src/wiring/runtime.js';
import { onPostgres, postgresServer, sqlOn } from '../helpers/database.js';
import { type FakeProviders, startFakeProviders } from '../helpers/fake-providers.js';
import { rest } from '../helpers/rest.js';
import { gql, startServer, type TestServer, withServer } from '../helpers/server.js';
import { eventually, scaled } from '../helpers/time.js';

/**
 * One server with the default settings for the describes that need no other (each works with its own users and
 * names); started before theirs, closed after them.
 */
const shared = withServer();

const github = (name: string, extra: Record<string, unknown> = {}) => ({
  credentials: { name, provider: 'github', keys: { username: 'u', token: `ghp_${name}` }, ...extra },
});

describe('every form of a database failure is one of four kinds, each answered as retryable', () => {
  it('recognises busy, unreachable, full and read-only in the forms the drivers and Prisma give them', () => {
    const adapter = (cause: object) => ({ code: 'P2010', meta: { driverAdapterError: { cause } } });
    const cases: [unknown, string | undefined][] = [
      [{ code: '57P01', message: 'terminating connection due to administrator command', severity: 'FATAL' }, 'unreachable'],
      [adapter({ kind: 'postgres', code: '57P01' }), 'unreachable'],
      [{ code: 'ECONNREFUSED', syscall: 'connect', errno: -111 }, 'unreachable'],
      [adapter({ kind: 'DatabaseNotReachable' }), 'unreachable'],
      [new Error('Connection terminated unexpectedly'), 'unreachable'],
      [new Error('timeout exceeded when trying to connect'), 'unreachable'],
      [{ code: 'P1001', message: "Can't reach database server" }, 'unreachable'],
      [{ code: '08006' }, 'unreachable'],
      [{ code: 'SQLITE_FULL', message: 'database or disk is full' }, 'full'],
      [adapter({ kind: 'sqlite', extendedCode: 13, originalCode: 'SQLITE_FULL' }), 'full'],
      [{ code: '53100', message: 'could not extend file: No space left on device' }, 'full'],
      [{ code: '25006', message: 'cannot execute INSERT in a read-only transaction' }, 'read-only'],
      [adapter({ kind: 'sqlite', extendedCode: 8 }), 'read-only'],
      [{ code: 'SQLITE_BUSY' }, 'busy'],
      [adapter({ kind: 'SocketTimeout' }), 'busy'],
      [{ code: '55P03', message: 'canceling statement due to lock timeout' }, 'busy'],
      [{ code: 'P2002' }, undefined],
      [new TypeError('x is not a function'), undefined],
    ];
    for (const [error, kind] of cases) expect(storeFailureOf(error), JSON.stringify(error)).toBe(kind);
    expect(asStoreError({ code: '57P01' })).toBeInstanceOf(StoreUnavailable);
    expect(asStoreError({ code: 'SQLITE_FULL' })).toBeInstanceOf(StoreFull);
    expect(asStoreError({ code: '25006' })).toBeInstanceOf(StoreReadOnly);
    expect(asStoreError({ code: 'SQLITE_BUSY' })).toBeInstanceOf(StoreBusy);
  });

  it('reports each change of state once, however many statements fail', () => {
    const events: string[] = [];
    const health = new StoreHealth((e) => events.push(e.state));
    for (let i = 0; i < 50; i++) health.failed({ code: '57P01', message: 'terminating connection' });
    health.succeeded(false);
    health.succeeded(false);
    for (let i = 0; i < 50; i++) health.failed({ code: 'SQLITE_FULL' });
    health.succeeded(false);
    expect(health.unwritable).toContain('no space left');
    health.succeeded(true);
    expect(events).toEqual(['unreachable', 'reachable', 'unwritable', 'writable']);
  });
});

// Filling a real file system needs one of our own: a tmpfs, which only root may mount.
const canMount = userInfo().uid === 0 && !onPostgres;

describe.runIf(canMount)('a full disk (SQLite on a full file system)', () => {
  const mountPoint = mkdtempSync(join(tmpdir(), 'credentials-full-'));
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mountPoint]);
    mkdirSync(join(mountPoint, 'data'));
    server = await startServer({ DATABASE_URL: `file:${join(mountPoint, 'data', 'credentials.db')}` });
    ({ token } = await server.newUser('full'));
  });
  afterAll(async () => {
    await server?.close();
    execFileSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  it('answers 507 with Retry-After, reports not ready while it lasts, and recovers without a restart', async () => {
    expect((await rest(server, token, 'POST', '/api/credentials', github('before'))).status).toBe(200);
    // Fill the file system.
    const filler = join(mountPoint, 'filler');
    const fd = openSync(filler, 'w');
    const chunk = Buffer.alloc(64 * 1024, 1);
    try {
      for (;;) writeSync(fd, chunk);
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    } finally {
      closeSync(fd);
    }
    const notReady = await fetch(`${server.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(((await notReady.json()) as { reason: string }).reason).toMatch(/cannot be written/);

    // Writes fail cleanly (a write may still fit in the WAL's free pages; keep writing until one does not).
    const statuses: number[] = [];
    let refused: Awaited<ReturnType<typeof rest>> | undefined;
    for (let i = 0; i < 300 && !refused; i++) {
      const result = await rest(server, token, 'POST', '/api/credentials', github(`full-${i}`, { description: 'x'.repeat(1000) }), { validate: false });
      statuses.push(result.status);
      if (result.status !== 200) refused = result;
    }
    expect(refused?.status).toBe(507);
    expect(refused?.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(refused?.body.message).toMatch(/no space left/);
    expect(statuses.filter((s) => s !== 200 && s !== 507)).toEqual([]);
    const graphql = await gql(server, token, 'mutation { createCredential(input: {name: "full-graphql", keys: {github: {token: "t"}}}) { __typename } }');
    expect(graphql.status).toBe(507);
    expect(graphql.body.errors?.[0]?.extensions?.code).toBe('STORE_FULL');
    // Reads go on.
    expect((await rest(server, token, 'GET', '/api/credentials')).status).toBe(200);

    unlinkSync(filler);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect((await rest(server, token, 'POST', '/api/credentials', github('after'))).status).toBe(200);
  });
});

describe.runIf(onPostgres)('a PostgreSQL database that refuses writes (read-only)', () => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = await startServer();
    ({ token } = await server.newUser('readonly'));
  });
  afterAll(() => server?.close());

  it('answers 503 with Retry-After, reports not ready while it lasts, and recovers without a restart', async () => {
    const url = server.config.databaseUrl;
    const name = new URL(url).pathname.slice(1);
    expect((await rest(server, token, 'POST', '/api/credentials', github('before'))).status).toBe(200);
    // As a standby after a failover: every new session is read-only, and the old ones are gone.
    await sqlOn(url, `ALTER DATABASE "${name}" SET default_transaction_read_only = on`);
    await sqlOn(url, 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
    // (A request may first meet a pooled connection the termination ended: 503 too, the database "cannot be
    // reached". The next ones get new sessions, read-only.)
    let refused: Awaited<ReturnType<typeof rest>> | undefined;
    const readOnly = () => refused?.status === 503 && /read-only/.test(refused.body.message);
    for (let i = 0; i < 20 && !readOnly(); i++) {
      refused = await rest(server, token, 'POST', '/api/credentials', github(`ro-${i}`), { validate: false });
      expect(refused.status, refused.text).not.toBe(200);
    }
    expect(refused?.status).toBe(503);
    expect(refused?.body.message).toMatch(/read-only/);
    expect(refused?.headers.get('retry-after')).toMatch(/^\d+$/);
    const notReady = await fetch(`${server.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(((await notReady.json()) as { reason: string }).reason).toMatch(/cannot be written/);

    await sqlOn(postgresServer!, `ALTER DATABASE "${name}" SET default_transaction_read_only = off`);
    await sqlOn(url, 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
    let ready = 0;
    for (let i = 0; i < 20 && ready !== 200; i++) ready = (await fetch(`${server.url}/readyz`)).status;
    expect(ready).toBe(200);
    let after = 0;
    for (let i = 0; i < 5 && after !== 200; i++)
      after = (await rest(server, token, 'POST', '/api/credentials', github(`after-${i}`), { validate: false })).status;
    expect(after).toBe(200);
  });
});

/**
 * A host a writer controls: it answers every probe 401 with a message that
 * repeats what it was sent, in the encoding the user name (the last segment of
 * Bitbucket Server's path) asks for.
 */
async function startEchoingHost(): Promise<{ host: string; url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const authorization = req.headers.authorization ?? '';
    const pair = Buffer.from(authorization.replace(/^Basic /, ''), 'base64').toString('utf8');
    const password = pair.split(':').slice(1).join(':');
    const mode = decodeURIComponent((req.url ?? '').split('/').pop() ?? '');
    const echoes: Record<string, string> = {
      header: `Bad credentials: you sent Authorization: ${authorization}`,
      scheme: `cannot use ${authorization.replace('Basic ', 'basic  ')} here`,
      raw: `the password ${password} is wrong`,
      base64: `expected not ${Buffer.from(password).toString('base64')}`,
      base64url: `got ${Buffer.from(pair).toString('base64url')}`,
      percent: `rejected ${encodeURIComponent(password)}`,
      hex: `digest input ${Buffer.from(password).toString('hex')}`,
      HEX: `digest input ${Buffer.from(password).toString('hex').toUpperCase()}`,
      half: `starts with ${password.slice(0, 10)}...`,
      tail: `...ends with ${password.slice(-9)}`,
      json: JSON.stringify({ seen: req.headers }),
    };
    if (mode === 'text') {
      res.writeHead(401, { 'content-type': 'text/plain' });
      return res.end(`Unauthorized. Request headers: ${JSON.stringify(req.headers)}`);
    }
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ errors: [{ message: echoes[mode] ?? 'Authentication failed' }] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('a writer cannot read a stored secret through a validation probe', () => {
  const PASSWORD = 's3cr3t+P@ss/w\u00f6rd=42!x';
  let echo: Awaited<ReturnType<typeof startEchoingHost>>;
  let server: TestServer;
  let owner: Awaited<ReturnType<TestServer['newUser']>>;
  let writer: string;
  beforeAll(async () => {
    echo = await startEchoingHost();
    server = await startServer({ VALIDATION_ALLOWED_HOSTS: echo.host, VALIDATION_TIMEOUT_MS: '2000' });
    owner = await server.newUser('victim');
    // A token of the same user that may write but not fetch keys (a CI job's, say).
    writer = (await server.services.tokens.createToken(owner.userId, 'ci', { actor: 'operator', door: 'cli' }, { scope: 'write' })).token;
  });
  afterAll(async () => {
    await server?.close();
    await echo?.close();
  });

  const bitbucket = (name: string, username: string, baseUrl: string, keys: Record<string, unknown> = {}) => ({
    credentials: { name, provider: 'bitbucket', baseUrl, keys: { username, ...keys } },
  });

  it('(a) refuses to change where a kept secret goes unless the secret is sent again or the caller may fetch keys, on both doors', async () => {
    const created = await rest(
      server,
      owner.token,
      'POST',
      '/api/credentials',
      bitbucket('bb', 'raw', 'https://bitbucket.example.com', { password: PASSWORD }),
    );
    expect(created.status).toBe(200);
    const id = created.body.credentialsId as string;

    const moved = await rest(server, writer, 'PUT', `/api/credentials/${id}`, bitbucket('bb', 'raw', echo.url));
    expect(moved.status).toBe(400);
    expect(moved.body.message).toMatch(/keys\.password: must be sent again: baseUrl changed/);
    const graphql = await gql(
      server,
      writer,
      `mutation($id: ID!, $url: String) { updateCredential(id: $id, input: {name: "bb", baseUrl: $url, keys: {bitbucket: {username: "raw"}}}) {
         __typename ... on ValidationError { fields { path message } } } }`,
      { id, url: echo.url },
    );
    expect(graphql.body.data?.updateCredential.__typename).toBe('ValidationError');
    expect(graphql.body.data?.updateCredential.fields[0].path).toBe('keys.password');
    expect((await rest(server, owner.token, 'GET', `/api/credentials/${id}`)).body.credentials.baseUrl).toBe('https://bitbucket.example.com');

    // Other changes keep the secret as before; so does a move that brings the secret along.
    expect(
      (
        await rest(server, writer, 'PUT', `/api/credentials/${id}`, {
          credentials: { ...bitbucket('bb', 'raw', 'https://bitbucket.example.com').credentials, description: 'renamed' },
        })
      ).status,
    ).toBe(204);
    expect((await rest(server, writer, 'PUT', `/api/credentials/${id}`, bitbucket('bb', 'raw', echo.url, { password: 'a-new-one' }))).status).toBe(204);
    // The owner's full token may fetch the keys anyway: it may move them too.
    expect((await rest(server, owner.token, 'PUT', `/api/credentials/${id}`, bitbucket('bb', 'raw', 'https://bitbucket.example.com'))).status).toBe(204);

    // A container registry's host is such a field too.
    const registry = await rest(server, owner.token, 'POST', '/api/credentials', {
      credentials: { name: 'reg', provider: 'container-reg', keys: { userName: 'robot', registry: 'quay.io', password: PASSWORD } },
    });
    const moveRegistry = await rest(server, writer, 'PUT', `/api/credentials/${registry.body.credentialsId}`, {
      credentials: { name: 'reg', provider: 'container-reg', keys: { userName: 'robot', registry: echo.host } },
    });
    expect(moveRegistry.status).toBe(400);
    expect(moveRegistry.body.message).toMatch(/keys\.password: must be sent again: registry changed/);
  });

  it('(b) never stores or shows the secret a provider repeats, in any encoding or in part', async () => {
    const forms = (user: string) => {
      const pair = `${user}:${PASSWORD}`;
      return [
        PASSWORD,
        PASSWORD.slice(0, 10),
        PASSWORD.slice(-9),
        Buffer.from(PASSWORD).toString('base64'),
        Buffer.from(pair).toString('base64'),
        Buffer.from(pair).toString('base64url'),
        Buffer.from(pair).toString('base64').slice(4, 20),
        encodeURIComponent(PASSWORD),
        Buffer.from(PASSWORD).toString('hex'),
        Buffer.from(PASSWORD).toString('hex').toUpperCase(),
      ];
    };
    for (const mode of ['header', 'scheme', 'raw', 'base64', 'base64url', 'percent', 'hex', 'HEX', 'half', 'tail', 'json', 'text']) {
      const created = await rest(server, owner.token, 'POST', '/api/credentials', bitbucket(`echo-${mode}`, mode, echo.url, { password: PASSWORD }));
      const id = created.body.credentialsId as string;
      const verdict = await rest(server, owner.token, 'POST', `/api/credentials/${id}/validate`);
      expect(verdict.body.status, mode).toBe('INVALID');
      const described = (await rest(server, owner.token, 'GET', `/api/credentials/${id}`)).body.credentials;
      const shown = `${verdict.body.message} ${described.message}`;
      expect(shown).toContain('Bitbucket refused the credentials (401)');
      for (const form of forms(mode)) expect(shown, `${mode}: ${shown}`).not.toContain(form);
      expect(shown.toLowerCase()).not.toContain(Buffer.from(PASSWORD).toString('hex').slice(0, 16));
    }
  });
});

describe('a workspace ADMIN cannot take the workspace over', () => {
  const ROLES = ['OWNER', 'ADMIN', 'MAINTAIN', 'LAUNCH', 'CONNECT', 'VIEW'] as const;
  type Role = (typeof ROLES)[number];
  const { server } = shared;
  let alice: Awaited<ReturnType<TestServer['newUser']>>;
  let eve: Awaited<ReturnType<TestServer['newUser']>>;
  let workspaceId: string;
  const managers = {} as Record<Role, Awaited<ReturnType<TestServer['newUser']>>>;
  beforeAll(async () => {
    alice = await server.newUser('alice');
    eve = await server.newUser('eve');
    const ws = server.services.workspaces;
    await ws.createOrganization(OPERATOR, 'takeover', alice.name);
    workspaceId = String((await ws.createWorkspace(OPERATOR, { name: 'takeover' }, 'main')).id);
    await ws.addParticipant(OPERATOR, { id: workspaceId }, alice.name, 'OWNER');
    await ws.addParticipant(OPERATOR, { id: workspaceId }, eve.name, 'ADMIN');
    for (const role of ROLES) {
      managers[role] = await server.newUser(`manager-${role.toLowerCase()}`);
      await ws.addParticipant(OPERATOR, { id: workspaceId }, managers[role].name, role);
    }
  });

  const UPDATE = `mutation($ws: ID!, $user: String!, $role: WorkspaceRole!) {
    r: updateWorkspaceParticipantRole(input: {workspaceId: $ws, userName: $user, role: $role}) { __typename ... on Error { message } } }`;
  const ADD = `mutation($ws: ID!, $user: String!, $role: WorkspaceRole!) {
    r: addWorkspaceParticipant(input: {workspaceId: $ws, userName: $user, role: $role}) { __typename ... on Error { message } } }`;
  const REMOVE = `mutation($ws: ID!, $user: String!) { r: removeWorkspaceParticipant(input: {workspaceId: $ws, userName: $user}) { __typename ... on Error { message } } }`;
  const roleOf = async (userName: string) =>
    (await server.db.workspaceParticipant.findFirst({ where: { workspaceId: Number(workspaceId), user: { name: userName } }, select: { role: true } }))?.role ??
    null;

  it('eve (ADMIN) can neither promote herself to OWNER, nor demote or remove the OWNER alice', async () => {
    const promote = await gql(server, eve.token, UPDATE, { ws: workspaceId, user: eve.name, role: 'OWNER' });
    expect(promote.body.data!.r).toMatchObject({ __typename: 'ForbiddenError', message: expect.stringMatching(/only an OWNER grants OWNER/) });
    const demote = await gql(server, eve.token, UPDATE, { ws: workspaceId, user: alice.name, role: 'VIEW' });
    expect(demote.body.data!.r.__typename).toBe('ForbiddenError');
    const remove = await gql(server, eve.token, REMOVE, { ws: workspaceId, user: alice.name });
    expect(remove.body.data!.r.__typename).toBe('ForbiddenError');
    expect(await roleOf(alice.name)).toBe('OWNER');
    expect(await roleOf(eve.name)).toBe('ADMIN');
    // What an ADMIN may do: lower herself.
    const lower = await gql(server, eve.token, UPDATE, { ws: workspaceId, user: eve.name, role: 'MAINTAIN' });
    expect(lower.body.data!.r.__typename).toBe('MutationUpdateWorkspaceParticipantRoleSuccess');
    const back = await gql(server, eve.token, UPDATE, { ws: workspaceId, user: eve.name, role: 'ADMIN' });
    expect(back.body.data!.r.__typename).toBe('ForbiddenError');
  });

  // Stated here on its own, not read from the code: an OWNER may make every change; an ADMIN every change
  // that neither grants OWNER nor touches an OWNER; nobody else any.
  const allowed = (manager: Role, from: Role | null, to: Role | null) => manager === 'OWNER' || (manager === 'ADMIN' && from !== 'OWNER' && to !== 'OWNER');

  // The whole matrix (every manager role × every current role × every new role) runs over the use case with faked
  // ports in test/fast/use-cases.test.ts; here a sample of it through the door and the real store.
  it('a sample of the matrix over HTTP: adding an ADMIN, changing an OWNER, removing an ADMIN, by each managing role and one that manages nothing', async () => {
    let n = 0;
    // Targets need no token: a user is enough.
    const someone = async () => (await server.services.tokens.createUser(`t${n++}-${Math.random().toString(36).slice(2, 8)}`, 'cli')).name;
    for (const manager of ['OWNER', 'ADMIN', 'MAINTAIN', 'VIEW'] as const) {
      const added = await someone();
      const add = await gql(server, managers[manager].token, ADD, { ws: workspaceId, user: added, role: 'ADMIN' });
      expect(add.body.data!.r.__typename, `${manager} adds ADMIN`).toBe(
        allowed(manager, null, 'ADMIN') ? 'MutationAddWorkspaceParticipantSuccess' : 'ForbiddenError',
      );
      expect(await roleOf(added)).toBe(allowed(manager, null, 'ADMIN') ? 'ADMIN' : null);

      const owner = await someone();
      await server.services.workspaces.addParticipant(OPERATOR, { id: workspaceId }, owner, 'OWNER');
      const change = await gql(server, managers[manager].token, UPDATE, { ws: workspaceId, user: owner, role: 'LAUNCH' });
      expect(change.body.data!.r.__typename, `${manager} changes OWNER to LAUNCH`).toBe(
        allowed(manager, 'OWNER', 'LAUNCH') ? 'MutationUpdateWorkspaceParticipantRoleSuccess' : 'ForbiddenError',
      );
      expect(await roleOf(owner)).toBe(allowed(manager, 'OWNER', 'LAUNCH') ? 'LAUNCH' : 'OWNER');

      const admin = await someone();
      await server.services.workspaces.addParticipant(OPERATOR, { id: workspaceId }, admin, 'ADMIN');
      const remove = await gql(server, managers[manager].token, REMOVE, { ws: workspaceId, user: admin });
      expect(remove.body.data!.r.__typename, `${manager} removes ADMIN`).toBe(
        allowed(manager, 'ADMIN', null) ? 'MutationRemoveWorkspaceParticipantSuccess' : 'ForbiddenError',
      );
      expect(await roleOf(admin)).toBe(allowed(manager, 'ADMIN', null) ? null : 'ADMIN');
    }
  });

  it('nobody raises their own role, and an organization OWNER manages as an OWNER', async () => {
    for (const role of ['ADMIN', 'MAINTAIN'] as const) {
      const me = await server.newUser(`self-${role}`);
      await server.services.workspaces.addParticipant(OPERATOR, { id: workspaceId }, me.name, role === 'ADMIN' ? 'ADMIN' : 'MAINTAIN');
      const up = await gql(server, me.token, UPDATE, { ws: workspaceId, user: me.name, role: 'OWNER' });
      expect(up.body.data!.r.__typename).toBe('ForbiddenError');
    }
    // alice owns the organization: she may change an OWNER even outside the workspace's participants.
    const other = await server.newUser('co-owner');
    await server.services.workspaces.addParticipant(OPERATOR, { id: workspaceId }, other.name, 'OWNER');
    expect((await gql(server, alice.token, UPDATE, { ws: workspaceId, user: other.name, role: 'VIEW' })).body.data!.r.__typename).toBe(
      'MutationUpdateWorkspaceParticipantRoleSuccess',
    );
  });
});

describe('a lost key file never leads to a new key while sealed secrets exist', () => {
  it('refuses to start without the key file when the database holds secrets (and makes no key)', async () => {
    const server = await startServer();
    const { token } = await server.newUser('keyless');
    expect((await rest(server, token, 'POST', '/api/credentials', github('sealed'))).status).toBe(200);
    const config = server.config;
    await server.services.close();
    const keyFile = config.masterKeyFile;
    const kept = readFileSync(keyFile);
    unlinkSync(keyFile);
    const logger = createLogger('silent');
    await expect(openRuntime(config, logger)).rejects.toThrow(/holds 3 sealed secrets that only their key opens: restore the key file/);
    expect(existsSync(keyFile)).toBe(false);
    writeFileSync(keyFile, kept, { mode: 0o600 });
    // With the key file back, it starts.
    await (await openRuntime(config, logger)).close();
    await server.close();
  });
});

describe('master keys that do not open the database’s secrets', () => {
  const anotherKey = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;

  it('refuse the start, naming the key that sealed them and the fix; the right keys start', async () => {
    const server = await startServer();
    const config = server.config;
    const keyId = keyRingFromFile(config.masterKeyFile).primaryId;
    await server.services.close();
    const logger = createLogger('silent');
    // Another valid key under another id, then under the same id: both refused at start, before serving anything.
    await expect(openRuntime({ ...config, masterKeys: anotherKey('other') }, logger)).rejects.toThrow(
      new RegExp(
        `do not open this database's secrets: its key check is sealed with the key '${keyId}', which this instance does not hold \\(it holds 'other'\\)\\. Set MASTER_KEY_FILE or MASTER_KEYS`,
      ),
    );
    await expect(openRuntime({ ...config, masterKeys: anotherKey(keyId) }, logger)).rejects.toThrow(
      new RegExp(`the key '${keyId}' this instance holds is not the key '${keyId}' that sealed its key check \\(same id, another key\\)`),
    );
    await (await openRuntime(config, logger)).close();
    await server.close();
  });

  it('a database from before the key check: a wrong key is refused by its stored secrets (and writes no check); the right one writes it', async () => {
    const server = await startServer();
    const { token } = await server.newUser('before-the-check');
    expect((await rest(server, token, 'POST', '/api/credentials', github('sealed-before'))).status).toBe(200);
    const config = server.config;
    await server.services.close();
    await server.db.keyCheck.deleteMany();
    const logger = createLogger('silent');
    await expect(openRuntime({ ...config, masterKeys: anotherKey('other') }, logger)).rejects.toThrow(/its stored secrets are sealed with the key/);
    expect(await server.db.keyCheck.count()).toBe(0);
    await (await openRuntime(config, logger)).close();
    expect(await server.db.keyCheck.count()).toBe(1);
    await server.close();
  });

  it('/readyz is never green on an instance whose keys no longer open them (another instance rotated to a key it lacks)', async () => {
    const server = await startServer();
    try {
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      const { sealed } = await server.db.keyCheck.findUniqueOrThrow({ where: { id: 'master-keys' } });
      const stranger = new KeyRing(new Map([['rotated', randomBytes(32)]]), 'rotated');
      await server.db.keyCheck.update({ where: { id: 'master-keys' }, data: { sealed: stranger.seal('x', 'key-check:master-keys') } });
      const notReady = await fetch(`${server.url}/readyz`);
      expect(notReady.status).toBe(503);
      expect((await notReady.json()).reason).toMatch(/sealed with the key 'rotated', which this instance does not hold/);
      await server.db.keyCheck.update({ where: { id: 'master-keys' }, data: { sealed } });
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('durations are bounded, and the background schedule always yields', () => {
  it('refuses a zero, a too short or a too long duration at start, naming the range, with one parser for settings and the CLI', () => {
    for (const [name, value] of [
      ['VALIDATE_EVERY', '0s'],
      ['VALIDATE_EVERY', '5s'],
      ['VALIDATE_EVERY', '400d'],
      ['VALIDATE_EVERY', '10 m'],
      ['REQUEST_TIMEOUT_MS', '0'],
      ['REQUEST_TIMEOUT_MS', '3600000'],
      ['VALIDATION_TIMEOUT_MS', '0'],
      ['SHUTDOWN_GRACE_MS', '-1'],
      ['KEEP_ALIVE_TIMEOUT_MS', '99999999'],
      ['REQUEST_BODY_TIMEOUT_MS', 'soon'],
    ] as const) {
      expect(() => loadConfig({ [name]: value }), `${name}=${value}`).toThrow(new RegExp(`${name}: must be`));
    }
    expect(() => loadConfig({ VALIDATE_EVERY: '0s' })).toThrow(/VALIDATE_EVERY: must be a duration from 10s to 365d \(0ms is not\), or off/);
    expect(loadConfig({ VALIDATE_EVERY: '10s' }).validation.everyMs).toBe(10_000);
    expect(loadConfig({ VALIDATE_EVERY: 'off' }).validation.everyMs).toBeUndefined();
    // The CLI's --expires-in reads durations the same way (its own bounds).
    expect(durationWithin('0s', { min: 1000, max: 86_400_000 })).toEqual({ problem: 'must be a duration from 1s to 1d (0ms is not)' });
    expect(durationWithin('90d', { min: 1000, max: 3650 * 86_400_000 })).toEqual({ ms: 90 * 86_400_000 });
  });

  it('with a period of 1 ms (the domain takes any), requests are answered and the service stops at once', async () => {
    const server = await startServer({}, { adjust: (c) => ({ ...c, validation: { ...c.validation, everyMs: 1 } }) });
    try {
      const { token } = await server.newUser('busy');
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) {
        const created = await rest(server, token, 'POST', '/api/credentials', {
          credentials: { name: `cc-${i}`, provider: 'codecommit', keys: { username: 'u', password: `p-${i}` } },
        });
        expect(created.status).toBe(200);
        ids.push(created.body.credentialsId);
      }
      // Answered (the test's time limit bounds how long): the sweeps always yield to requests.
      for (const id of ids) expect((await rest(server, token, 'GET', `/api/credentials/${id}`)).status).toBe(200);
      // Background sweeps did run meanwhile (their verdicts are recorded).
      const validated = await server.db.credential.count({ where: { id: { in: ids }, lastValidated: { not: null } } });
      expect(validated).toBeGreaterThan(0);
    } finally {
      // Stops (within the hook's time limit): a sweep in progress does not hold the stop.
      await server.close();
    }
  });
});

describe('one user cannot block everyone’s validation', () => {
  let fake: FakeProviders;
  let server: TestServer;
  let attacker: Awaited<ReturnType<TestServer['newUser']>>;
  let victim: Awaited<ReturnType<TestServer['newUser']>>;
  beforeAll(async () => {
    fake = await startFakeProviders();
    // (Both time limits scaled alike: the validations a request may hold depend on their ratio.)
    server = await startServer({
      VALIDATION_ALLOWED_HOSTS: fake.host,
      VALIDATION_TIMEOUT_MS: String(scaled(800)),
      REQUEST_TIMEOUT_MS: String(scaled(8000)),
    });
    attacker = await server.newUser('hog');
    victim = await server.newUser('victim');
  });
  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });
  const githubAt = async (user: { token: string }, name: string, token: string) =>
    (await rest(server, user.token, 'POST', '/api/credentials', { credentials: { name, provider: 'github', baseUrl: fake.url, keys: { token } } })).body
      .credentialsId as string;

  it('20 concurrent validations of one never-answering credential take the owner’s share only: another user is served at once', async () => {
    const slow = await githubAt(attacker, 'slow', 'slow-forever');
    const good = await githubAt(victim, 'good', 'good-token');
    let probesEnded = 0;
    const hogging = Array.from({ length: 20 }, () =>
      rest(server, attacker.token, 'POST', `/api/credentials/${slow}/validate`, undefined, { validate: false }).then((r) => {
        if (r.status === 200) probesEnded++;
        return r;
      }),
    );
    // The owner's four probes are out (the provider holds them until their time limit).
    await eventually('the owner’s share probing', () => fake.requests.filter((r) => r.headers.authorization === 'Bearer slow-forever').length === 4);
    const served = await rest(server, victim.token, 'POST', `/api/credentials/${good}/validate`);
    expect(served.status).toBe(200);
    expect(served.body.status).toBe('AVAILABLE');
    // Served while the owner's probes still hang: it waited for none of them.
    expect(probesEnded).toBe(0);
    const statuses = (await Promise.all(hogging)).map((r) => r.status);
    // The owner's share (VALIDATION_PROBES_PER_OWNER, 4) probed and timed out (transient); the rest were refused at once.
    expect(statuses.filter((s) => s === 200)).toHaveLength(4);
    expect(statuses.filter((s) => s === 503)).toHaveLength(16);
  });

  it('one GraphQL request may hold only as many validateCredential fields as an owner has slots, aliases counted', async () => {
    const id = await githubAt(attacker, 'aliased', 'slow-again');
    const fields = Array.from({ length: 15 }, (_, i) => `v${i}: validateCredential(id: "${id}") { __typename }`).join(' ');
    const probed = fake.requests.length;
    const result = await gql(server, attacker.token, `mutation { ${fields} }`);
    // Refused before anything ran: not one probe.
    expect(fake.requests.length).toBe(probed);
    expect(result.body.errors?.[0]?.message).toBe(
      'At most 4 validateCredential fields in one request (each probes a provider; send the others in further requests)',
    );
    expect(result.body.data ?? null).toBeNull();
    const viaFragment = await gql(
      server,
      attacker.token,
      `mutation { ...A ...B } fragment A on Mutation { a: validateCredential(id: "${id}") { __typename } b: validateCredential(id: "${id}") { __typename } }
       fragment B on Mutation { c: validateCredential(id: "${id}") { __typename } d: validateCredential(id: "${id}") { __typename } e: validateCredential(id: "${id}") { __typename } }`,
    );
    expect(viaFragment.body.errors?.[0]?.message).toMatch(/^At most 4 validateCredential fields/);
  });
});

describe('a cap on credentials per context', () => {
  it('answers 409 (REST) and LimitReachedError (GraphQL) at the cap, creating nothing; a delete makes room', async () => {
    const server = await startServer({ MAX_CREDENTIALS_PER_CONTEXT: '3' });
    try {
      const { token } = await server.newUser('capped');
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await rest(server, token, 'POST', '/api/credentials', github(`cap-${i}`))).body.credentialsId);
      const refused = await rest(server, token, 'POST', '/api/credentials', github('cap-3'));
      expect(refused.status).toBe(409);
      expect(refused.body.message).toMatch(/^Limit reached: at most 3 live credentials in a personal context; .*MAX_CREDENTIALS_PER_CONTEXT/);
      const graphql = await gql(
        server,
        token,
        'mutation { createCredential(input: {name: "cap-g", keys: {github: {token: "t"}}}) { __typename ... on LimitReachedError { limit setting } } }',
      );
      expect(graphql.body.data?.createCredential).toEqual({ __typename: 'LimitReachedError', limit: 3, setting: 'MAX_CREDENTIALS_PER_CONTEXT' });
      expect((await rest(server, token, 'GET', '/api/credentials')).body.credentials).toHaveLength(3);
      expect((await rest(server, token, 'DELETE', `/api/credentials/${ids[0]}`)).status).toBe(204);
      expect((await rest(server, token, 'POST', '/api/credentials', github('cap-3'))).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('a baseUrl that is not http(s) is refused, and validation never answers 500 for a stored one', () => {
  const { server } = shared;
  let token: string;
  beforeAll(async () => {
    ({ token } = await server.newUser('urls'));
  });

  it('refuses such values at create and update, on both doors, naming the field', async () => {
    for (const baseUrl of [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'ftp://example.com',
      'https://user:password@example.com',
      'example.com',
      ' https://x.example',
    ]) {
      const created = await rest(server, token, 'POST', '/api/credentials', github('bad-url', { baseUrl }));
      expect(created.status, baseUrl).toBe(400);
      expect(created.body.message, baseUrl).toMatch(/^baseUrl: must be an http or https URL/);
      const graphql = await gql(
        server,
        token,
        'mutation($u: String) { createCredential(input: {name: "g", baseUrl: $u, keys: {github: {token: "t"}}}) { __typename ... on ValidationError { fields { path } } } }',
        { u: baseUrl },
      );
      expect(graphql.body.data?.createCredential, baseUrl).toEqual({ __typename: 'ValidationError', fields: [{ path: 'baseUrl' }] });
    }
    const ok = await rest(server, token, 'POST', '/api/credentials', github('good-url', { baseUrl: 'https://git.example.com/' }));
    expect(ok.status).toBe(200);
    const update = await rest(server, token, 'PUT', `/api/credentials/${ok.body.credentialsId}`, github('good-url', { baseUrl: 'javascript:alert(1)' }));
    expect(update.status).toBe(400);
    const registry = await rest(server, token, 'POST', '/api/credentials', {
      credentials: { name: 'reg-url', provider: 'container-reg', keys: { userName: 'u', password: 'p', registry: 'https://quay.io/org' } },
    });
    expect(registry.status).toBe(400);
    expect(registry.body.message).toMatch(/^keys\.registry: must be a host name/);
  });

  it('a value stored before the rule validates as INVALID with a message, not a 500', async () => {
    const ok = await rest(server, token, 'POST', '/api/credentials', github('stored-bad', { baseUrl: 'https://git.example.com' }));
    const id = ok.body.credentialsId as string;
    for (const baseUrl of ['javascript:alert(1)', 'file:///etc/passwd', 'not a url']) {
      await server.db.credential.update({ where: { id }, data: { baseUrl } });
      const verdict = await rest(server, token, 'POST', `/api/credentials/${id}/validate`);
      expect(verdict.status, baseUrl).toBe(200);
      expect(verdict.body, baseUrl).toMatchObject({
        status: 'INVALID',
        transientError: false,
        message: expect.stringMatching(/^baseUrl '.*' is not (an http or https URL|a URL)$/),
      });
    }
  });
});

describe('organizations', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ MAX_ORGANIZATIONS_PER_USER: '3' });
  });
  afterAll(() => server?.close());
  const CREATE = `mutation($name: String!) { createOrganization(input: {name: $name}) { __typename ... on Error { message } } }`;

  it('membership made by adding a participant ends with the last participation', async () => {
    const owner = await server.newUser('org-owner');
    const member = await server.newUser('org-member');
    const ws = server.services.workspaces;
    const org = await ws.createOrganization(OPERATOR, 'leaving', owner.name);
    const a = await ws.createWorkspace(OPERATOR, { name: 'leaving' }, 'a');
    const b = await ws.createWorkspace(OPERATOR, { name: 'leaving' }, 'b');
    await ws.addParticipant(OPERATOR, { id: String(a.id) }, member.name, 'VIEW');
    await ws.addParticipant(OPERATOR, { id: String(b.id) }, member.name, 'VIEW');
    const orgs = async () => (await gql(server, member.token, '{ viewer { organizations { name role } } }')).body.data!.viewer.organizations;
    expect(await orgs()).toEqual([{ name: 'leaving', role: 'MEMBER' }]);
    await ws.removeParticipant(OPERATOR, { id: String(a.id) }, member.name);
    expect(await orgs()).toEqual([{ name: 'leaving', role: 'MEMBER' }]);
    await ws.removeParticipant(OPERATOR, { id: String(b.id) }, member.name);
    expect(await orgs()).toEqual([]);
    const audit = await server.db.auditEvent.findMany({ where: { action: 'member.remove', targetId: String(org.id) } });
    expect(audit).toHaveLength(1);
    // An OWNER of the organization stays one without taking part anywhere.
    await ws.removeParticipant(OPERATOR, { id: String(a.id) }, owner.name).catch(() => {});
    expect((await gql(server, owner.token, '{ viewer { organizations { name role } } }')).body.data!.viewer.organizations).toEqual([
      { name: 'leaving', role: 'OWNER' },
    ]);
  });

  it('names are unique whatever their case', async () => {
    const user = await server.newUser('casey');
    expect((await gql(server, user.token, CREATE, { name: 'acme' })).body.data!.createOrganization.__typename).toBe('MutationCreateOrganizationSuccess');
    for (const name of ['ACME', 'Acme', 'aCmE']) {
      expect((await gql(server, user.token, CREATE, { name })).body.data!.createOrganization.__typename, name).toBe('OrganizationNameTakenError');
    }
  });

  it('a user owns at most MAX_ORGANIZATIONS_PER_USER organizations (the operator is not limited)', async () => {
    const user = await server.newUser('collector');
    for (let i = 0; i < 3; i++)
      expect((await gql(server, user.token, CREATE, { name: `mine-${i}` })).body.data!.createOrganization.__typename).toBe('MutationCreateOrganizationSuccess');
    const fourth = await gql(server, user.token, CREATE, { name: 'mine-3' });
    expect(fourth.body.data!.createOrganization).toMatchObject({
      __typename: 'LimitReachedError',
      message: expect.stringMatching(/MAX_ORGANIZATIONS_PER_USER/),
    });
    await server.services.workspaces.createOrganization(OPERATOR, 'by-operator', user.name);
  });
});

describe('the limiter and typed errors', () => {
  it('counts failed authentications of IPv6 clients per /64', async () => {
    const server = await startServer({ TRUST_PROXY: '127.0.0.1', AUTH_FAILURES_PER_MINUTE: '5' });
    try {
      const attempt = (address: string) =>
        fetch(`${server.url}/api/credentials`, { headers: { authorization: 'Bearer cst_wrong', 'x-forwarded-for': address } }).then((r) => r.status);
      const statuses: number[] = [];
      for (let i = 1; i <= 8; i++) statuses.push(await attempt(`2001:db8:aa:bb::${i.toString(16)}`));
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
      // Another /64 is another client; so is an IPv4 one.
      expect(await attempt('2001:db8:aa:bc::1')).toBe(401);
      expect(await attempt('192.0.2.7')).toBe(401);
    } finally {
      await server.close();
    }
  });

  it('createOrganization answers a scope refusal with the typed ForbiddenError', async () => {
    const { server } = shared;
    const user = await server.newUser('reader');
    const { token } = await server.services.tokens.createToken(user.userId, 'ro', { actor: 'operator', door: 'cli' }, { scope: 'read' });
    const result = await gql(server, token, 'mutation { createOrganization(input: {name: "nope"}) { __typename ... on Error { message } } }');
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data!.createOrganization).toMatchObject({ __typename: 'ForbiddenError', message: expect.stringMatching(/scope \(read\)/) });
  });
});
