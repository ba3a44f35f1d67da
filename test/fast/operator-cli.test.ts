/**
 * The operator's commands (users, tokens, organizations, pipeline secrets, pairings, credentials, audit, webhooks),
 * run in this process on a test server's database (test/helpers/cli.ts): what each prints,
 * refuses and records. The binary itself — its start, environment, standard input from a pipe, exit codes as a
 * process sees them, migrations as a release step — is test/system/operator.test.ts's.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AUDIT_COLUMNS } from '../../src/features/audit/rules/formats.js';
import { cliOn } from '../helpers/cli.js';
import { startReceiver } from '../helpers/events.js';
import { selfSignedCertificate } from '../helpers/fixtures.js';
import { rsaKeyPair } from '../helpers/keys.js';
import { rest } from '../helpers/rest.js';
import { startServer, withServer } from '../helpers/server.js';

const { server } = withServer();
const cli = (...args: string[]) => cliOn(server, args);
const dir = mkdtempSync(join(tmpdir(), 'credentials-operator-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const github = (name: string) => ({ credentials: { name, provider: 'github', keys: { username: 'octo', token: `ghp_${name}-secret` } } });

/** The kinds of the audit lines a command printed, newest first. */
const kinds = (out: string) =>
  out
    .trim()
    .split('\n')
    .map((l) => l.split(/\s+/)[1]);

describe('users and tokens', () => {
  it('refuse a second user of a name, an unknown user, a bad expiry or scope; show expiry and scope in the list', async () => {
    expect((await cli('users', 'create', 'erin')).code).toBe(0);
    expect(await cli('users', 'create', 'erin')).toMatchObject({ code: 1, err: expect.stringMatching(/already exists/) });
    expect(await cli('tokens', 'create', 'nobody')).toMatchObject({ code: 1, err: "error: no user 'nobody'\n" });
    const expiring = await cli('tokens', 'create', 'erin', '--name', 'ci', '--expires-in', '90d');
    expect(expiring.out).toMatch(/valid until \d{4}-/);
    expect((await cli('tokens', 'list', 'erin')).out).toMatch(/ci\s+all\s+created \S+\s+active until \d{4}-/);
    expect((await cli('tokens', 'create', 'erin', '--expires-in', 'soon')).err).toMatch(
      /--expires-in must be a duration from 1s to 3650d: a whole number and s, m, h or d/,
    );
    // A scoped token, for a pipeline agent: shown with its scope.
    expect((await cli('tokens', 'create', 'erin', '--name', 'agent', '--scope', 'keys:read')).out).toMatch(/\(scope keys:read\)/);
    expect((await cli('tokens', 'list', 'erin')).out).toMatch(/agent\s+keys:read\s+created/);
    expect((await cli('tokens', 'create', 'erin', '--scope', 'root')).err).toMatch(/scope: must be one of all, read, write, keys:read/);
    expect(await cli('tokens', 'bogus')).toMatchObject({ code: 2 });
  });
});

describe('organizations and workspaces', () => {
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
    expect(kinds(audit.out)).toEqual(['participant.remove', 'participant.role', 'participant.add', 'participant.add', 'workspace.create']);
    expect(audit.out).toMatch(/participant\.role .* by operator via cli\s+VIEW->MAINTAIN/);
  });
});

describe('pipeline secrets', () => {
  it('adds (the value read from standard input), lists, updates and removes a user’s and a workspace’s pipeline secrets, never printing a value', async () => {
    const withInput = (input: string, ...args: string[]) => cliOn(server, args, input);
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
    expect(kinds(audit.out).filter((kind) => kind?.startsWith('pipeline_secret.'))).toEqual([
      'pipeline_secret.delete',
      'pipeline_secret.update',
      'pipeline_secret.create',
    ]);
    const everything = [added, listed, updated, audit].map((r) => r.out + r.err).join('\n');
    for (const value of ['op-s3cret-value', 'n3w-op-s3cret', 'ws-s3cret-value']) expect(everything).not.toContain(value);
  });
});

