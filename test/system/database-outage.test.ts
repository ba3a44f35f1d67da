/**
 * The database goes away under load and comes back: an operator terminates the
 * service's backends, the server restarts, the server is down for a while. The
 * service stays up, answers 503 with Retry-After while the database cannot be
 * reached (and only then), reports not-ready meanwhile, is ready again by
 * itself, and loses no acknowledged write. PostgreSQL only (a server of the
 * test's own, so that restarting it disturbs no other test).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onPostgres } from '../helpers/database.js';
import { type PostgresCluster, startPostgresCluster } from '../helpers/postgres-cluster.js';
import { type RunningMain, startMain } from '../helpers/process.js';
import { eventually } from '../helpers/time.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Answer {
  at: number;
  status: number;
  retryAfter: string | null;
}

describe.runIf(onPostgres)('losing the PostgreSQL server under load', () => {
  let cluster: PostgresCluster;
  let main: RunningMain;
  let dir: string;
  let token: string;

  beforeAll(async () => {
    cluster = await startPostgresCluster();
    dir = mkdtempSync(join(tmpdir(), 'credentials-outage-'));
    main = await startMain({ DATABASE_URL: cluster.url, MASTER_KEY_FILE: join(dir, 'keys.json'), AUTH_FAILURES_PER_MINUTE: '100000' });
    token = /\b(cst_[A-Za-z0-9]+)/.exec(main.output())![1]!;
  }, 120_000);

  afterAll(async () => {
    await main?.stop();
    await cluster?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stays up, answers 503 only while the database is gone, is ready again by itself, and keeps every acknowledged write', async () => {
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const acknowledged: string[] = [];
    const answers: Answer[] = [];
    const readiness: Answer[] = [];
    let n = 0;
    let loading = true;
    const writer = async () => {
      while (loading) {
        const name = `outage-${n++}`;
        try {
          const response = await fetch(`${main.url}/api/credentials`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ credentials: { name, provider: 'github', keys: { username: 'u', token: `secret-${name}` } } }),
          });
          const body = (await response.json()) as { credentialsId?: string };
          answers.push({ at: Date.now(), status: response.status, retryAfter: response.headers.get('retry-after') });
          if (response.status === 200) acknowledged.push(body.credentialsId!);
        } catch (error) {
          answers.push({ at: Date.now(), status: 0, retryAfter: String(error) });
          await sleep(50);
        }
      }
    };
    const reader = async () => {
      while (loading) {
        const response = await fetch(`${main.url}/api/credentials`, { headers }).catch(() => undefined);
        await response?.arrayBuffer();
        answers.push({ at: Date.now(), status: response?.status ?? 0, retryAfter: response?.headers.get('retry-after') ?? null });
      }
    };
    const watcher = async () => {
      while (loading) {
        const response = await fetch(`${main.url}/readyz`).catch(() => undefined);
        await response?.arrayBuffer();
        readiness.push({ at: Date.now(), status: response?.status ?? 0, retryAfter: null });
        await sleep(100);
      }
    };
    const load = Promise.all([writer(), writer(), writer(), writer(), reader(), reader(), watcher()]);

    await sleep(1500);
    // An operator ends every backend of the service (idle pool connections among them).
    expect(await cluster.terminateBackends()).toBeGreaterThan(0);
    await sleep(1500);
    // A restart, then an outage long enough for readiness to see it.
    await cluster.restart();
    await sleep(1500);
    const downAt = Date.now();
    await cluster.stop();
    await sleep(3000);
    await cluster.start();
    const upAt = Date.now();
    // Ready again, by itself.
    await eventually('ready again', () => readiness.some((r) => r.at > upAt && r.status === 200), 30_000);
    const readyAt = readiness.find((r) => r.at > upAt && r.status === 200)!.at;
    // The load runs on until enough answers came well after it (a count, not a fixed time: a slow machine waits longer).
    await eventually('20 answers a second after ready', () => answers.filter((a) => a.at > readyAt + 1000).length >= 20, 30_000);
    loading = false;
    await load;

    // The process never went down: every request got an HTTP answer, each a success or a retryable 503.
    expect(answers.filter((a) => a.status === 0)).toEqual([]);
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([200, 503]));
    for (const a of answers.filter((x) => x.status === 503)) expect(Number(a.retryAfter)).toBeGreaterThan(0);
    // Not ready during the outage; every answer well after it was a success.
    expect(readiness.some((r) => r.at > downAt + 500 && r.at < upAt && r.status === 503)).toBe(true);
    expect(answers.filter((a) => a.at > readyAt + 1000).every((a) => a.status === 200)).toBe(true);
    expect(answers.filter((a) => a.at > readyAt + 1000).length).toBeGreaterThan(10);

    // Every acknowledged create is there.
    expect(acknowledged.length).toBeGreaterThan(20);
    for (const id of acknowledged) {
      const response = await fetch(`${main.url}/api/credentials/${id}`, { headers });
      expect(response.status, id).toBe(200);
    }

    // One log line per outage, no pg client dumped (user, database, SQL), no crash.
    const out = main.output();
    expect(out).not.toMatch(/Unhandled 'error' event|_connectionCallback|"connectionParameters"|\n\s+at /);
    const lost = out.split('\n').filter((line) => line.includes('the database cannot be reached'));
    expect(lost.length).toBeGreaterThanOrEqual(1);
    expect(lost.length).toBeLessThanOrEqual(6);
    expect(out).toContain('the database is reachable again');
    expect(main.child.exitCode).toBeNull();
  }, 180_000);
});
