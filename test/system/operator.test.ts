/** `npm start` on a new database, and the operator command line, as processes. */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dropDatabase, freshDatabaseUrl, onPostgres } from '../helpers/database.js';
import { cli as runCli, startMain, startMainExpectingExit } from '../helpers/process.js';
import { gql } from '../helpers/server.js';

// Each command is a process (about 1.5 s from source on a loaded 2-core machine): these tests run many.
vi.setConfig({ testTimeout: 120_000 });

const dir = mkdtempSync(join(tmpdir(), 'credentials-operator-'));
// A new SQLite file in a directory that does not exist yet, or a new PostgreSQL database (its key file in that directory).
let env: Record<string, string>;
beforeAll(async () => {
  const databaseUrl = onPostgres ? await freshDatabaseUrl(dir) : `file:${join(dir, 'nested', 'credentials.db')}`;
  env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'info',
    ...(onPostgres ? { MASTER_KEY_FILE: join(dir, 'nested', 'master-keys.json') } : {}),
  } as Record<string, string>;
});
afterAll(async () => {
  await dropDatabase(env.DATABASE_URL!);
  rmSync(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli(env, args);

describe('npm start', () => {
  it('creates the database directory, migrates, creates a first user and prints its token once', async () => {
    const first = await startMain(env);
    const port = new URL(first.url).port;
    const token = /\b(cst_[0-9A-Za-z]{43})\b/.exec(first.output())?.[1];
    expect(token).toBeDefined();
    expect(first.output()).toContain(`curl -s http://localhost:${port}/graphql -H 'Authorization: Bearer ${token}'`);
    expect(first.output()).toMatch(/GraphQL at http:\/\/localhost:\d+\/graphql/);
    // Printed once, for the person starting the service, never into the JSON log stream (stdout).
    expect(first.output().split(token!).length - 1).toBe(2); // the token line and the curl example
    expect(first.stdout()).not.toContain(token);
    expect(first.stdout()).toMatch(/"msg":"first run: created the user admin/);
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
    expect((await cli('users', 'create', 'dana')).code).toBe(0);
    const created = await cli('tokens', 'create', 'dana', '--name', 'laptop');
    expect(created.code).toBe(0);
    const token = /(cst_[0-9A-Za-z]{43})/.exec(created.out)![1]!;
    const tokenId = /created token ([0-9A-Za-z]{22})/.exec(created.out)![1]!;

    const listed = await cli('tokens', 'list', 'dana');
    expect(listed.out).toContain(tokenId);
    expect(listed.out).toContain('laptop');
    expect(listed.out).toContain('active');
    expect(listed.out).not.toContain(token);

    const server = await startMain(env);
    try {
      const url = server;
      expect((await gql(url, token, '{ viewer { name } }')).body.data).toEqual({ viewer: { name: 'dana' } });
      expect((await cli('tokens', 'revoke', tokenId)).code).toBe(0);
      expect((await gql(url, token, '{ viewer { name } }')).status).toBe(401);
    } finally {
      await server.stop();
    }
    expect((await cli('tokens', 'list', 'dana')).out).toMatch(/revoked/);
    expect((await cli('tokens', 'revoke', tokenId)).code).toBe(1);
    expect((await cli('bogus')).code).toBe(2);

    // The audit trail of the user, newest first: who did what, through which door.
    const audit = await cli('audit', '--user', 'dana');
    expect(audit.code, audit.err).toBe(0);
    const lines = audit.out.trim().split('\n');
    expect(lines).toHaveLength(3);
    // Names where there are names: the owner is dana, not her id.
    expect(lines[0]).toMatch(new RegExp(`token\\.revoke\\s+token ${tokenId}\\s+owner dana\\s+by operator via cli`));
    expect(lines[1]).toMatch(new RegExp(`token\\.create\\s+token ${tokenId}`));
    expect(lines[2]).toMatch(/user\.create\s+user /);
    // (Refusals, expiry and scope, organizations, pipeline secrets and pairings: test/fast/operator-cli.test.ts.)
  });
});

describe('pipeline secrets from the command line', () => {
  it('reads the value from a pipe on standard input and never prints it; without a context it is a usage error (exit 2)', async () => {
    // (What each command prints and refuses: test/fast/operator-cli.test.ts, in process.)
    const withInput = (input: string, ...args: string[]) => runCli(env, args, undefined, input);
    expect((await cli('users', 'create', 'quinn')).code).toBe(0);
    const added = await withInput('op-s3cret-value\n', 'secrets', 'add', 'DB_PASSWORD', '--user', 'quinn');
    expect(added.code, added.err).toBe(0);
    expect(added.out).toMatch(/^added pipeline secret DB_PASSWORD: id \d+$/m);
    expect(await withInput('x', 'secrets', 'add', 'NO_CONTEXT')).toMatchObject({ code: 2, err: expect.stringMatching(/--user <name> or --workspace/) });
    const listed = await cli('secrets', 'list', '--user', 'quinn', '--json');
    expect(JSON.parse(listed.out)).toMatchObject([{ name: 'DB_PASSWORD' }]);
    expect(added.out + added.err + listed.out + listed.err).not.toContain('op-s3cret-value');
  });
});

describe('the OIDC issuer from the command line', () => {
  it('oidc rotate makes a new signing key, oidc keys lists it as signing and the one before as published; without PUBLIC_URL it says what to set', async () => {
    const refused = await cli('oidc', 'rotate');
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/not an OIDC issuer: set PUBLIC_URL/);
    const issuer = (...args: string[]) => runCli({ ...env, PUBLIC_URL: 'https://credentials.example.test' }, args);
    const first = /new signing key (\w+)/.exec((await issuer('oidc', 'rotate')).out)?.[1];
    const second = /new signing key (\w+)/.exec((await issuer('oidc', 'rotate')).out)?.[1];
    expect(first).toBeDefined();
    expect(second).not.toBe(first);
    const listed = await issuer('oidc', 'keys', '--json');
    expect(listed.code).toBe(0);
    const keys = JSON.parse(listed.out) as { id: string; retiredAt: string | null }[];
    expect(keys.map((k) => [k.id, k.retiredAt === null])).toEqual([
      [second, true],
      [first, false],
    ]);
    // Never a private key on the screen.
    expect(listed.out).not.toMatch(/PRIVATE|"secret"/);
  });
});

describe('migrations as a release step', () => {
  it('db status lists what a new database lacks, a server with MIGRATE_ON_START=false refuses it, db migrate applies it', async () => {
    const releaseDir = mkdtempSync(join(tmpdir(), 'credentials-release-'));
    const databaseUrl = await freshDatabaseUrl(releaseDir);
    const release = { ...env, DATABASE_URL: databaseUrl, MIGRATE_ON_START: 'false', MASTER_KEY_FILE: join(releaseDir, 'keys', 'master-keys.json') };
    try {
      const before = await runCli(release, ['db', 'status', '--json']);
      expect(before.code, before.err).toBe(1);
      const pending = (JSON.parse(before.out) as { pending: string[] }).pending;
      expect(pending.length).toBeGreaterThan(0);

      const refused = await startMainExpectingExit(release);
      expect(refused.code).toBe(1);
      expect(refused.out + refused.err).toContain('MIGRATE_ON_START=false: run npm run db:migrate first');

      const applied = await runCli(release, ['db', 'migrate']);
      expect(applied.code, applied.err).toBe(0);
      expect(applied.out).toBe(`applied ${pending.length} migrations: ${pending.join(', ')}\n`);
      expect(await runCli(release, ['db', 'status'])).toMatchObject({ code: 0, out: 'the database is up to date\n' });
      expect((await runCli(release, ['db', 'migrate'])).out).toBe('the database is up to date; nothing to apply\n');

      const server = await startMain(release);
      expect(server.output()).toMatch(/first run: created the user admin/);
      expect(await server.stop()).toBe(0);
    } finally {
      await dropDatabase(databaseUrl);
      rmSync(releaseDir, { recursive: true, force: true });
    }
  });
});
