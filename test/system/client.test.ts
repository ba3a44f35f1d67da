/**
 * The client (client/bin/credentials.js), as people and pipelines run it, against a started service (the database
 * of the run: SQLite, or PostgreSQL when TEST_POSTGRES_URL is set): `login --token`, `run` with an AWS credential,
 * a GitHub credential and a pipeline secret (the child sees exactly the documented variables and nothing of the
 * client's own), `--nextflow` (the secrets file's format and modes as the child sees them, gone afterwards, also
 * after SIGTERM), `aws-credential-process` for static keys and for a role through the fake STS, `render` (modes, an
 * atomic rewrite), refusals (a VIEW member, a workspace that turned it off, an expired token, a weak key), and no
 * value in the service's log or the client's output.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR } from '../../src/core/caller.js';
import { type FakeProviders, startFakeProviders } from '../helpers/fake-providers.js';
import { PLATFORM_KEYS } from '../helpers/fake-sts.js';
import { childEnv, root } from '../helpers/process.js';
import { rest } from '../helpers/rest.js';
import { gql, startServer, type TestServer, type TestUser } from '../helpers/server.js';
import { eventually, scaled, testClock } from '../helpers/time.js';

const BIN = join(root, 'client', 'bin', 'credentials.js');
const ROLE = 'arn:aws:iam::123456789012:role/client-runs';
const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYCLIENTKEY1';
const GITHUB_TOKEN = 'ghp_clientE2Etoken0123456789abcdefghij';
const PIPELINE_VALUE = 'pipeline-secret-value-5f0c2e';
const VALUES = [SECRET_KEY, GITHUB_TOKEN, PIPELINE_VALUE];

let fake: FakeProviders;
let server: TestServer;
let alice: TestUser;
let viewer: TestUser;
let workspaceId: string;
let home: string;
const clock = testClock();

interface ClientRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/** Runs the client binary with a config file of the test's own and nothing of the shell's settings. */
function client(args: string[], options: { env?: Record<string, string>; input?: string; onOutput?: (text: string, child: ChildProcess) => void } = {}) {
  return new Promise<ClientRun>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: home,
      env: childEnv({ HOME: home, CREDENTIALS_CONFIG: join(home, 'config.json'), ...options.env }),
    });
    child.stdin.end(options.input ?? '');
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      options.onOutput?.(out, child);
    });
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, out, err }));
  });
}

/** A child that prints its environment as JSON. */
const PRINT_ENV = [process.execPath, '-e', 'process.stdout.write(JSON.stringify(process.env))'];

const noValueIn = (text: string) => {
  for (const value of VALUES) expect(text).not.toContain(value);
};

beforeAll(async () => {
  fake = await startFakeProviders();
  server = await startServer(
    {
      VALIDATION_ALLOWED_HOSTS: fake.host,
      AWS_STS_ENDPOINT: `${fake.url}/sts`,
      AWS_ACCESS_KEY_ID: PLATFORM_KEYS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: PLATFORM_KEYS.secretAccessKey,
      AWS_TRUST_PRINCIPAL_ARN: 'arn:aws:iam::999999999999:user/credentials-service',
      LOG_LEVEL: 'debug',
    },
    { clock: clock.now },
  );
  alice = await server.newUser('client-alice');
  viewer = await server.newUser('client-viewer');
  home = mkdtempSync(join(tmpdir(), 'client-home-'));
  await server.services.workspaces.createOrganization(OPERATOR, 'clientorg', alice.name);
  const ws = await server.services.workspaces.createWorkspace(OPERATOR, { name: 'clientorg' }, 'pipelines');
  workspaceId = String(ws.id);
  await server.services.workspaces.addParticipant(OPERATOR, { id: workspaceId }, alice.name, 'OWNER');
  await server.services.workspaces.addParticipant(OPERATOR, { id: workspaceId }, viewer.name, 'VIEW');
  const made = async (body: unknown) => {
    const created = await rest(server, alice.token, 'POST', `/api/credentials?workspaceId=${workspaceId}`, body);
    expect(created.status, created.text).toBe(200);
    return created.body.credentialsId as string;
  };
  await made({ credentials: { name: 'prod-aws', provider: 'aws', keys: { accessKey: 'AKIACLIENTE2E0000001', secretKey: SECRET_KEY } } });
  await made({ credentials: { name: 'gh', provider: 'github', keys: { username: 'octo', token: GITHUB_TOKEN } } });
  const secret = await rest(server, alice.token, 'POST', `/api/pipeline-secrets?workspaceId=${workspaceId}`, { name: 'DB_PASSWORD', value: PIPELINE_VALUE });
  expect(secret.status, secret.text).toBe(200);
  const login = await client(['login', '--server', server.url, '--token'], { input: `${alice.token}\n` });
  expect(login.code, login.err).toBe(0);
}, 60_000);
afterAll(async () => {
  await server?.close();
  await fake?.close();
});

