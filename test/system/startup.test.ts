/**
 * A start that cannot succeed says why in one plain line on stderr, with the
 * setting to change, exits non-zero, prints no stack trace, and keeps its line
 * in the structured log (findings 8 and 9 of the second attack). Misspelled
 * settings are warned about. A master key file is never quoted, and one that
 * exists but cannot be read never leads to a new key.
 */
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropDatabase, freshDatabaseUrl, onPostgres, postgresServer, sqlOn } from '../helpers/database.js';
import { type Run, type RunningMain, type SpawnOptions, startMain, startMainExpectingExit } from '../helpers/process.js';

const asRoot = userInfo().uid === 0;
/** An unprivileged user for the permission cases (root may enter any directory). */
const NOBODY = 65534;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'credentials-startup-'));
  chmodSync(dir, 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The run failed with exactly `line` on stderr (after any warnings), no stack anywhere, and its line in the log. */
function expectPlainFailure(run: Run, line: RegExp): void {
  expect(run.code, run.err + run.out).toBe(1);
  const errLines = run.err.trim().split('\n');
  expect(errLines.at(-1), run.err).toMatch(line);
  expect(errLines.filter((l) => l.startsWith('Cannot start:'))).toHaveLength(1);
  expect(run.err + run.out).not.toMatch(/\n\s+at |"stack"/);
  const log = run.out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { level: number; msg: string });
  expect(log.at(-1)?.level).toBe(60);
  expect(log.at(-1)?.msg).toContain(errLines.at(-1)!.replace('Cannot start: ', ''));
}

const fresh = (name: string) => {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  return d;
};

