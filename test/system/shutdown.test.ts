/** Graceful shutdown of a real process: SIGTERM while requests are in flight. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dropDatabase, freshDatabaseUrl, sqlOn } from '../helpers/database.js';
import { startMain } from '../helpers/process.js';
import { rest } from '../helpers/rest.js';

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
});