describe('paired services', () => {
  it('adds a service by its public key (printing the pairing id), lists and removes it; refuses other keys, saying why', async () => {
    const rsa = rsaKeyPair(5);
    const file = join(dir, 'wave.pub.pem');
    writeFileSync(file, rsa.publicKey.export({ type: 'spki', format: 'pem' }));
    const added = await cli('pairings', 'add', '--name', 'wave', '--public-key', file);
    expect(added.code, added.err).toBe(0);
    const id = /pairing id ([0-9A-Za-z]{22}) \(jwe, RSA-OAEP-256, key fingerprint ([\w-]{43})\)/.exec(added.out);
    expect(id, added.out).not.toBeNull();
    expect((await cli('pairings', 'list')).out).toMatch(new RegExp(`${id![1]}\\s+wave\\s+jwe\\s+RSA-OAEP-256\\s+${id![2]}`));

    const privateFile = join(dir, 'wave.key.pem');
    writeFileSync(privateFile, rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    expect(await cli('pairings', 'add', '--name', 'oops', '--public-key', privateFile)).toMatchObject({
      code: 1,
      err: expect.stringContaining('This is a private key'),
    });
    const small = join(dir, 'small.pub.pem');
    // 1024 bits: refused for its size (made here: a small key is quick to make).
    writeFileSync(small, generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }));
    expect((await cli('pairings', 'add', '--name', 'small', '--public-key', small)).err).toMatch(/at least 2048 bits/);
    expect((await cli('pairings', 'add', '--name', 'again', '--public-key', file)).err).toMatch(/exists already/);
    expect((await cli('pairings', 'add', '--public-key', file)).code).toBe(2);
    expect((await cli('pairings', 'add', '--name', 'neither')).code).toBe(2);

    expect((await cli('pairings', 'remove', id![1]!)).out).toBe(`removed pairing ${id![1]}\n`);
    expect((await cli('pairings', 'list')).out).toBe('');
    expect((await cli('pairings', 'remove', id![1]!)).err).toMatch(/No paired service/);
    expect(kinds((await cli('audit', '--limit', '2')).out)).toEqual(['pairing.remove', 'pairing.add']);
  });
});

