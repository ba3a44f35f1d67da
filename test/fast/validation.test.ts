/**
 * Validation through both doors, every probe against local fake providers
 * (never the internet): valid → AVAILABLE, refused (401/403) → INVALID with
 * the provider's words, timeout or 5xx → transient, nothing stored. Plus the
 * offline checks, force, the setup snippet, the tw CLI's validate flow checked
 * against the OpenAPI document, metrics, and the background re-validation.
 */

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR } from '../../src/core/caller.js';
import { type FakeProviders, startFakeProviders } from '../helpers/fake-providers.js';
import { rsaKeyPairs } from '../helpers/keys.js';
import { rest } from '../helpers/rest.js';
import { gql, startServer, type TestServer } from '../helpers/server.js';
import { scaled } from '../helpers/time.js';

/** Distinct key pairs for the whole file: the fake providers trust keys across its tests. */
const nextPair = rsaKeyPairs();

let fake: FakeProviders;
let server: TestServer;
let alice: Awaited<ReturnType<TestServer['newUser']>>;
const TRUST_ARN = 'arn:aws:iam::123456789012:role/credentials-service';
/** A probe's time limit here: short (a never-answering fake is waited for), scaled on a loaded machine. */
const TIMEOUT_MS = scaled(250);

beforeAll(async () => {
  fake = await startFakeProviders();
  server = await startServer({
    VALIDATION_ALLOWED_HOSTS: fake.host,
    VALIDATION_TIMEOUT_MS: String(TIMEOUT_MS),
    // The git providers' tests run at once, each holding a probe: more than the default 4 of one owner.
    VALIDATION_PROBES_PER_OWNER: '8',
    AWS_STS_ENDPOINT: `${fake.url}/sts`,
    AWS_TRUST_PRINCIPAL_ARN: TRUST_ARN,
  });
  alice = await server.newUser('validator');
});
afterAll(async () => {
  await server.close();
  await fake.close();
});

let counter = 0;
async function create(provider: string, keys: Record<string, unknown>, extra: Record<string, unknown> = {}, query = ''): Promise<string> {
  const result = await rest(server, alice.token, 'POST', `/api/credentials${query}`, {
    credentials: { name: `v-${provider}-${++counter}`, provider, keys, ...extra },
  });
  expect(result.status, result.text).toBe(200);
  return result.body.credentialsId;
}
const validate = async (id: string, query = '') => {
  const result = await rest(server, alice.token, 'POST', `/api/credentials/${id}/validate${query}`);
  expect(result.status, result.text).toBe(200);
  return result.body as { status: string; message: string | null; transientError: boolean };
};
const describeIt = async (id: string) => (await rest(server, alice.token, 'GET', `/api/credentials/${id}`)).body.credentials;

const GIT = ['github', 'gitlab', 'bitbucket', 'gitea', 'azurerepos'] as const;
const REFUSAL: Record<(typeof GIT)[number], string> = {
  github: 'Bad credentials',
  gitlab: '401 Unauthorized',
  bitbucket: 'Authentication failed. Please check your credentials and try again.',
  gitea: 'user does not exist [uid: 0, name: ]',
  azurerepos: 'TF400813: The user is not authorized to access this resource.',
};

describe('expiry the provider tells', () => {
  it("GitHub's token expiration header sets expiresAt (source provider); the user's earlier date still wins", async () => {
    const id = await create('github', { username: 'octo', token: 'good-expiring-token' }, { baseUrl: fake.url });
    expect(await validate(id)).toEqual({ status: 'AVAILABLE', message: null, transientError: false });
    expect(await describeIt(id)).toMatchObject({ expiresAt: '2030-06-30T12:00:00.000Z', expiresAtSource: 'provider' });
    const dated = await create('github', { username: 'octo', token: 'good-expiring-token' }, { baseUrl: fake.url, expiresAt: '2029-01-01T00:00:00Z' });
    await validate(dated);
    expect(await describeIt(dated)).toMatchObject({ expiresAt: '2029-01-01T00:00:00.000Z', expiresAtSource: 'user' });
    // A token without the header states nothing.
    const plain = await create('github', { username: 'octo', token: 'good-token' }, { baseUrl: fake.url });
    await validate(plain);
    expect(await describeIt(plain)).toMatchObject({ expiresAt: null, expiresAtSource: null });
  });
});

