/**
 * Backups an operator can trust, as processes against a running service: a
 * snapshot taken during a storm of writes (reads and writes keep being
 * answered), verified with the right keys and refused with a wrong one, and
 * restored into a fresh place where every credential acknowledged before the
 * backup is served and opens. SQLite: the CLI's `restore`; PostgreSQL: the
 * pg_dump file restored with pg_restore, as docs/operating.md says.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { OPERATOR } from '../../src/core/caller.js';
import { generateKey, writeKeyFile } from '../../src/platform/secrets/keyring.js';
import { dropDatabase, freshDatabaseUrl, onPostgres } from '../helpers/database.js';
import { storedSecrets } from '../helpers/fixtures.js';
import { cli } from '../helpers/process.js';
import { rest } from '../helpers/rest.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { TIMEOUT_SCALE } from '../helpers/time.js';

vi.setConfig({ testTimeout: 180_000 * TIMEOUT_SCALE });

const dir = mkdtempSync(join(tmpdir(), 'credentials-backup-'));
const servers: TestServer[] = [];
const databases: string[] = [];
afterAll(async () => {
  for (const server of servers) await server.close();
  for (const url of databases) await dropDatabase(url);
  rmSync(dir, { recursive: true, force: true });
});

const github = (name: string) => ({ credentials: { name, provider: 'github', keys: { username: 'octo', token: `ghp_${name}-secret` } } });

describe('backup, verify, restore', () => {
  it('snapshots a service under a write storm, verifies it with the right keys only, and restores every acknowledged credential', async () => {
    const server = await startServer();
    servers.push(server);
    const { token } = await server.newUser('backed-up');
    const env = { DATABASE_URL: server.config.databaseUrl, MASTER_KEY_FILE: server.config.masterKeyFile, LOG_LEVEL: 'warn' };
    // What was acknowledged before the backup started, with a version history on one of them.
    const acknowledged: string[] = [];
    for (let i = 0; i < 30; i++) {
      const created = await rest(server, token, 'POST', '/api/credentials', github(`before-${i}`));
      expect(created.status).toBe(200);
      acknowledged.push(created.body.credentialsId);
    }
    for (let n = 0; n < 3; n++) {
      await rest(server, token, 'PUT', `/api/credentials/${acknowledged[0]}`, {
        credentials: { name: 'before-0', provider: 'github', keys: { token: `ghp_v${n}` } },
      });
    }
    const deleted = acknowledged.pop()!;
    expect((await rest(server, token, 'DELETE', `/api/credentials/${deleted}`)).status).toBe(204);
    // Two pipeline secrets: their values are sealed too, and verified with the rest.
    for (const name of ['DB_PASSWORD', 'API_TOKEN']) {
      expect((await rest(server, token, 'POST', '/api/pipeline-secrets', { name, value: `pv-${name}` })).status).toBe(200);
    }

    // The storm: writes and reads keep going while the backup runs; each must be answered.
    let storming = true;
    const answered = { writes: 0, reads: 0, failed: [] as number[] };
    const storm = (async () => {
      for (let i = 0; storming; i++) {
        const [write, read] = await Promise.all([
          rest(server, token, 'POST', '/api/credentials', github(`storm-${i}`)),
          rest(server, token, 'GET', `/api/credentials/${acknowledged[i % acknowledged.length]}`),
        ]);
        if (write.status === 200) answered.writes++;
        else answered.failed.push(write.status);
        if (read.status === 200) answered.reads++;
        else answered.failed.push(read.status);
      }
    })();
    const file = join(dir, onPostgres ? 'snapshot.pgdump' : 'snapshot.db');
    const backup = await cli(env, ['backup', '--to', file]);
    storming = false;
    await storm;
    expect(backup.code, backup.err).toBe(0);
    expect(backup.out).toMatch(/^wrote .* \((SQLite snapshot|pg_dump, custom format), \d+ bytes\)/);
    expect(answered.failed).toEqual([]);
    expect(answered.writes).toBeGreaterThan(0);
    expect(answered.reads).toBeGreaterThan(0);
    expect(statSync(file).size).toBeGreaterThan(0);
    // Never the master key: the snapshot is not the key file, nor does it hold its bytes.
    const backupEvent = (await server.services.audit.latest({ limit: 50 })).find((e) => e.action === 'database.backup');
    expect(backupEvent).toMatchObject({ actor: 'operator', door: 'cli', targetType: 'database' });

    const verified = await cli(env, ['backup', 'verify', file, '--key-file', server.config.masterKeyFile, '--json']);
    expect(verified.code, verified.err).toBe(0);
    const report = JSON.parse(verified.out);
    expect(report.unreadableCount).toBe(0);
    expect(report.opened).toBe(report.sealed);
    // Live secrets of the 29 live and the deleted one, and at least their versions (1 each, 3 more of the first), and the
    // two pipeline secrets' values.
    expect(report.sealed).toBeGreaterThanOrEqual(2 * 30 + 3 + 2);
    expect(report.contents.deletedCredentials).toBe(1);
    expect(verified.out).not.toContain('ghp_');

    const wrongKeys = join(dir, 'wrong', 'keys.json');
    const key = generateKey();
    writeKeyFile(wrongKeys, { primary: key.id, keys: new Map([[key.id, key.key]]) }, { create: true });
    const refused = await cli(env, ['backup', 'verify', file, '--key-file', wrongKeys]);
    expect(refused.code).toBe(1);
    expect(refused.out).toContain(`${report.sealed} of ${report.sealed} sealed values do NOT open with these keys`);

    // Restore into a fresh place, then serve from it.
    let restoredUrl: string;
    if (onPostgres) {
      restoredUrl = await freshDatabaseUrl(join(dir, 'restored'));
      databases.push(restoredUrl);
      execFileSync('pg_restore', ['--no-owner', `--dbname=${restoredUrl}`, file]);
    } else {
      mkdirSync(join(dir, 'restored'));
      restoredUrl = `file:${join(dir, 'restored', 'credentials.db')}`;
      const restored = await cli({ ...env, DATABASE_URL: restoredUrl }, ['restore', file, '--key-file', server.config.masterKeyFile]);
      expect(restored.code, restored.err).toBe(0);
      expect(restored.out).toContain(`all ${report.sealed} sealed values open with these keys`);
      // A second restore over it is refused without --force.
      const again = await cli({ ...env, DATABASE_URL: restoredUrl }, ['restore', file]);
      expect(again.code).toBe(1);
      expect(again.err).toMatch(/exists: restore replaces it only with --force/);
    }
    const second = await startServer({ DATABASE_URL: restoredUrl, MASTER_KEY_FILE: server.config.masterKeyFile });
    servers.push(second);
    const listed = await rest(second, token, 'GET', '/api/credentials');
    expect(listed.status).toBe(200);
    const ids = new Set(listed.body.credentials.map((c: any) => c.id));
    for (const id of acknowledged) expect(ids.has(id), id).toBe(true);
    expect(ids.has(deleted)).toBe(false);
    expect((await rest(second, token, 'GET', '/api/pipeline-secrets')).body.pipelineSecrets.map((s: any) => s.name)).toEqual(['API_TOKEN', 'DB_PASSWORD']);
    expect(await storedSecrets(second, acknowledged[0]!)).toEqual({ token: 'ghp_v2' });
    expect(await storedSecrets(second, acknowledged[7]!)).toEqual({ token: 'ghp_before-7-secret' });
    expect((await rest(second, token, 'GET', `/api/credentials/${acknowledged[0]}/versions`)).body.versions.map((v: any) => v.number)).toEqual([4, 3, 2, 1]);
    // The deleted one can still be brought back (its recovery window came along).
    const undeleted = await cli({ ...env, DATABASE_URL: restoredUrl }, ['credentials', 'undelete', deleted]);
    expect(undeleted.code, undeleted.err).toBe(0);
    if (!onPostgres) {
      const events = await second.services.audit.latest({ limit: 5 });
      expect(events.map((e) => e.action)).toContain('database.restore');
    }
  });
});

describe('a backup is the service’s own', () => {
  it('is written 0600 whatever the umask, with a MAC beside it: one changed afterwards fails verify and is restored only with --unverified', async () => {
    const server = await startServer();
    servers.push(server);
    const { token, userId } = await server.newUser('tampered');
    expect((await rest(server, token, 'POST', '/api/credentials', github('kept'))).status).toBe(200);
    const viewer = await server.newUser('viewer');
    const org = await server.services.workspaces.createOrganization(OPERATOR, 'backed-org', (await server.newUser('founder')).name);
    const ws = await server.services.workspaces.createWorkspace(OPERATOR, { id: String(org.id) }, 'lab');
    await server.services.workspaces.addParticipant(OPERATOR, { id: String(ws.id) }, viewer.name, 'VIEW');
    const env = { DATABASE_URL: server.config.databaseUrl, MASTER_KEY_FILE: server.config.masterKeyFile, LOG_LEVEL: 'warn' };
    const file = join(dir, onPostgres ? 'private.pgdump' : 'private.db');
    const previous = process.umask(0);
    let backup: Awaited<ReturnType<typeof cli>>;
    try {
      backup = await cli(env, ['backup', '--to', file]);
    } finally {
      process.umask(previous);
    }
    expect(backup.code, backup.err).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(`${file}.mac`).mode & 0o777).toBe(0o600);
    expect((await cli(env, ['backup', 'verify', file])).out).toContain('MAC ok');

    // Changed afterwards: on SQLite, what an attacker with the file would do (a planted token hash, a raised role);
    // a pg_dump file, one byte.
    const changed = join(dir, onPostgres ? 'changed.pgdump' : 'changed.db');
    copyFileSync(file, changed);
    copyFileSync(`${file}.mac`, `${changed}.mac`);
    if (onPostgres) {
      const bytes = readFileSync(changed);
      bytes[Math.floor(bytes.length / 2)]! ^= 1;
      writeFileSync(changed, bytes);
    } else {
      const db = new Sqlite(changed);
      db.prepare('UPDATE "AccessToken" SET "tokenHash" = ? WHERE "userId" = ?').run('0'.repeat(64), userId);
      expect(db.prepare('UPDATE "WorkspaceParticipant" SET "role" = \'OWNER\' WHERE "userId" = ?').run(viewer.userId).changes).toBe(1);
      db.close();
    }
    const verify = await cli(env, ['backup', 'verify', changed]);
    expect(verify.code).toBe(1);
    expect(verify.out).toContain('MAC FAILED: its content is not what the service wrote (the MAC does not match)');
    // Without its MAC: unverified too.
    rmSync(`${changed}.mac`);
    const unmarked = await cli(env, ['backup', 'verify', changed, '--json']);
    expect(unmarked.code).toBe(1);
    expect(JSON.parse(unmarked.out)).toMatchObject({ mac: 'missing', macProblem: expect.stringMatching(/no MAC beside it/) });
    if (!onPostgres) {
      const target = `file:${join(dir, 'restored-changed', 'credentials.db')}`;
      mkdirSync(join(dir, 'restored-changed'));
      const refused = await cli({ ...env, DATABASE_URL: target }, ['restore', changed]);
      expect(refused.code).toBe(1);
      expect(refused.err).toMatch(/no MAC beside it .*nothing was changed \(restore it anyway with --unverified\)/);
      expect(existsSync(join(dir, 'restored-changed', 'credentials.db'))).toBe(false);
      const forced = await cli({ ...env, DATABASE_URL: target }, ['restore', changed, '--unverified']);
      expect(forced.code, forced.err).toBe(0);
      expect(statSync(join(dir, 'restored-changed', 'credentials.db')).mode & 0o777).toBe(0o600);
      const restored = await startServer({ DATABASE_URL: target, MASTER_KEY_FILE: server.config.masterKeyFile });
      servers.push(restored);
      const event = (await restored.services.audit.latest({ limit: 5 })).find((e) => e.action === 'database.restore');
      expect(event?.detail).toMatch(/UNVERIFIED: no MAC beside it/);
    }
  });
});