describe('credentials login --token, whoami', () => {
  it('stores the token 0600 and names the person and their workspaces; a wrong token is refused and nothing stored', async () => {
    const file = join(home, 'config.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ server: server.url, token: alice.token, user: alice.name });
    const who = await client(['whoami']);
    expect(who.code, who.err).toBe(0);
    expect(who.out).toContain(`${alice.name} at ${server.url}`);
    expect(who.out).toContain('clientorg/pipelines  OWNER  (direct delivery from LAUNCH)');
    const other = mkdtempSync(join(tmpdir(), 'client-other-'));
    const wrong = await client(['login', '--server', server.url, '--token'], {
      input: `cst_${'x'.repeat(43)}`,
      env: { CREDENTIALS_CONFIG: join(other, 'config.json') },
    });
    expect(wrong.code).toBe(1);
    expect(wrong.err).toBe('credentials: not signed in, or the token expired or was revoked: run `credentials login`\n');
    expect(existsSync(join(other, 'config.json'))).toBe(false);
    // A token on the command line is no option: --token reads standard input only.
    const argv = await client(['login', '--server', server.url, '--token', alice.token]);
    expect(argv.code).toBe(2);
    expect(argv.err).toMatch(/unexpected argument at position 4/);
    expect(argv.err).not.toContain(alice.token.slice(4, 20));
  });
});

describe('credentials run', () => {
  it('gives the child exactly the documented variables of an AWS credential, a GitHub credential and a pipeline secret, and not the token', async () => {
    const run = await client(
      ['run', '--workspace', 'clientorg/pipelines', '--credential', 'prod-aws', '--credential', 'gh', '--secret', 'DB_PASSWORD', '--', ...PRINT_ENV],
      { env: { CREDENTIALS_TOKEN: alice.token } },
    );
    expect(run.code, run.err).toBe(0);
    const env = JSON.parse(run.out) as Record<string, string>;
    const inherited = childEnv({ HOME: home, CREDENTIALS_CONFIG: join(home, 'config.json') });
    const added = Object.keys(env).filter((name) => !(name in inherited));
    expect(added.sort()).toEqual(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'DB_PASSWORD', 'GITHUB_TOKEN', 'GITHUB_USER']);
    expect(env).toMatchObject({
      AWS_ACCESS_KEY_ID: 'AKIACLIENTE2E0000001',
      AWS_SECRET_ACCESS_KEY: SECRET_KEY,
      GITHUB_TOKEN,
      GITHUB_USER: 'octo',
      DB_PASSWORD: PIPELINE_VALUE,
    });
    expect(env.CREDENTIALS_TOKEN).toBeUndefined();
    expect(run.err).toBe('');
    // Audited: a delivery row per item, naming the key's thumbprint, the client and the delivery, by alice over REST.
    const rows = await server.db.auditEvent.findMany({ where: { action: { in: ['credential.deliver', 'pipeline_secret.deliver'] } }, orderBy: { id: 'asc' } });
    expect(rows.map((r) => r.detail)).toEqual([
      expect.stringMatching(/^key [A-Za-z0-9_-]{43} client credentials\/0\.1\.0 delivery [0-9A-Za-z]{22}$/),
      expect.stringMatching(/^key [A-Za-z0-9_-]{43} client credentials\/0\.1\.0 delivery [0-9A-Za-z]{22}$/),
      expect.stringMatching(/^DB_PASSWORD key [A-Za-z0-9_-]{43} client credentials\/0\.1\.0 delivery [0-9A-Za-z]{22}$/),
    ]);
    expect(new Set(rows.map((r) => r.detail!.split('delivery ')[1])).size).toBe(1);
    expect(rows.every((r) => r.actor === alice.userId && r.door === 'rest' && r.workspaceId === Number(workspaceId))).toBe(true);
  });

  it('passes the exit code through and refuses a clash before the command starts', async () => {
    const failing = await client(['run', '--workspace', workspaceId, '--secret', 'DB_PASSWORD', '--', process.execPath, '-e', 'process.exit(7)']);
    expect(failing.code).toBe(7);
    const marker = join(home, 'clash-started');
    const clash = await client([
      'run',
      '--workspace',
      workspaceId,
      '--credential',
      'prod-aws',
      '--credential',
      'prod-aws',
      '--secret',
      'DB_PASSWORD',
      '--env-prefix',
      'X_',
      '--',
      'touch',
      marker,
    ]);
    expect(clash.code, clash.err).toBe(0); // the same credential twice is one
    const twice = await rest(server, alice.token, 'POST', `/api/credentials?workspaceId=${workspaceId}`, {
      credentials: { name: 'other-aws', provider: 'aws', keys: { accessKey: 'AKIACLIENTE2E0000002', secretKey: 'another-secret-key-0000000000000000000000' } },
    });
    expect(twice.status).toBe(200);
    const refused = await client(['run', '--workspace', workspaceId, '--credential', 'prod-aws', '--credential', 'other-aws', '--', 'touch', `${marker}-2`]);
    expect(refused.code).toBe(1);
    expect(refused.err).toBe(
      'credentials: credential prod-aws and credential other-aws would both set AWS_ACCESS_KEY_ID: ask for one of them, or use --env-prefix in separate runs\n',
    );
    expect(existsSync(`${marker}-2`)).toBe(false);
  });

  it('--nextflow: the secrets file in Nextflow’s format, 0600 in a 0700 directory, seen by the child and gone afterwards', async () => {
    const script = [
      'const fs = require("fs"), path = require("path");',
      'const file = process.env.NXF_SECRETS_FILE;',
      'process.stdout.write(JSON.stringify({ file, mode: fs.statSync(file).mode & 0o777, dirMode: fs.statSync(path.dirname(file)).mode & 0o777,',
      '  secrets: JSON.parse(fs.readFileSync(file, "utf8")), db: process.env.DB_PASSWORD ?? null }));',
    ].join('\n');
    const run = await client([
      'run',
      '--workspace',
      workspaceId,
      '--secret',
      'DB_PASSWORD',
      '--credential',
      'gh',
      '--nextflow',
      '--',
      process.execPath,
      '-e',
      script,
    ]);
    expect(run.code, run.err).toBe(0);
    const seen = JSON.parse(run.out);
    expect(seen.mode).toBe(0o600);
    expect(seen.dirMode).toBe(0o700);
    expect(seen.secrets).toEqual([
      { name: 'gh_username', value: 'octo' },
      { name: 'gh_token', value: GITHUB_TOKEN },
      { name: 'DB_PASSWORD', value: PIPELINE_VALUE },
    ]);
    // With --nextflow a pipeline secret is Nextflow's (secrets.DB_PASSWORD), not a variable.
    expect(seen.db).toBeNull();
    expect(existsSync(seen.file)).toBe(false);
  });

  it('--nextflow: SIGTERM to the client reaches the command, and the file is removed', async () => {
    const script = 'process.stdout.write(process.env.NXF_SECRETS_FILE + "\\n"); process.on("SIGTERM", () => process.exit(143)); setInterval(() => {}, 1000);';
    let file = '';
    const run = await client(['run', '--workspace', workspaceId, '--secret', 'DB_PASSWORD', '--nextflow', '--', process.execPath, '-e', script], {
      onOutput: (text, child) => {
        if (file === '' && text.includes('\n')) {
          file = text.trim();
          expect(existsSync(file)).toBe(true);
          child.kill('SIGTERM');
        }
      },
    });
    expect(file).toMatch(/nextflow-secrets\.json$/);
    expect(run.code).toBe(143);
    expect(existsSync(file)).toBe(false);
    expect(existsSync(join(file, '..'))).toBe(false);
  });
});

