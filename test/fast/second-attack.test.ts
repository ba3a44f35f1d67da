/**
 * Regression tests of the second attack (issue 18), one `describe` per
 * finding, numbered as the findings are. (Finding 1, a dropped PostgreSQL
 * connection, is a system test: test/system/database-outage.test.ts.)
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreBusy, StoreFull, StoreReadOnly, StoreUnavailable } from '../../src/core/errors.js';
import { asStoreError, StoreHealth, storeFailureOf } from '../../src/db/failures.js';
import { onPostgres, postgresServer, sqlOn } from '../helpers/database.js';
import { rest } from '../helpers/rest.js';
import { gql, startServer, type TestServer } from '../helpers/server.js';

const github = (name: string, extra: Record<string, unknown> = {}) => ({
  credentials: { name, provider: 'github', keys: { username: 'u', token: `ghp_${name}` }, ...extra },
});

describe('finding 1 and 7: every form of a database failure is one of four kinds, each answered as retryable', () => {
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

describe.runIf(canMount)('finding 7: a full disk (SQLite on a full file system)', () => {
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

describe.runIf(onPostgres)('finding 7: a PostgreSQL database that refuses writes (read-only)', () => {
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
    let refused: Awaited<ReturnType<typeof rest>> | undefined;
    for (let i = 0; i < 20 && refused?.status !== 503; i++) {
      refused = await rest(server, token, 'POST', '/api/credentials', github(`ro-${i}`), { validate: false });
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