describe('git providers: the identity endpoint of the API derived from baseUrl', () => {
  // The five providers at once (each waits for a probe's time limit): they share the fake, so each finds its own
  // probe by the path only it calls.
  for (const provider of GIT) {
    it.concurrent(`${provider}: valid → AVAILABLE, refused → INVALID with its message, 5xx and timeout → transient`, async () => {
      const seen = fake.requests.length;
      const good = await create(provider, { username: 'octo', token: 'good-token' }, { baseUrl: fake.url });
      expect(await validate(good)).toEqual({ status: 'AVAILABLE', message: null, transientError: false });
      const path = {
        github: '/api/v3/user',
        gitlab: '/api/v4/user',
        bitbucket: '/rest/api/1.0/users/octo',
        gitea: '/api/v1/user',
        azurerepos: '/_apis/connectionData',
      }[provider];
      expect(fake.requests.slice(seen).filter((r) => r.path === path)).toHaveLength(1);
      expect(Date.parse((await describeIt(good)).lastValidated)).toBeGreaterThan(Date.now() - 10_000);

      const bad = await create(provider, { username: 'octo', token: 'bad-token' }, { baseUrl: fake.url });
      const refused = await validate(bad);
      expect(refused).toMatchObject({ status: 'INVALID', transientError: false });
      expect(refused.message).toContain(REFUSAL[provider]);
      expect(refused.message).toContain('(401)');
      expect(await describeIt(bad)).toMatchObject({ status: 'INVALID', message: refused.message });

      for (const [secret, reason] of [
        ['flaky-token', /answered 503/],
        ['slow-token', new RegExp(`no answer from 127\\.0\\.0\\.1 within ${TIMEOUT_MS} ms`)],
      ] as const) {
        const id = await create(provider, { username: 'octo', token: secret }, { baseUrl: fake.url });
        const transient = await validate(id);
        expect(transient).toMatchObject({ status: 'AVAILABLE', transientError: true });
        expect(transient.message).toMatch(reason);
        expect(await describeIt(id)).toMatchObject({ status: 'AVAILABLE', message: null, lastValidated: null });
      }
    });
  }

  it('a transient failure leaves an INVALID status and its message as they were', async () => {
    const id = await create('github', { token: 'bad-token' }, { baseUrl: fake.url });
    const refused = await validate(id);
    const { lastValidated } = await describeIt(id);
    fake.outage = true;
    try {
      expect(await validate(id)).toMatchObject({ status: 'INVALID', transientError: true, message: 'GitHub answered 503' });
    } finally {
      fake.outage = false;
    }
    expect(await describeIt(id)).toMatchObject({ status: 'INVALID', message: refused.message, lastValidated });
  });

  it('cuts a long message at 4096 characters, ending with " (truncated)", and never repeats the secret', async () => {
    const long = await validate(await create('github', { token: 'bad-long-token' }, { baseUrl: fake.url }));
    expect(long.message).toHaveLength(4096);
    expect(long.message!.endsWith(' (truncated)')).toBe(true);
    const echoed = await validate(await create('github', { token: 'bad-echo-s3cr3t-value' }, { baseUrl: fake.url }));
    expect(echoed.message).toBe('GitHub refused the credentials (401): Bad credentials: the token [secret] is not valid');
  });

  it('a git provider at its cloud calls the public API (refused here: the test resolves no names)', async () => {
    const id = await create('github', { token: 'good-token' });
    const result = await validate(id);
    // api.github.com is a public endpoint; this test's resolver refuses every name, which is transient.
    expect(result).toMatchObject({ transientError: true, message: expect.stringContaining('api.github.com could not be resolved') });
  });
});