describe('credentials commands', () => {
  it('list deleted credentials and undelete them, and list what expires within a time, never a key value', async () => {
    const { token, name: owner } = await server.newUser('expiring-owner');
    // A Kubernetes credential whose client certificate expires in 3 days, and one a user dated 60 days ahead.
    const created = await rest(server, token, 'POST', '/api/credentials', {
      credentials: { name: 'soon', provider: 'k8s', keys: { certificate: selfSignedCertificate(3, dir), privateKey: 'k8s-private-secret' } },
    });
    expect(created.status, created.text).toBe(200);
    const soon = (await rest(server, token, 'GET', `/api/credentials/${created.body.credentialsId}`)).body.credentials.expiresAt;
    await rest(server, token, 'POST', '/api/credentials', {
      ...github('later'),
      credentials: { ...github('later').credentials, expiresAt: new Date(Date.now() + 60 * 86_400_000).toISOString() },
    });
    const expiring = await cliOn(server, ['credentials', 'expiring', '--within', '7d']);
    expect(expiring.code, expiring.err).toBe(0);
    expect(expiring.out.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^${soon.replace(/\./g, '\\.')}  certificate  ${created.body.credentialsId}  soon  k8s  user `)),
    ]);
    const json = JSON.parse((await cliOn(server, ['credentials', 'expiring', '--within', '90d', '--json'])).out);
    expect(json.map((c: any) => c.name)).toEqual(['soon', 'later']);
    expect(JSON.stringify(json)).not.toMatch(/ghp_|BEGIN CERTIFICATE|k8s-private/);
    expect((await cliOn(server, ['credentials', 'expiring', '--within', 'soon'])).code).toBe(1);

    await rest(server, token, 'DELETE', `/api/credentials/${created.body.credentialsId}`);
    await rest(server, token, 'POST', '/api/credentials', github('soon'));
    const deleted = await cliOn(server, ['credentials', 'deleted', '--json']);
    expect(JSON.parse(deleted.out)).toEqual([
      expect.objectContaining({ id: created.body.credentialsId, name: 'soon', deleted: expect.any(String), purgeAfter: expect.any(String) }),
    ]);
    const taken = await cliOn(server, ['credentials', 'undelete', created.body.credentialsId]);
    expect(taken.code).toBe(1);
    expect(taken.err).toContain("undelete it under another name, such as 'soon-restored'");
    const back = await cliOn(server, ['credentials', 'undelete', created.body.credentialsId, '--name', 'soon-restored']);
    expect(back.code, back.err).toBe(0);
    expect(back.out).toMatch(/^undeleted \w{22} as 'soon-restored' \(user /);

    // The trail, as the operator exports it: CSV with names.
    const csv = await cliOn(server, ['audit', '--format', 'csv', '--user', owner, '--kinds', 'credential.undelete,credential.delete']);
    expect(csv.code, csv.err).toBe(0);
    const [header, ...rows] = csv.out.trim().split('\r\n');
    expect(header).toBe(AUDIT_COLUMNS.join(','));
    expect(rows.map((r) => r.split(',')[2])).toEqual(['credential.delete', 'credential.undelete']);
    expect(rows[1]).toContain(',soon-restored,');
    expect(rows[1]).toContain(',operator,');
    const lines = await cliOn(server, ['audit', '--user', owner, '--limit', '3']);
    expect(lines.out.split('\n')[0]).toMatch(
      new RegExp(`credential\\.undelete\\s+credential 'soon-restored' \\(\\w{22}\\)\\s+owner ${owner}\\s+by operator via cli`),
    );
    // One credential's events, with names too (they showed ids).
    const one = await cliOn(server, ['audit', '--credential', created.body.credentialsId]);
    expect(one.out.split('\n')[0]).toMatch(
      new RegExp(`credential\\.undelete\\s+credential 'soon-restored' \\(\\w{22}\\)\\s+owner ${owner}\\s+by operator via cli`),
    );
  });
});

describe('webhooks', () => {
  it('webhooks add prints the secret once; list, deliveries and remove show and change what GraphQL does; a refused URL exits 1', async () => {
    const receiver = await startReceiver();
    const hooked = await startServer({ WEBHOOK_ALLOWED_HOSTS: receiver.host });
    const cli = (...args: string[]) => cliOn(hooked, args);
    try {
      const user = (await cli('users', 'create', 'hook-cli-user')).out;
      expect(user).toMatch(/created user hook-cli-user/);
      const added = await cli('webhooks', 'add', receiver.url, '--user', 'hook-cli-user', '--kinds', 'credential.create,credential.expiring');
      expect(added.code, added.err).toBe(0);
      expect(added.out).toMatch(/signing secret \(shown this once\): whsec_[A-Za-z0-9+/]{43}=/);
      const id = /added webhook ([0-9A-Za-z]{22})/.exec(added.out)![1]!;
      const listed = await cli('webhooks', 'list', '--user', 'hook-cli-user', '--json');
      expect(JSON.parse(listed.out)).toEqual([expect.objectContaining({ id, status: 'ACTIVE', kinds: ['credential.create', 'credential.expiring'] })]);
      expect(listed.out).not.toContain('whsec_');
      expect((await cli('webhooks', 'deliveries', id, '--json')).out.trim()).toBe('[]');
      const refused = await cli('webhooks', 'add', 'https://10.0.0.1/hook', '--user', 'hook-cli-user');
      expect(refused.code).toBe(1);
      expect(refused.err).toMatch(/url: .*10\.0\.0\.1.* WEBHOOK_ALLOWED_HOSTS/);
      expect((await cli('webhooks', 'list')).code).toBe(2);
      expect((await cli('webhooks', 'remove', id)).out).toMatch(`removed webhook ${id}`);
      expect(JSON.parse((await cli('webhooks', 'list', '--user', 'hook-cli-user', '--json')).out)).toEqual([]);
    } finally {
      await hooked.close();
      await receiver.close();
    }
  });
});
