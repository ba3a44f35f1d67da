/** Graceful shutdown of a real process: SIGTERM while requests are in flight, and while subscribers listen. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dropDatabase, freshDatabaseUrl, sqlOn } from '../helpers/database.js';
import { slowSubscriber } from '../helpers/events.js';
import { startMain } from '../helpers/process.js';
import { rest } from '../helpers/rest.js';
import { eventually } from '../helpers/time.js';

describe('graceful shutdown', () => {
  it('on SIGTERM finishes every request in flight, closes the database and exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'credentials-shutdown-'));
    const databaseUrl = await freshDatabaseUrl(dir, 'db.sqlite');
    const server = await startMain({ DATABASE_URL: databaseUrl, MASTER_KEY_FILE: `${dir}/master-keys.json`, SHUTDOWN_GRACE_MS: '10000' });
    const firstToken = /(cst_[0-9A-Za-z]{43})/.exec(server.output())![1]!;
    const url = server;
    const requests = Array.from({ length: 60 }, (_, i) =>
      rest(
        url,
        firstToken,
        'POST',
        '/api/credentials',
        { credentials: { name: `inflight-${i}`, provider: 'github', keys: { token: `t${i}` } } },
        { validate: false },
      )
        .then((r) => r.status)
        .catch(() => 'refused' as const),
    );
    // Stop as soon as the first one is answered: the others are then in flight (however slow this machine is).
    await Promise.race(requests);
    const stopped = server.stop();
    const statuses = await Promise.all(requests);
    expect(await stopped).toBe(0);
    // Requests the server took finished normally; later ones were refused at connect, none cut or failed.
    for (const status of statuses) expect([200, 'refused', 503]).toContain(status);
    const completed = statuses.filter((s) => s === 200).length;
    expect(completed).toBeGreaterThan(0);
    expect(server.output()).toMatch(/"msg":"stopped"/);
    const { count } = (await sqlOn<{ count: number | string }>(databaseUrl, 'SELECT count(*) AS count FROM "Credential"'))[0]!;
    expect(Number(count)).toBe(completed);
    await dropDatabase(databaseUrl);
    rmSync(dir, { recursive: true, force: true });
  });

  it('on SIGTERM ends every live subscription with a clean complete and exits at once, not at the end of the grace period', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'credentials-shutdown-live-'));
    const databaseUrl = await freshDatabaseUrl(dir, 'db.sqlite');
    // A grace period and a keep-alive timeout far longer than this test may take: an exit within them is one that
    // waited for neither (the ended streams' connections closed as they turned idle).
    const server = await startMain({
      DATABASE_URL: databaseUrl,
      MASTER_KEY_FILE: `${dir}/master-keys.json`,
      SHUTDOWN_GRACE_MS: '600000',
      KEEP_ALIVE_TIMEOUT_MS: '600000',
    });
    const token = /(cst_[0-9A-Za-z]{43})/.exec(server.output())![1]!;
    // Subscribers on connections of their own that they never close (as a browser's tab, not fetch's idle timeout).
    const streams = await Promise.all([0, 1, 2].map(() => slowSubscriber(server.url, token, 'subscription { credentialEvents { id } }')));
    const open = async () => Number(/^graphql_subscriptions (\d+)/m.exec(await (await fetch(`${server.url}/metrics`)).text())?.[1]);
    await eventually('three streams open', async () => (await open()) === 3);
    expect(await server.stop()).toBe(0);
    for (const text of await Promise.all(streams.map((stream) => stream.readAll()))) expect(text).toMatch(/event: complete\ndata:\s*$/);
    await dropDatabase(databaseUrl);
    rmSync(dir, { recursive: true, force: true });
  });
});