describe('force', () => {
  it('sets an INVALID credential to AVAILABLE without probing, and is 409 for any other', async () => {
    const id = await create('github', { token: 'bad-token' }, { baseUrl: fake.url });
    expect((await validate(id)).status).toBe('INVALID');
    const probes = fake.requests.length;
    expect(await validate(id, '?force=true')).toEqual({ status: 'AVAILABLE', message: null, transientError: false });
    expect(fake.requests.length).toBe(probes);
    expect(await describeIt(id)).toMatchObject({ status: 'AVAILABLE', message: null });
    const again = await rest(server, alice.token, 'POST', `/api/credentials/${id}/validate?force=true`);
    expect(again).toMatchObject({ status: 409, body: { message: expect.stringContaining('is not INVALID') } });
    const viaGraphql = await gql(server, alice.token, `mutation { validateCredential(id: "${id}", force: true) { __typename ... on Error { message } } }`);
    expect(viaGraphql.body.data!.validateCredential.__typename).toBe('CredentialNotInvalidError');
  });

  it('an update of the keys forgets the verdict on the old ones; a rename keeps it', async () => {
    const id = await create('github', { token: 'bad-token' }, { baseUrl: fake.url });
    await validate(id);
    const rename = await rest(server, alice.token, 'PUT', `/api/credentials/${id}`, {
      credentials: { name: 'renamed-invalid', provider: 'github', baseUrl: fake.url, keys: {} },
    });
    expect(rename.status).toBe(204);
    expect((await describeIt(id)).status).toBe('INVALID');
    await rest(server, alice.token, 'PUT', `/api/credentials/${id}`, {
      credentials: { name: 'renamed-invalid', provider: 'github', baseUrl: fake.url, keys: { token: 'good-new' } },
    });
    expect(await describeIt(id)).toMatchObject({ status: 'AVAILABLE', message: null, lastValidated: null });
  });
});