describe('credentials aws-credential-process', () => {
  it('prints AWS’s credential_process JSON for static keys', async () => {
    const run = await client(['aws-credential-process', '--workspace', workspaceId, '--credential', 'prod-aws']);
    expect(run.code, run.err).toBe(0);
    expect(JSON.parse(run.out)).toEqual({ Version: 1, AccessKeyId: 'AKIACLIENTE2E0000001', SecretAccessKey: SECRET_KEY });
  });

  it('gives a role’s session with its Expiration, and new keys once it has expired', async () => {
    const created = await rest(server, alice.token, 'POST', '/api/credentials?useExternalId=true', {
      credentials: { name: 'role-aws', provider: 'aws', keys: { mode: 'role', assumeRoleArn: ROLE } },
    });
    expect(created.status, created.text).toBe(200);
    const externalId = (await rest(server, alice.token, 'GET', `/api/credentials/${created.body.credentialsId}`)).body.credentials.keys.externalId;
    fake.sts.roles.set(ROLE, { externalId });
    const first = await client(['aws-credential-process', '--workspace', '-', '--credential', 'role-aws']);
    expect(first.code, first.err).toBe(0);
    const one = JSON.parse(first.out);
    expect(one).toMatchObject({ Version: 1, AccessKeyId: expect.stringMatching(/^ASIA/), SessionToken: expect.any(String) });
    expect(Date.parse(one.Expiration) - Date.now()).toBeGreaterThan(50 * 60_000);
    // The session works with STS (it checks the signature with the secret it issued).
    expect(fake.sts.sessions.get(one.AccessKeyId)?.secretAccessKey).toBe(one.SecretAccessKey);
    clock.advance(61 * 60_000);
    const second = JSON.parse((await client(['aws-credential-process', '--credential', 'role-aws'])).out);
    expect(second.AccessKeyId).not.toBe(one.AccessKeyId);
    expect(Date.parse(second.Expiration)).toBeGreaterThan(Date.parse(one.Expiration) - 60_000);
  });
});

