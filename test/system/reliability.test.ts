/** Reliability under load and faults: write storm, lock contention, crashes. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyRingFromFile } from '../../src/platform/secrets/keyring.js';
import { dropDatabase, freshDatabaseUrl, holdWriteLock, onPostgres, sqlOn } from '../helpers/database.js';
import { openStoredSecret } from '../helpers/fixtures.js';
import { root, startMain } from '../helpers/process.js';
import { rest } from '../helpers/rest.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { eventually, latencyLimit, scaled } from '../helpers/time.js';

const body = (name: string, token: string) => ({ credentials: { name, provider: 'github', keys: { username: 'u', token } } });

describe('write storm', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  it('50 concurrent clients creating 1,000 credentials: stored rows equal successes, no duplicates, no lost writes, still responsive', async () => {
    const { token, userId } = await server.newUser('storm');
    const acknowledged: string[] = [];
    let failures = 0;
    let next = 0;
    const healthLatencies: number[] = [];
    let storming = true;
    const probe = (async () => {
      while (storming) {
        const start = performance.now();
        expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
        healthLatencies.push(performance.now() - start);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (next < 1000) {
          const i = next++;
          const result = await rest(server, token, 'POST', '/api/credentials', body(`storm-${i}`, `storm-secret-${i}`), { validate: false });
          if (result.status === 200) acknowledged.push(result.body.credentialsId);
          else failures++;
        }
      }),
    );
    storming = false;
    await probe;
    expect(failures).toBe(0);
    expect(acknowledged).toHaveLength(1000);
    expect(new Set(acknowledged).size).toBe(1000);
    const rows = await server.db.credential.findMany({ where: { userId }, select: { id: true, name: true } });
    expect(rows).toHaveLength(1000);
    expect(new Set(rows.map((r) => r.name)).size).toBe(1000);
    expect(new Set(rows.map((r) => r.id))).toEqual(new Set(acknowledged));
    healthLatencies.sort((a, b) => a - b);
    expect(healthLatencies.length).toBeGreaterThan(3);
    expect(healthLatencies[Math.floor(healthLatencies.length * 0.9)]!).toBeLessThan(latencyLimit(1000));
  });
});

describe('lock contention', () => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = await startServer();
    ({ token } = await server.newUser('locks'));
  });
  afterAll(() => server.close());

  it('a write waits for a lock held for 1 s, then succeeds', async () => {
    const { released } = await holdWriteLock(server.config.databaseUrl, 1000, root);
    const start = performance.now();
    const result = await rest(server, token, 'POST', '/api/credentials', body('waited', 'w'));
    expect(result.status).toBe(200);
    expect(performance.now() - start).toBeGreaterThan(500);
    await released;
    expect((await rest(server, token, 'GET', `/api/credentials/${result.body.credentialsId}`)).status).toBe(200);
  });

  it('a lock held past the busy timeout fails writes cleanly with 503, and writes succeed once it is gone; no write is lost', async () => {
    const before = await server.db.credential.count();
    const { released } = await holdWriteLock(server.config.databaseUrl, 7000, root);
    const refused = await rest(server, token, 'POST', '/api/credentials', body('refused', 'r'));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.body.message).toMatch(/database is busy/);
    await released;
    const after = await rest(server, token, 'POST', '/api/credentials', body('after-lock', 'a'));
    expect(after.status).toBe(200);
    // The connection is not stuck: later acknowledged writes are all there, and stay there.
    const more = [];
    for (let i = 0; i < 5; i++) more.push((await rest(server, token, 'POST', '/api/credentials', body(`later-${i}`, 'l'))).body.credentialsId);
    const ids = new Set((await sqlOn<{ id: string }>(server.config.databaseUrl, 'SELECT "id" FROM "Credential"')).map((r) => r.id));
    for (const id of [after.body.credentialsId, ...more]) expect(ids.has(id)).toBe(true);
    expect(ids.size).toBe(before + 6);
  }, 30_000);
});

describe('crash', () => {
  it(
    'after SIGKILL at random moments during writes, the database is intact and every acknowledged credential is there with a secret that opens',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'credentials-crash-'));
      const databaseUrl = await freshDatabaseUrl(dir, 'db.sqlite');
      const keyFile = join(dir, 'master-keys.json');
      const acknowledged = new Map<string, string>();
      let token: string | undefined;
      try {
        for (let round = 0; round < 3; round++) {
          const server = await startMain({ DATABASE_URL: databaseUrl, MASTER_KEY_FILE: keyFile });
          token ??= /(cst_[0-9A-Za-z]{43})/.exec(server.output())![1]!;
          let writing = true;
          let acknowledgedThisRound = 0;
          const writers = Array.from({ length: 8 }, async (_, w) => {
            for (let i = 0; writing; i++) {
              const name = `crash-${round}-${w}-${i}`;
              const secret = `secret-${name}`;
              try {
                const r = await rest(server, token, 'POST', '/api/credentials', body(name, secret), { validate: false });
                if (r.status === 200) {
                  acknowledged.set(r.body.credentialsId, secret);
                  acknowledgedThisRound++;
                }
              } catch {
                return; // the server is gone
              }
            }
          });
          // Killed while writes are in flight, at a random moment after some have been acknowledged (a loaded machine
          // acknowledges few per second, so the moment follows the writes, not the wall clock).
          await eventually('writes acknowledged before the kill', () => acknowledgedThisRound >= 8, 30_000);
          await new Promise((r) => setTimeout(r, Math.random() * 500));
          server.child.kill('SIGKILL');
          writing = false;
          await Promise.all(writers);
          await server.exited;
        }
        expect(acknowledged.size).toBeGreaterThan(20);
        if (!onPostgres) {
          const db = new Sqlite(databaseUrl.slice('file:'.length), { readonly: true });
          expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
          db.close();
        }
        const ring = keyRingFromFile(keyFile);
        const rows = await sqlOn<{ id: string; userId: string; provider: string; secret: string }>(
          databaseUrl,
          'SELECT "id", "userId", "provider", "secret" FROM "Credential"',
        );
        const stored = new Map(rows.map((r) => [r.id, r]));
        for (const [id, secret] of acknowledged) {
          const row = stored.get(id);
          expect(row, `acknowledged ${id} is stored`).toBeDefined();
          expect(openStoredSecret(ring, row!)).toEqual({ token: secret });
        }
      } finally {
        await dropDatabase(databaseUrl);
        rmSync(dir, { recursive: true, force: true });
      }
    },
    scaled(120_000),
  );
});