describe('the other network probes', () => {
  it('container registry: the /v2/ token flow (https first, then http for an allowed host)', async () => {
    const good = await create('container-reg', { userName: 'robot', password: 'good-pass', registry: fake.host });
    expect(await validate(good)).toMatchObject({ status: 'AVAILABLE' });
    const tokenRequest = fake.requests.filter((r) => r.path === '/token').at(-1)!;
    expect(tokenRequest.headers.authorization).toBe(`Basic ${Buffer.from('robot:good-pass').toString('base64')}`);
    const bad = await validate(await create('container-reg', { userName: 'robot', password: 'bad-pass', registry: fake.host }));
    expect(bad).toMatchObject({ status: 'INVALID', message: expect.stringContaining('incorrect username or password') });
    expect(await validate(await create('container-reg', { userName: 'robot', password: 'flaky-pass', registry: fake.host }))).toMatchObject({
      transientError: true,
    });
  });

  it('AWS: STS GetCallerIdentity signed with Signature Version 4 by the AWS SDK', async () => {
    const secretKey = 'A'.repeat(40);
    const good = await validate(await create('aws', { accessKey: 'AKIAGOOD000000000000', secretKey }));
    expect(good).toMatchObject({ status: 'AVAILABLE' });
    const call = fake.requests.filter((r) => r.path.startsWith('/sts')).at(-1)!;
    expect(call.method).toBe('POST');
    expect(call.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIAGOOD000000000000\/\d{8}\/us-east-1\/sts\/aws4_request, SignedHeaders=.*host.*x-amz-date.*, Signature=[0-9a-f]{64}$/,
    );
    const bad = await validate(await create('aws', { accessKey: 'AKIABADX000000000000', secretKey }));
    expect(bad).toMatchObject({ status: 'INVALID', message: expect.stringContaining('The security token included in the request is invalid.') });
    expect(bad.message).toContain('(403)');
    expect(await validate(await create('aws', { accessKey: 'AKIAFLAK000000000000', secretKey }))).toMatchObject({ status: 'AVAILABLE', transientError: true });
    expect(await validate(await create('aws', { accessKey: 'AKIASLOW000000000000', secretKey }))).toMatchObject({ transientError: true });
    // Offline: a malformed key id never reaches STS; role mode checks the role ARN.
    const calls = fake.requests.length;
    expect(await validate(await create('aws', { accessKey: 'not-a-key', secretKey }))).toMatchObject({
      status: 'INVALID',
      message: expect.stringMatching(/^accessKey is not an AWS access key id/),
    });
    expect(await validate(await create('aws', { mode: 'role', assumeRoleArn: 'role/pipelines' }))).toMatchObject({ status: 'INVALID' });
    expect(fake.requests.length).toBe(calls);
    // A role is assumed with the service's own AWS identity (short-lived.test.ts): this server has none.
    expect(await validate(await create('aws', { mode: 'role', assumeRoleArn: 'arn:aws:iam::123456789012:role/pipelines' }))).toMatchObject({
      transientError: true,
      message: expect.stringMatching(/no AWS identity of its own .*AWS_ACCESS_KEY_ID/),
    });
  });

  it('Google: the service-account key signs an assertion exchanged at its token_uri', async () => {
    const key = (trusted: boolean, pkcs1 = false) => {
      const pair = nextPair();
      if (trusted) fake.trust(pair.publicKey);
      return JSON.stringify({
        type: 'service_account',
        client_email: 'pipelines@project.iam.gserviceaccount.com',
        private_key_id: 'k1',
        // PKCS#8 as Google issues it; a PKCS#1 key (converted by hand) is accepted too.
        private_key: pair.privateKey.export({ type: pkcs1 ? 'pkcs1' : 'pkcs8', format: 'pem' }),
        token_uri: `${fake.url}/token`,
      });
    };
    expect(await validate(await create('google', { data: key(true) }))).toMatchObject({ status: 'AVAILABLE' });
    expect(await validate(await create('google', { data: key(true, true) }))).toMatchObject({ status: 'AVAILABLE' });
    expect(await validate(await create('google', { data: key(false) }))).toMatchObject({
      status: 'INVALID',
      message: 'Google refused the key: Invalid JWT Signature.',
    });
    expect(await validate(await create('google', { data: JSON.stringify({ type: 'authorized_user' }) }))).toMatchObject({
      status: 'INVALID',
      message: expect.stringContaining('service account key'),
    });
    expect(
      await validate(await create('google', { data: JSON.stringify({ type: 'service_account', client_email: 'a@b', private_key: 'nope' }) })),
    ).toMatchObject({
      status: 'INVALID',
      message: expect.stringMatching(/^data\.private_key cannot be read/),
    });
  });

  it('GitHub App: its private key signs a JWT that GET /app accepts', async () => {
    const app = (trusted: boolean) => {
      const pair = nextPair();
      if (trusted) fake.trust(pair.publicKey);
      return { appId: '4242', privateKey: pair.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString() };
    };
    expect(await validate(await create('github_app', app(true), { baseUrl: fake.url }))).toMatchObject({ status: 'AVAILABLE' });
    expect(await validate(await create('github_app', app(false), { baseUrl: fake.url }))).toMatchObject({
      status: 'INVALID',
      message: expect.stringContaining('(401)'),
    });
    expect(await validate(await create('github_app', { appId: '1', privateKey: 'not a key' }, { baseUrl: fake.url }))).toMatchObject({
      status: 'INVALID',
      message: expect.stringMatching(/^privateKey cannot be read/),
    });
  });
});