describe('credentials render', () => {
  it('writes one 0600 file per variable and an .env, and rewrites them atomically', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'render-')), 'secrets');
    const first = await client(['render', '--to', dir, '--workspace', workspaceId, '--credential', 'gh', '--secret', 'DB_PASSWORD']);
    expect(first.code, first.err).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['.env', 'DB_PASSWORD', 'GITHUB_TOKEN', 'GITHUB_USER']);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const name of readdirSync(dir)) expect(statSync(join(dir, name)).mode & 0o777, name).toBe(0o600);
    expect(readFileSync(join(dir, 'GITHUB_TOKEN'), 'utf8')).toBe(GITHUB_TOKEN);
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe(`GITHUB_TOKEN='${GITHUB_TOKEN}'\nGITHUB_USER='octo'\nDB_PASSWORD='${PIPELINE_VALUE}'\n`);
    const inode = statSync(join(dir, 'DB_PASSWORD')).ino;
    writeFileSync(join(dir, 'DB_PASSWORD'), 'stale');
    const again = await client(['render', '--to', dir, '--workspace', workspaceId, '--credential', 'gh', '--secret', 'DB_PASSWORD']);
    expect(again.code, again.err).toBe(0);
    // A new file renamed into place (a reader holds the old one or the new one), no temporary left behind.
    expect(statSync(join(dir, 'DB_PASSWORD')).ino).not.toBe(inode);
    expect(readFileSync(join(dir, 'DB_PASSWORD'), 'utf8')).toBe(PIPELINE_VALUE);
    expect(readdirSync(dir).sort()).toEqual(['.env', 'DB_PASSWORD', 'GITHUB_TOKEN', 'GITHUB_USER']);
  });
});

describe('credentials render --refresh', () => {
  it('renders again on SIGHUP and ends on SIGTERM', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'render-')), 'live');
    let renders = 0;
    let inode = 0;
    let signalled = false;
    const child = spawn(process.execPath, [BIN, 'render', '--to', dir, '--workspace', workspaceId, '--secret', 'DB_PASSWORD', '--refresh'], {
      cwd: home,
      env: childEnv({ HOME: home, CREDENTIALS_CONFIG: join(home, 'config.json') }),
    });
    const ended = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        renders += String(d).split('rendered 2 files').length - 1;
        if (renders === 1 && !signalled) {
          signalled = true;
          inode = statSync(join(dir, 'DB_PASSWORD')).ino;
          child.kill('SIGHUP');
        }
        if (renders === 2) resolve();
      });
    });
    expect(statSync(join(dir, 'DB_PASSWORD')).ino).not.toBe(inode);
    child.kill('SIGTERM');
    expect(await ended).toBe(0);
  });
});

