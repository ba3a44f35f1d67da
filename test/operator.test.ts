/** `npm start` on a new database, and the operator command line, as processes. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropDatabase, freshDatabaseUrl, onPostgres } from './helpers/database.js';
import { root, startMain } from './helpers/process.js';
import { gql } from './helpers/server.js';

const dir = mkdtempSync(join(tmpdir(), 'credentials-operator-'));
// A new SQLite file in a directory that does not exist yet, or a new PostgreSQL database (its key file in that directory).
let env: Record<string, string>;
beforeAll(async () => {
  const databaseUrl = onPostgres ? await freshDatabaseUrl(dir) : `file:${join(dir, 'nested', 'credentials.db')}`;
  env = { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'info', ...(onPostgres ? { MASTER_KEY_FILE: join(dir, 'nested', 'master-keys.json') } : {}) } as Record<string, string>;
});
afterAll(async () => {
  await dropDatabase(env.DATABASE_URL!);
  rmSync(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, env, encoding: 'utf8' });
  return { code: result.status, out: result.stdout, err: result.stderr };
};

describe('npm start', () => {
  it('creates the database directory, migrates, creates a first user and prints its token once', async () => {
    const first = await startMain(env);
    const port = new URL(first.url).port;
    const token = /\b(cst_[0-9A-Za-z]{43})\b/.exec(first.output())?.[1];
    expect(token).toBeDefined();
    expect(first.output()).toContain(`curl -s http://localhost:${port}/graphql -H 'Authorization: Bearer ${token}'`);
    expect(first.output()).toMatch(/GraphQL at http:\/\/localhost:\d+\/graphql/);
    // The master key file was created beside the database, readable by its owner only.
    expect(statSync(join(dir, 'nested', 'master-keys.json')).mode & 0o777).toBe(0o600);
    const viewer = await gql(first, token, '{ viewer { name } }');
    expect(viewer.body.data).toEqual({ viewer: { name: 'admin' } });
    expect(await first.stop()).toBe(0);

    const second = await startMain(env);
    expect(second.output()).not.toMatch(/cst_/);
    expect(await second.stop()).toBe(0);
  });
});

describe('operator command line', () => {
  it('creates users and tokens, lists tokens without their values, and revokes them', async () => {
    expect(cli('users', 'create', 'dana').code).toBe(0);
    expect(cli('users', 'create', 'dana').err).toMatch(/already exists/);
    const created = cli('tokens', 'create', 'dana', '--name', 'laptop');
    expect(created.code).toBe(0);
    const token = /(cst_[0-9A-Za-z]{43})/.exec(created.out)![1]!;
    const tokenId = /created token ([0-9A-Za-z]{22})/.exec(created.out)![1]!;

    const listed = cli('tokens', 'list', 'dana');
    expect(listed.out).toContain(tokenId);
    expect(listed.out).toContain('laptop');
    expect(listed.out).toContain('active');
    expect(listed.out).not.toContain(token);

    const server = await startMain(env);
    try {
      const url = server;
      expect((await gql(url, token, '{ viewer { name } }')).body.data).toEqual({ viewer: { name: 'dana' } });
      expect(cli('tokens', 'revoke', tokenId).code).toBe(0);
      expect((await gql(url, token, '{ viewer { name } }')).status).toBe(401);
    } finally {
      await server.stop();
    }
    expect(cli('tokens', 'list', 'dana').out).toMatch(/revoked/);
    expect(cli('tokens', 'revoke', tokenId).code).toBe(1);
    expect(cli('tokens', 'create', 'nobody').err).toMatch(/no user 'nobody'/);
    expect(cli('bogus').code).toBe(2);
  });
});