/** A private key as `ssh-keygen` writes it (OpenSSH format), encrypted when a passphrase is given. */
function sshKeygen(type: 'ed25519' | 'ecdsa', passphrase: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ssh-'));
  try {
    execFileSync('ssh-keygen', ['-q', '-t', type, '-a', '4', '-N', passphrase, '-C', '', '-f', join(dir, 'key')]);
    return readFileSync(join(dir, 'key'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('offline checks', () => {
  it('SSH: the key parses and its passphrase opens it', async () => {
    // Keys made by OpenSSH itself: ssh2's own generator writes about one encrypted key in 300 that neither ssh2
    // nor ssh-keygen can open ("Malformed OpenSSH private key"), which made this test fail now and then.
    const encrypted = sshKeygen('ed25519', 'open sesame');
    const plain = sshKeygen('ecdsa', '');
    const calls = fake.requests.length;
    expect(await validate(await create('ssh', { privateKey: plain }))).toMatchObject({ status: 'AVAILABLE' });
    expect(await validate(await create('ssh', { privateKey: encrypted, passphrase: 'open sesame' }))).toMatchObject({ status: 'AVAILABLE' });
    expect(await validate(await create('ssh', { privateKey: encrypted, passphrase: 'wrong' }))).toEqual({
      status: 'INVALID',
      message: 'privateKey is encrypted and the passphrase does not open it',
      transientError: false,
    });
    expect(await validate(await create('ssh', { privateKey: encrypted }))).toMatchObject({
      status: 'INVALID',
      message: 'privateKey is encrypted and no passphrase was given',
    });
    expect(fake.requests.length).toBe(calls);
  });

  it('Kubernetes: the certificate parses, has not expired, and belongs to the private key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'k8s-'));
    try {
      const cert = (name: string, days: number) => {
        execFileSync(
          'openssl',
          [
            'req',
            '-x509',
            '-newkey',
            'ec',
            '-pkeyopt',
            'ec_paramgen_curve:P-256',
            '-nodes',
            '-keyout',
            join(dir, `${name}.key`),
            '-out',
            join(dir, `${name}.crt`),
            '-days',
            String(days),
            '-subj',
            `/CN=${name}`,
          ],
          { stdio: 'ignore' },
        );
        return { certificate: readFileSync(join(dir, `${name}.crt`), 'utf8'), privateKey: readFileSync(join(dir, `${name}.key`), 'utf8') };
      };
      const a = cert('a', 30);
      const b = cert('b', 30);
      expect(await validate(await create('k8s', a))).toMatchObject({ status: 'AVAILABLE' });
      expect(await validate(await create('k8s', { certificate: a.certificate, privateKey: b.privateKey }))).toMatchObject({
        status: 'INVALID',
        message: 'privateKey is not the key of certificate',
      });
      expect(await validate(await create('k8s', { certificate: 'nope', privateKey: a.privateKey }))).toMatchObject({
        status: 'INVALID',
        message: expect.stringMatching(/^certificate cannot be read/),
      });
      expect(await validate(await create('k8s', { token: 'a-service-account-token' }))).toMatchObject({ status: 'AVAILABLE' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Azure: account names, keys and ids have their forms', async () => {
    const key = randomBytes(64).toString('base64');
    expect(await validate(await create('azure', { batchName: 'batch1', storageName: 'store1', batchKey: key, storageKey: key }))).toMatchObject({
      status: 'AVAILABLE',
    });
    expect(await validate(await create('azure', { batchName: 'batch1', storageName: 'store1', batchKey: 'short', storageKey: key }))).toMatchObject({
      status: 'INVALID',
      message: 'batchKey is not an account key (88 characters of base64)',
    });
    expect(
      await validate(await create('azure_entra', { tenantId: 'not-a-guid', clientId: '0f8fad5b-d9cb-469f-a165-70867728950e', clientSecret: 's' })),
    ).toMatchObject({
      status: 'INVALID',
      message: 'tenantId is not a GUID',
    });
  });
});

describe('setup snippet', () => {
  it('describe of an AWS credential in role mode returns the trust policy for the configured principal and its external id', async () => {
    const id = await create('aws', { mode: 'role', assumeRoleArn: 'arn:aws:iam::123456789012:role/pipelines' }, {}, '?useExternalId=true');
    const described = await rest(server, alice.token, 'GET', `/api/credentials/${id}`);
    const externalId = described.body.credentials.keys.externalId;
    expect(externalId).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(JSON.parse(described.body.setupSnippet)).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: TRUST_ARN }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': externalId } } }],
    });
    const viaGraphql = await gql(server, alice.token, `{ credential(id: "${id}") { ... on Credential { setupSnippet } } }`);
    expect(viaGraphql.body.data!.credential.setupSnippet).toBe(described.body.setupSnippet);
    // Not in keys mode, nor in a list.
    const keys = await create('aws', { accessKey: 'AKIAGOOD000000000000', secretKey: 'A'.repeat(40) });
    expect('setupSnippet' in (await rest(server, alice.token, 'GET', `/api/credentials/${keys}`)).body).toBe(false);
    expect(
      (await gql(server, alice.token, `{ credential(id: "${keys}") { ... on Credential { setupSnippet } } }`)).body.data!.credential.setupSnippet,
    ).toBeNull();
  });

  it('is absent without AWS_TRUST_PRINCIPAL_ARN', async () => {
    const plain = await startServer();
    try {
      const user = await plain.newUser();
      const created = await rest(plain, user.token, 'POST', '/api/credentials?useExternalId=true', {
        credentials: { name: 'role', provider: 'aws', keys: { mode: 'role', assumeRoleArn: 'arn:aws:iam::123456789012:role/x' } },
      });
      const described = await rest(plain, user.token, 'GET', `/api/credentials/${created.body.credentialsId}`);
      expect(described.body.credentials.keys.externalId).toBeTruthy();
      expect('setupSnippet' in described.body).toBe(false);
    } finally {
      await plain.close();
    }
  });
});

describe('as clients use it', () => {
  it('replays `tw credentials validate` in a workspace: describe, then POST validate (responses as the OpenAPI document declares)', async () => {
    const { workspaces } = server.services;
    await workspaces.createOrganization(OPERATOR, 'tw', alice.name);
    const ws = (await workspaces.createWorkspace(OPERATOR, { name: 'tw' }, 'ci')).id;
    await workspaces.addParticipant(OPERATOR, { id: String(ws) }, alice.name, 'OWNER');
    const id = await create('github', { token: 'bad-token' }, { baseUrl: fake.url }, `?workspaceId=${ws}`);
    // `rest` checks each answer against the served OpenAPI document.
    const described = await rest(server, alice.token, 'GET', `/api/credentials/${id}?workspaceId=${ws}`);
    expect(described.body.credentials).toMatchObject({ status: 'AVAILABLE', message: null, lastValidated: null });
    const validated = await rest(server, alice.token, 'POST', `/api/credentials/${id}/validate?workspaceId=${ws}`);
    expect(validated.body).toMatchObject({ status: 'INVALID', transientError: false }); // tw exits 1
    const again = await rest(server, alice.token, 'GET', `/api/credentials/${id}?workspaceId=${ws}`);
    expect(again.body.credentials).toMatchObject({ status: 'INVALID', message: validated.body.message });
    // Who may validate: whoever may update (LAUNCH may not).
    const launcher = await server.newUser('tw-launch');
    await workspaces.addParticipant(OPERATOR, { id: String(ws) }, launcher.name, 'LAUNCH');
    expect((await rest(server, launcher.token, 'POST', `/api/credentials/${id}/validate?workspaceId=${ws}`)).status).toBe(403);
    const audit = await server.db.auditEvent.findMany({ where: { targetId: id, action: 'credential.validate' } });
    expect(audit).toEqual([expect.objectContaining({ workspaceId: ws, actor: alice.userId, door: 'rest', detail: 'INVALID' })]);
  });

  it('GraphQL: status, message and lastValidated on Credential; validateCredential', async () => {
    const id = await create('github', { token: 'bad-token' }, { baseUrl: fake.url });
    const result = await gql(
      server,
      alice.token,
      `mutation { validateCredential(id: "${id}") { __typename ... on MutationValidateCredentialSuccess { data { status message transientError } } } }`,
    );
    expect(result.body.data!.validateCredential.data).toEqual({
      status: 'INVALID',
      message: 'GitHub refused the credentials (401): Bad credentials',
      transientError: false,
    });
    const read = await gql(server, alice.token, `{ credential(id: "${id}") { ... on Credential { status message lastValidated } } }`);
    expect(read.body.data!.credential).toMatchObject({
      status: 'INVALID',
      message: 'GitHub refused the credentials (401): Bad credentials',
      lastValidated: expect.any(String),
    });
  });

  it('metrics: validations by outcome, and the INVALID credentials of each provider', async () => {
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/credential_validations_total\{provider="github",outcome="invalid"\} [1-9]/);
    expect(metrics).toMatch(/credential_validations_total\{provider="github",outcome="transient"\} [1-9]/);
    const invalid = await server.db.credential.count({ where: { provider: 'github', status: 'INVALID', deleted: null } });
    expect(invalid).toBeGreaterThan(0);
    expect(metrics).toContain(`credentials_invalid{provider="github"} ${invalid}`);
    expect(metrics).toContain('credentials_invalid{provider="tw-agent"} 0');
  });
});