describe('refusals, in one line naming the fix', () => {
  it('a VIEW member', async () => {
    const run = await client(['run', '--workspace', workspaceId, '--secret', 'DB_PASSWORD', '--', 'true'], { env: { CREDENTIALS_TOKEN: viewer.token } });
    expect(run.code).toBe(1);
    expect(run.err).toBe(`credentials: Your role in workspace ${workspaceId} (VIEW) does not allow this\n`);
  });

  it('a workspace that turned direct delivery off (its OWNER sets it, audited)', async () => {
    const set = (level: string) =>
      gql(
        server,
        alice.token,
        'mutation ($id: ID!, $level: DirectDeliveryLevel!) { setWorkspaceDirectDelivery(workspaceId: $id, level: $level) { __typename ... on MutationSetWorkspaceDirectDeliverySuccess { data { directDelivery } } } }',
        {
          id: workspaceId,
          level,
        },
      );
    expect((await set('OFF')).body.data?.setWorkspaceDirectDelivery.data.directDelivery).toBe('OFF');
    const run = await client(['run', '--workspace', workspaceId, '--secret', 'DB_PASSWORD', '--', 'true']);
    expect(run.code).toBe(1);
    expect(run.err).toBe(`credentials: Delivery to your own key is turned off in workspace ${workspaceId} (its OWNER or ADMIN sets it)\n`);
    const byViewer = await gql(server, viewer.token, 'mutation ($id: ID!) { setWorkspaceDirectDelivery(workspaceId: $id, level: LAUNCH) { __typename } }', {
      id: workspaceId,
    });
    expect(byViewer.body.data?.setWorkspaceDirectDelivery.__typename).toBe('ForbiddenError');
    expect((await set('LAUNCH')).body.data?.setWorkspaceDirectDelivery.data.directDelivery).toBe('LAUNCH');
    const changes = await server.db.auditEvent.findMany({ where: { action: 'workspace.direct_delivery' }, orderBy: { id: 'asc' } });
    expect(changes.map((c) => [c.detail, c.actor, c.workspaceId])).toEqual([
      ['LAUNCH->OFF', alice.userId, Number(workspaceId)],
      ['OFF->LAUNCH', alice.userId, Number(workspaceId)],
    ]);
  });

  it('an expired token', async () => {
    const made = await server.services.tokens.createToken(
      alice.userId,
      'soon-expired',
      { actor: 'operator', door: 'cli' },
      { expiresAt: new Date(clock.now() + 60_000) },
    );
    clock.advance(2 * 60_000);
    const run = await client(['ls'], { env: { CREDENTIALS_TOKEN: made.token } });
    expect(run.code).toBe(1);
    expect(run.err).toBe('credentials: not signed in, or the token expired or was revoked: run `credentials login`\n');
  });

  it('a weak or private recipient key (the service refuses it, whatever client sends it)', async () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
    const answer = await rest(server, alice.token, 'POST', '/api/deliveries', { pipelineSecrets: ['DB_PASSWORD'], recipient: weak });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ message: 'RSA keys must have at least 2048 bits (this one has 1024)' });
    const ed = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
    expect((await rest(server, alice.token, 'POST', '/api/deliveries', { pipelineSecrets: ['DB_PASSWORD'], recipient: ed })).body.message).toMatch(
      /this one is ed25519/,
    );
    const secret = generateKeyPairSync('x25519').privateKey.export({ format: 'jwk' });
    expect((await rest(server, alice.token, 'POST', '/api/deliveries', { pipelineSecrets: ['DB_PASSWORD'], recipient: secret })).body.message).toBe(
      'recipient: the JWK holds a private or symmetric key; send the public key only',
    );
  });
});

describe('credentials logout', () => {
  it('forgets the stored token: the next command says to sign in', async () => {
    const other = mkdtempSync(join(tmpdir(), 'client-logout-'));
    const config = { CREDENTIALS_CONFIG: join(other, 'config.json') };
    expect((await client(['login', '--server', server.url, '--token'], { input: alice.token, env: config })).code).toBe(0);
    expect((await client(['logout'], { env: config })).code).toBe(0);
    expect(existsSync(join(other, 'config.json'))).toBe(false);
    const after = await client(['ls'], { env: config });
    expect([after.code, after.err]).toEqual([1, 'credentials: no server: run `credentials login --server URL` (or set CREDENTIALS_SERVER)\n']);
  });
});

describe('what the service and the client say', () => {
  it('no value in the service’s log (debug level) or in anything the client printed but run’s child', async () => {
    const ls = await client(['ls', '--workspace', 'clientorg/pipelines']);
    expect(ls.code, ls.err).toBe(0);
    expect(ls.out).toContain('credential  prod-aws  aws');
    expect(ls.out).toContain('secret      DB_PASSWORD  workspace');
    noValueIn(ls.out + ls.err);
    await eventually('the log is written', () => server.logs.length > 0, scaled(2000));
    noValueIn(server.logs.join(''));
  });
});
