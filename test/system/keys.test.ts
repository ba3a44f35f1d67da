/** Master keys as an operator handles them, through the command line and real processes: rotation under load, production start. */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { versionSealingContext } from '../../src/features/credentials/rules/sealing.js';
import { keyRingFromFile } from '../../src/platform/secrets/keyring.js';
import { dropDatabase, freshDatabaseUrl } from '../helpers/database.js';
import { storedSecrets } from '../helpers/fixtures.js';
import { cli, startMainExpectingExit } from '../helpers/process.js';
import { rest } from '../helpers/rest.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { eventually, TIMEOUT_SCALE } from '../helpers/time.js';

// Each command is a process (about 1.5 s from source on a loaded 2-core machine), and rotation runs five of them.
vi.setConfig({ testTimeout: 120_000 * TIMEOUT_SCALE });

describe('key rotation while the service serves', () => {
  let server: TestServer;
  let env: Record<string, string>;
  let user: { token: string; userId: string };
  const expected = new Map<string, string>();

  beforeAll(async () => {
    server = await startServer();
    user = await server.newUser('rotation');
    env = { DATABASE_URL: server.config.databaseUrl, MASTER_KEY_FILE: server.config.masterKeyFile };
    for (let i = 0; i < 60; i++) {
      const token = `rot-secret-${i}`;
      const r = await rest(server, user.token, 'POST', '/api/credentials', { credentials: { name: `rot-${i}`, provider: 'gitlab', keys: { token } } });
      expected.set(r.body.credentialsId, token);
    }
  });
  afterAll(() => server.close());

  it('adds a primary key, re-seals in batches (interrupted and resumed) under load, then removes the old key', async () => {
    const oldKey = keyRingFromFile(server.config.masterKeyFile).primaryId;
    const added = await cli(env, ['keys', 'add']);
    expect(added.code, added.err).toBe(0);
    const newKey = keyRingFromFile(server.config.masterKeyFile).primaryId;
    expect(newKey).not.toBe(oldKey);

    // The running server picks the new primary key up without a restart (it looks at the key file again after a second).
    await eventually('the server picks the new primary key up', () => server.services.keys.ring.primaryId === newKey);
    const fresh = await rest(server, user.token, 'POST', '/api/credentials', {
      credentials: { name: 'after-add', provider: 'gitlab', keys: { token: 'fresh-secret' } },
    });
    expected.set(fresh.body.credentialsId, 'fresh-secret');
    expect((await server.db.credential.findUniqueOrThrow({ where: { id: fresh.body.credentialsId } })).secret!.startsWith(`v1:${newKey}:`)).toBe(true);

    // The old key cannot be removed while secrets use it.
    const early = await cli(env, ['keys', 'remove', oldKey]);
    expect(early.code).toBe(1);
    expect(early.err).toMatch(/still seals 121 secrets/); // 60 live secrets, their first versions, and the key check

    // A first run stops after 20 (as an operator would with --limit).
    const partial = await cli(env, ['keys', 'rotate', '--batch', '5', '--limit', '20']);
    expect(partial.code, partial.err).toBe(0);
    expect(partial.out).toContain('done: re-sealed 20; 101 still sealed by older keys');
    expect(partial.out).toMatch(/re-sealed 5; 116 still sealed by older keys/); // plain progress lines off a terminal

    // A second run is interrupted (SIGINT) after its first batch, while clients keep updating credentials.
    const ids = [...expected.keys()];
    let updates = 0;
    const load = (async () => {
      for (let i = 0; i < 30; i++) {
        const id = ids[i]!;
        const token = `updated-${i}`;
        const r = await rest(server, user.token, 'PUT', `/api/credentials/${id}`, { credentials: { name: `rot-${i}`, provider: 'gitlab', keys: { token } } });
        expect(r.status).toBe(204);
        expected.set(id, token);
        updates++;
      }
    })();
    let signalled = false;
    const interrupted = await cli(env, ['keys', 'rotate', '--batch', '2', '--pause', '150'], (chunk, child) => {
      if (!signalled && chunk.includes('re-sealed ')) {
        signalled = true;
        child.kill('SIGINT');
      }
    });
    await load;
    expect(updates).toBe(30);
    expect(interrupted.code).toBe(130);
    const left = Number(/(\d+) still sealed by older keys\. Run the command again to resume/.exec(interrupted.out)?.[1]);
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThan(100);

    // A run killed outright (kill -9) mid-way loses nothing: each re-seal is its own conditional write.
    let killed = false;
    const dead = await cli(env, ['keys', 'rotate', '--batch', '3', '--pause', '200'], (chunk, child) => {
      if (!killed && chunk.includes('re-sealed ')) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    expect(dead.code).toBeNull();
    for (const [id, token] of expected) expect(await storedSecrets(server, id)).toEqual({ token });

    // Resumed: nothing left under the old key.
    const resumed = await cli(env, ['keys', 'rotate']);
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.out).toContain('; 0 still sealed by older keys.');
    const listed = await cli(env, ['keys', 'list']);
    // 61 live secrets, their first versions, the 30 versions the updates made, and the key check.
    expect(listed.out).toMatch(new RegExp(`${newKey}\\s+primary\\s+seals 153 secrets`));
    expect(listed.out).toMatch(new RegExp(`${oldKey}\\s+seals 0 secrets`));

    const removed = await cli(env, ['keys', 'remove', oldKey]);
    expect(removed.code, removed.err).toBe(0);
    expect(keyRingFromFile(server.config.masterKeyFile).keyIds).toEqual([newKey]);

    // Every secret opens with the new key alone, with its latest value; so does every version, with its own.
    for (const [id, token] of expected) expect(await storedSecrets(server, id)).toEqual({ token });
    const ring = keyRingFromFile(server.config.masterKeyFile);
    const versions = await server.db.credentialVersion.findMany({ include: { credential: true } });
    expect(versions).toHaveLength(91);
    for (const v of versions) {
      const owner = { kind: 'user' as const, id: v.credential.userId! };
      const opened = JSON.parse(ring.open(v.secret!, versionSealingContext({ id: v.credentialId, owner, provider: 'gitlab' }, v.number)));
      const index = Number(v.credential.name.replace('rot-', ''));
      expect(opened).toEqual({ token: v.number === 1 ? (v.credential.name === 'after-add' ? 'fresh-secret' : `rot-secret-${index}`) : `updated-${index}` });
    }
    const events = await server.db.auditEvent.count({ where: { action: 'credential.reseal', actor: 'operator', door: 'cli' } });
    expect(events).toBeGreaterThanOrEqual(30);
  });
});

describe('master key configuration', () => {
  it('in production mode, refuses to start without a key, or with an invalid one, with a clear message', async () => {
    const dir = (await import('node:fs')).mkdtempSync(`${(await import('node:os')).tmpdir()}/credentials-prod-`);
    // (The key file apart from the database, as production requires.)
    const base = { NODE_ENV: 'production', DATABASE_URL: await freshDatabaseUrl(dir, 'db.sqlite'), MASTER_KEY_FILE: `${dir}/keys/master-keys.json`, PORT: '0' };
    const missing = await startMainExpectingExit(base);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/Cannot start: No master key: NODE_ENV=production needs MASTER_KEYS=.* or MASTER_KEY_FILE=/);
    expect(existsSync(`${dir}/keys/master-keys.json`)).toBe(false);
    const short = await startMainExpectingExit({ ...base, MASTER_KEYS: `k1:${Buffer.alloc(16).toString('base64')}` });
    expect(short.code).toBe(1);
    expect(short.err).toMatch(/Invalid master key configuration: Master key 'k1' must be 32 bytes/);
    await dropDatabase(base.DATABASE_URL);
  });
});
