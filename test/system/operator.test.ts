/** `npm start` on a new database, and the operator command line, as processes. */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
    expect((await cli('users', 'create', 'dana')).err).toMatch(/already exists/);
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
    expect((await cli('tokens', 'create', 'nobody')).err).toMatch(/no user 'nobody'/);
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

    // A token that expires, shown with its expiry.
    const expiring = await cli('tokens', 'create', 'dana', '--name', 'ci', '--expires-in', '90d');
    expect(expiring.out).toMatch(/valid until \d{4}-/);
    expect((await cli('tokens', 'list', 'dana')).out).toMatch(/ci\s+all\s+created \S+\s+active until \d{4}-/);
    expect((await cli('tokens', 'create', 'dana', '--expires-in', 'soon')).err).toMatch(
      /--expires-in must be a duration from 1s to 3650d: a whole number and s, m, h or d/,
    );

    // A scoped token, for a pipeline agent: shown with its scope.
    expect((await cli('tokens', 'create', 'dana', '--name', 'agent', '--scope', 'keys:read')).out).toMatch(/\(scope keys:read\)/);
    expect((await cli('tokens', 'list', 'dana')).out).toMatch(/agent\s+keys:read\s+created/);
    expect((await cli('tokens', 'create', 'dana', '--scope', 'root')).err).toMatch(/scope: must be one of all, read, write, keys:read/);
  });
});

describe('organizations and workspaces from the command line', () => {
  it('sets up an organization, a workspace and its participants, and shows their audit trail', async () => {
    for (const name of ['olga', 'pavel']) expect((await cli('users', 'create', name)).code).toBe(0);
    expect((await cli('orgs', 'create', 'lab', '--owner', 'olga')).out).toMatch(/created organization lab \(id \d+\), owned by olga/);
    expect((await cli('orgs', 'create', 'lab', '--owner', 'olga')).err).toMatch(/already exists/);
    expect((await cli('orgs', 'list')).out).toMatch(/\d+\s+lab/);
    expect((await cli('workspaces', 'create', 'lab/genomics', '--owner', 'olga')).out).toMatch(
      /created workspace lab\/genomics \(id \d+\); olga takes part as OWNER/,
    );
    expect((await cli('workspaces', 'list', 'lab')).out).toMatch(/\d+\s+lab\/genomics/);
    expect((await cli('participants', 'add', 'lab/genomics', 'pavel', 'VIEW')).out).toBe('pavel takes part in lab/genomics as VIEW\n');
    expect((await cli('participants', 'add', 'lab/genomics', 'pavel', 'SUPERUSER')).err).toMatch(
      /role: must be one of OWNER, ADMIN, MAINTAIN, LAUNCH, CONNECT, VIEW/,
    );
    expect((await cli('participants', 'role', 'lab/genomics', 'pavel', 'MAINTAIN')).out).toBe('pavel is now MAINTAIN in lab/genomics\n');
    const listed = await cli('participants', 'list', 'lab/genomics');
    expect(listed.out).toMatch(/olga\s+OWNER/);
    expect(listed.out).toMatch(/pavel\s+MAINTAIN/);
    expect((await cli('participants', 'remove', 'lab/genomics', 'olga')).err).toMatch(/last OWNER/);
    expect((await cli('participants', 'remove', 'lab/genomics', 'pavel')).code).toBe(0);
    expect((await cli('participants', 'list', 'lab/nope')).err).toMatch(/Workspace 'lab\/nope' not found/);
    const audit = await cli('audit', '--workspace', 'lab/genomics');
    expect(audit.code, audit.err).toBe(0);
    expect(
      audit.out
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/)[1]),
    ).toEqual(['participant.remove', 'participant.role', 'participant.add', 'participant.add', 'workspace.create']);
    expect(audit.out).toMatch(/participant\.role .* by operator via cli\s+VIEW->MAINTAIN/);
  });
});