describe('finding 8: start-up failures are one plain line on stderr', () => {
  let holder: Server;
  let busyPort: number;
  beforeAll(async () => {
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    busyPort = (holder.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => holder.close(() => resolve())));

  it('a port in use: set PORT', async () => {
    const d = fresh('port');
    const run = await startMainExpectingExit({
      PORT: String(busyPort),
      HOST: '127.0.0.1',
      DATABASE_URL: `file:${join(d, 'db', 'c.db')}`,
      MASTER_KEY_FILE: join(d, 'k', 'keys.json'),
    });
    expectPlainFailure(run, new RegExp(`^Cannot start: port ${busyPort} is in use: set PORT`));
    // Found before anything was made: no database, no key file.
    expect(existsSync(join(d, 'db'))).toBe(false);
    expect(existsSync(join(d, 'k'))).toBe(false);
  });

  it('a settings file in the wrong shape: one line naming the setting, the file and the problem', async () => {
    const d = fresh('settings-file');
    const issuers = join(d, 'machine-issuers.json');
    writeFileSync(issuers, JSON.stringify({ issuers: [{ issuer: 5, audience: 'x', rules: [] }] }));
    const machine = await startMainExpectingExit({ PORT: '0', DATABASE_URL: `file:${join(d, 'db', 'c.db')}`, OIDC_MACHINE_ISSUERS: issuers });
    expectPlainFailure(
      machine,
      new RegExp(`^Cannot start: Invalid configuration: OIDC_MACHINE_ISSUERS: ${issuers.replace(/[.]/g, '\\.')}: issuers\\.0\\.issuer: .*expected string`),
    );
    const providers = join(d, 'providers.json');
    writeFileSync(providers, JSON.stringify({ name: 'not-a-list' }));
    const signIn = await startMainExpectingExit({
      PORT: '0',
      DATABASE_URL: `file:${join(d, 'db', 'c.db')}`,
      OIDC_PROVIDERS: providers,
      PUBLIC_URL: 'http://localhost:8080',
    });
    expectPlainFailure(signIn, /^Cannot start: Invalid configuration: OIDC_PROVIDERS: .*providers\.json: \(the file\): .*expected array/);
  });

  it('a parent path that is a file: set DATABASE_URL', async () => {
    const d = fresh('file-parent');
    writeFileSync(join(d, 'data'), 'not a directory');
    const run = await startMainExpectingExit({ PORT: '0', DATABASE_URL: `file:${join(d, 'data', 'c.db')}`, MASTER_KEY_FILE: join(d, 'k', 'keys.json') });
    expectPlainFailure(run, /^Cannot start: .*data is a file, not a directory.*set DATABASE_URL/);
  });

  it('a database where no directory can be made (/proc): set DATABASE_URL, at once', async () => {
    const d = fresh('proc');
    const run = await startMainExpectingExit({ PORT: '0', DATABASE_URL: 'file:/proc/nope/x.db', MASTER_KEY_FILE: join(d, 'keys.json') });
    expectPlainFailure(
      run,
      /^Cannot start: the directory \/proc\/nope cannot be made there, and is needed for the database \/proc\/nope\/x\.db: set DATABASE_URL/,
    );
  });

  it('permission denied on the database directory: set DATABASE_URL', async () => {
    const d = fresh('denied');
    const data = join(d, 'data');
    mkdirSync(data, { mode: 0o700 });
    if (!asRoot) chmodSync(data, 0o500);
    // (As root, the service runs as nobody, who may not enter root's private directory.)
    const keys = fresh('denied-keys');
    if (asRoot) chownSync(keys, NOBODY, NOBODY);
    const options: SpawnOptions = asRoot ? { uid: NOBODY, cwd: d } : { cwd: d };
    const run = await startMainExpectingExit(
      { PORT: '0', DATABASE_URL: `file:${join(data, 'sub', 'c.db')}`, MASTER_KEY_FILE: join(keys, 'keys.json') },
      30_000,
      options,
    );
    expectPlainFailure(run, /^Cannot start: permission denied on .*data.*set DATABASE_URL/);
  });

  it('PostgreSQL unreachable: check DATABASE_URL', async () => {
    const d = fresh('pg-down');
    const run = await startMainExpectingExit({
      PORT: '0',
      DATABASE_URL: `postgresql://u:p@127.0.0.1:${busyPort + 1}/db`,
      MASTER_KEY_FILE: join(d, 'keys.json'),
    });
    // (A port nobody listens on is refused; the one after a listening test port is very likely free.)
    expectPlainFailure(run, /^Cannot start: PostgreSQL at 127\.0\.0\.1:\d+ (refuses connections|does not answer)/);
  });

  it.runIf(onPostgres)('PostgreSQL refusing the password: check DATABASE_URL, and the password is never shown', async () => {
    const d = fresh('pg-password');
    const url = new URL(postgresServer!);
    url.password = 'not-the-password-s3cr3t';
    const run = await startMainExpectingExit({ PORT: '0', DATABASE_URL: url.toString(), MASTER_KEY_FILE: join(d, 'keys.json') });
    expectPlainFailure(run, /^Cannot start: PostgreSQL at .* refused the password of user \w+: check DATABASE_URL/);
    expect(run.err + run.out).not.toContain('not-the-password-s3cr3t');
  });

  it('warns about every unknown name in .env and about unknown variables with the service’s prefixes, naming what was meant', async () => {
    const d = fresh('dotenv');
    writeFileSync(join(d, '.env'), `PROT=9999\nDATABSE_URL=file:./elsewhere.db\nPORT=${busyPort}\nHOST=127.0.0.1\n`);
    const run = await startMainExpectingExit(
      { GRAPHQL_MAX_DEPHT: '3', VALIDATION_TIMEOUT: '10', DATABASE_URL: `file:${join(d, 'c.db')}`, MASTER_KEY_FILE: join(d, 'k', 'keys.json') },
      30_000,
      { cwd: d },
    );
    expect(run.err).toContain('Warning: unknown setting PROT in .env is ignored (did you mean PORT?)');
    expect(run.err).toContain('Warning: unknown setting DATABSE_URL in .env is ignored (did you mean DATABASE_URL?)');
    expect(run.err).toContain('Warning: unknown setting GRAPHQL_MAX_DEPHT is ignored (did you mean GRAPHQL_MAX_DEPTH?)');
    expect(run.err).toContain('Warning: unknown setting VALIDATION_TIMEOUT is ignored');
    expect(run.err).not.toMatch(/unknown setting (PATH|HOME|TEST_POSTGRES_URL)\b/);
    expect(run.out).toContain('unknown setting PROT in .env is ignored');
    // PORT from .env was read: it is the one in use.
    expectPlainFailure(run, new RegExp(`^Cannot start: port ${busyPort} is in use`));
  });
});

describe('finding 9: the master key file', () => {
  it('a malformed key file is never quoted, on stderr or in the log', async () => {
    const d = fresh('malformed');
    const material = 'c2VjcmV0LWtleS1tYXRlcmlhbC1zaG91bGQtbmV2ZXItbGVhaw';
    writeFileSync(join(d, 'keys.json'), `{"primary": "k1", "keys": {"k1": "${material}`, { mode: 0o600 });
    const run = await startMainExpectingExit({ PORT: '0', DATABASE_URL: `file:${join(d, 'db', 'c.db')}`, MASTER_KEY_FILE: join(d, 'keys.json') });
    expectPlainFailure(run, /^Cannot start: Invalid master key configuration: Master key file .* is not valid JSON/);
    for (let i = 0; i + 8 <= material.length; i += 4) expect(run.err + run.out).not.toContain(material.slice(i, i + 8));
  });

  it('a key file that exists but cannot be read stops the start, and no new key is made', async () => {
    const d = fresh('unreadable');
    const keys = join(d, 'keys');
    mkdirSync(keys, { mode: 0o700 });
    const content = '{"primary": "k1", "keys": {"k1": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}}\n';
    writeFileSync(join(keys, 'keys.json'), content, { mode: 0o600 });
    if (!asRoot) chmodSync(keys, 0o000);
    const data = fresh('unreadable-data');
    if (asRoot) chownSync(data, NOBODY, NOBODY);
    const options: SpawnOptions = asRoot ? { uid: NOBODY, cwd: data } : { cwd: data };
    const run = await startMainExpectingExit(
      { PORT: '0', DATABASE_URL: `file:${join(data, 'c.db')}`, MASTER_KEY_FILE: join(keys, 'keys.json') },
      30_000,
      options,
    );
    if (!asRoot) chmodSync(keys, 0o700);
    expectPlainFailure(run, /^Cannot start: The master key file .* cannot be looked at \(permission denied\).*No new key is made/);
    expect(readFileSync(join(keys, 'keys.json'), 'utf8')).toBe(content);
    expect(existsSync(join(data, 'keys.json'))).toBe(false);
  });

  it('a valid key that is not the database’s: one plain line naming the key that sealed it and the fix; never ready', async () => {
    const d = fresh('wrong-key');
    const env = { PORT: '0', DATABASE_URL: `file:${join(d, 'db', 'c.db')}`, MASTER_KEYS: `first:${Buffer.alloc(32, 1).toString('base64')}` };
    const first = await startMain(env);
    await first.stop();
    const run = await startMainExpectingExit({ ...env, MASTER_KEYS: `second:${Buffer.alloc(32, 2).toString('base64')}` });
    expectPlainFailure(
      run,
      /^Cannot start: The master keys do not open this database's secrets: its key check is sealed with the key 'first', which this instance does not hold \(it holds 'second'\)\. Set MASTER_KEY_FILE or MASTER_KEYS to the keys this database was sealed with$/,
    );
    expect(run.out).not.toContain('GraphQL at');
  });

  it('in production without a key, "no master key" with the keys init command comes first', async () => {
    const d = fresh('production');
    // The default key file sits beside the database: the no-key problem is still the one told.
    const run = await startMainExpectingExit({ PORT: '0', NODE_ENV: 'production', DATABASE_URL: `file:${join(d, 'c.db')}` });
    expectPlainFailure(run, /^Cannot start: No master key: .*npm run cli -- keys init/);
  });
});

describe('instances starting together on a fresh database', () => {
  it('four at once: every one ready, exactly one admin, its token printed once', async () => {
    const d = fresh('together');
    const databaseUrl = await freshDatabaseUrl(d);
    // One key file for all, that none of them finds: each would make it (the first one's is the key).
    const env = { DATABASE_URL: databaseUrl, MASTER_KEY_FILE: join(d, 'keys', 'master-keys.json') };
    const instances = await Promise.allSettled([0, 1, 2, 3].map(() => startMain(env)));
    try {
      const failed = instances.filter((i) => i.status === 'rejected').map((i) => String((i as PromiseRejectedResult).reason).slice(0, 2000));
      expect(failed).toEqual([]);
      const running = instances.map((i) => (i as PromiseFulfilledResult<RunningMain>).value);
      for (const instance of running) expect((await fetch(`${instance.url}/readyz`)).status).toBe(200);
      const printed = running.filter((i) => /First run: created user 'admin'/.test(i.output()));
      expect(printed).toHaveLength(1);
      const token = /(cst_[0-9A-Za-z]{43})/.exec(printed[0]!.output())![1]!;
      for (const instance of running) {
        const viewer = await fetch(`${instance.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: '{ viewer { name } }' }),
        });
        expect((await viewer.json()).data.viewer.name).toBe('admin');
      }
      const users = await sqlOn<{ name: string }>(databaseUrl, 'SELECT "name" FROM "User"');
      expect(users.map((u) => u.name)).toEqual(['admin']);
    } finally {
      await Promise.all(instances.map((i) => (i.status === 'fulfilled' ? i.value.stop() : undefined)));
      await dropDatabase(databaseUrl);
    }
  }, 120_000);
});