describe('pipeline secrets from the command line', () => {
  it('adds (the value read from standard input), lists, updates and removes a user’s and a workspace’s pipeline secrets, never printing a value', async () => {
    const withInput = (input: string, ...args: string[]) => runCli(env, args, undefined, input);
    expect((await cli('users', 'create', 'quinn')).code).toBe(0);
    const added = await withInput('op-s3cret-value\n', 'secrets', 'add', 'DB_PASSWORD', '--user', 'quinn');
    expect(added.code, added.err).toBe(0);
    const id = /^added pipeline secret DB_PASSWORD: id (\d+)$/m.exec(added.out)?.[1];
    expect(id, added.out).toBeDefined();
    expect((await withInput('x', 'secrets', 'add', 'DB_PASSWORD', '--user', 'quinn')).err).toMatch(/A pipeline secret named 'DB_PASSWORD' already exists/);
    expect(await withInput('x', 'secrets', 'add', '9lives', '--user', 'quinn')).toMatchObject({
      code: 1,
      err: expect.stringMatching(/name: must start with a letter or _/),
    });
    expect((await withInput('', 'secrets', 'add', 'EMPTY_ONE', '--user', 'quinn')).err).toMatch(/value: must not be empty/);
    expect((await withInput('x', 'secrets', 'add', 'NO_CONTEXT')).code).toBe(2);

    expect((await cli('orgs', 'create', 'vault', '--owner', 'quinn')).code).toBe(0);
    expect((await cli('workspaces', 'create', 'vault/runs', '--owner', 'quinn')).code).toBe(0);
    expect((await withInput('ws-s3cret-value', 'secrets', 'add', 'API_TOKEN', '--workspace', 'vault/runs')).code).toBe(0);
    const listed = await cli('secrets', 'list', '--user', 'quinn', '--json');
    expect(JSON.parse(listed.out)).toMatchObject([{ id: Number(id), name: 'DB_PASSWORD', context: expect.stringMatching(/^user /) }]);
    expect((await cli('secrets', 'list', '--workspace', 'vault/runs')).out).toMatch(/^\d+ {2}API_TOKEN {2}updated /);

    const updated = await withInput('n3w-op-s3cret', 'secrets', 'update', id!, '--user', 'quinn');
    expect(updated.out).toBe(`updated pipeline secret DB_PASSWORD (${id})\n`);
    // Another context's id is no secret of this one.
    expect((await withInput('x', 'secrets', 'update', id!, '--workspace', 'vault/runs')).err).toMatch(/Pipeline secret '\d+' not found/);
    expect((await cli('secrets', 'remove', id!, '--user', 'quinn')).out).toBe(`removed pipeline secret ${id}\n`);
    expect((await cli('secrets', 'list', '--user', 'quinn')).out).toBe('');

    const audit = await cli('audit', '--user', 'quinn', '--limit', '20');
    expect(
      audit.out
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/)[1])
        .filter((kind) => kind?.startsWith('pipeline_secret.')),
    ).toEqual(['pipeline_secret.delete', 'pipeline_secret.update', 'pipeline_secret.create']);
    const everything = [added, listed, updated, audit].map((r) => r.out + r.err).join('\n');
    for (const value of ['op-s3cret-value', 'n3w-op-s3cret', 'ws-s3cret-value']) expect(everything).not.toContain(value);
  });
});

describe('paired services from the command line', () => {
  it('adds a service by its public key (printing the pairing id), lists and removes it; refuses other keys, saying why', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const file = join(dir, 'wave.pub.pem');
    writeFileSync(file, rsa.publicKey.export({ type: 'spki', format: 'pem' }));
    const added = await cli('pairings', 'add', '--name', 'wave', '--public-key', file);
    expect(added.code, added.err).toBe(0);
    const id = /pairing id ([0-9A-Za-z]{22}) \(jwe, RSA-OAEP-256, key fingerprint ([\w-]{43})\)/.exec(added.out);
    expect(id, added.out).not.toBeNull();
    expect((await cli('pairings', 'list')).out).toMatch(new RegExp(`${id![1]}\\s+wave\\s+jwe\\s+RSA-OAEP-256\\s+${id![2]}`));

    const privateFile = join(dir, 'wave.key.pem');
    writeFileSync(privateFile, rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const refused = await cli('pairings', 'add', '--name', 'oops', '--public-key', privateFile);
    expect(refused).toMatchObject({ code: 1, err: expect.stringContaining('This is a private key') });
    const small = join(dir, 'small.pub.pem');
    writeFileSync(small, generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }));
    expect((await cli('pairings', 'add', '--name', 'small', '--public-key', small)).err).toMatch(/at least 2048 bits/);
    expect((await cli('pairings', 'add', '--name', 'again', '--public-key', file)).err).toMatch(/exists already/);
    expect((await cli('pairings', 'add', '--public-key', file)).code).toBe(2);
    expect((await cli('pairings', 'add', '--name', 'neither')).code).toBe(2);

    expect((await cli('pairings', 'remove', id![1]!)).out).toBe(`removed pairing ${id![1]}\n`);
    expect((await cli('pairings', 'list')).out).toBe('');
    expect((await cli('pairings', 'remove', id![1]!)).err).toMatch(/No paired service/);
    const audit = await cli('audit', '--limit', '2');
    expect(
      audit.out
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/)[1]),
    ).toEqual(['pairing.remove', 'pairing.add']);
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
