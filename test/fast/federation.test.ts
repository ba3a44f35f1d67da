/**
 * The service as an OIDC issuer, and federated credentials that store no
 * secret: discovery and JWKS at PUBLIC_URL, ID tokens verified with jose
 * against the JWKS fetched from the service, a fake STS exchanging them
 * (AssumeRoleWithWebIdentity, checking issuer, audience and subject against
 * the service's JWKS), a Google workload identity credential's token and
 * setup, and signing-key rotation: old tokens verify until they expire, new
 * ones carry the new key; a key replaced a period ago leaves the JWKS.
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, jwtDecrypt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR } from '../../src/core/caller.js';
import { KeyRing } from '../../src/platform/secrets/keyring.js';
import { type FakeProviders, startFakeProviders } from '../helpers/fake-providers.js';
import { PLATFORM_KEYS } from '../helpers/fake-sts.js';
import { rsaKeyPair } from '../helpers/keys.js';
import { rest } from '../helpers/rest.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { testClock } from '../helpers/time.js';

const PUBLIC_URL = 'https://credentials.example.test';
const ROLE = 'arn:aws:iam::123456789012:role/federated';
const WIP = 'projects/123456/locations/global/workloadIdentityPools/pipelines/providers/credentials';
const rsa = rsaKeyPair();
const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const DAY = 86_400_000;

let fake: FakeProviders;
let server: TestServer;
let alice: Awaited<ReturnType<TestServer['newUser']>>;
let pairing: string;
const clock = testClock();

beforeAll(async () => {
  fake = await startFakeProviders();
  server = await startServer(
    {
      PUBLIC_URL,
      VALIDATION_ALLOWED_HOSTS: fake.host,
      AWS_STS_ENDPOINT: `${fake.url}/sts`,
      AWS_ACCESS_KEY_ID: PLATFORM_KEYS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: PLATFORM_KEYS.secretAccessKey,
    },
    { clock: clock.now },
  );
  alice = await server.newUser('federated-user');
  pairing = (await server.services.pairings.add('ci', pem)).id;
});
afterAll(async () => {
  await server.close();
  await fake.close();
});

const jwksUrl = () => new URL(`${server.url}/.well-known/jwks.json`);

async function create(name: string, provider: string, keys: Record<string, unknown>): Promise<string> {
  const created = await rest(server, alice.token, 'POST', '/api/credentials', { credentials: { name, provider, keys } });
  expect(created.status, created.text).toBe(200);
  return created.body.credentialsId;
}

async function deliver(id: string): Promise<Record<string, string | null>> {
  const result = await rest(server, alice.token, 'GET', `/api/credentials/${id}/keys?pairingId=${pairing}`);
  expect(result.status, result.text).toBe(200);
  return (await jwtDecrypt(result.body.keys, rsa.privateKey)).payload.keys as Record<string, string | null>;
}

describe('the issuer', () => {
  it('publishes its discovery document and JWKS at PUBLIC_URL, without a token, cacheable', async () => {
    const discovery = await fetch(`${server.url}/.well-known/openid-configuration`);
    expect(discovery.status).toBe(200);
    expect(discovery.headers.get('cache-control')).toBe('public, max-age=300');
    expect(await discovery.json()).toMatchObject({
      issuer: PUBLIC_URL,
      jwks_uri: `${PUBLIC_URL}/.well-known/jwks.json`,
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
    });
    const jwks = await fetch(jwksUrl());
    expect(jwks.headers.get('content-type')).toMatch(/^application\/jwk-set\+json/);
    const { keys } = (await jwks.json()) as { keys: Record<string, string>[] };
    expect(keys).toHaveLength(1);
    expect(keys[0]).toEqual({ kty: 'RSA', n: expect.any(String), e: 'AQAB', kid: expect.any(String), alg: 'RS256', use: 'sig' });
    // Public halves only.
    expect(Object.keys(keys[0]!)).not.toContain('d');
  });

  it('without PUBLIC_URL: 404 naming the setting, and a federated credential is refused delivery (422)', async () => {
    const plain = await startServer({});
    try {
      const answer = await fetch(`${plain.url}/.well-known/jwks.json`);
      expect(answer.status).toBe(404);
      expect(((await answer.json()) as { message: string }).message).toMatch(/not an OIDC issuer: .*PUBLIC_URL/);
      const user = await plain.newUser('no-issuer');
      const id = (
        await rest(plain, user.token, 'POST', '/api/credentials', {
          credentials: { name: 'f', provider: 'aws', keys: { mode: 'federated', assumeRoleArn: ROLE } },
        })
      ).body.credentialsId;
      const pairingId = (await plain.services.pairings.add('p', pem)).id;
      const refused = await rest(plain, user.token, 'GET', `/api/credentials/${id}/keys?pairingId=${pairingId}`);
      expect(refused.status).toBe(422);
      expect(refused.body.message).toMatch(/PUBLIC_URL/);
    } finally {
      await plain.close();
    }
  });
});

describe('a federated AWS credential', () => {
  it('stores no secret, shows the IAM OIDC provider and trust policy naming its subject, and is delivered as an ID token and the role’s session', async () => {
    const id = await create('federated', 'aws', { mode: 'federated', assumeRoleArn: ROLE });
    const subject = `user:${alice.userId}:credential:${id}`;
    expect((await server.db.credential.findUniqueOrThrow({ where: { id } })).secret).toBeNull();
    const described = (await rest(server, alice.token, 'GET', `/api/credentials/${id}`)).body;
    const snippet: string = described.setupSnippet;
    expect(snippet).toContain(`aws iam create-open-id-connect-provider --url ${PUBLIC_URL} --client-id-list sts.amazonaws.com`);
    const policy = JSON.parse(snippet.slice(snippet.indexOf('{')));
    expect(policy.Statement[0]).toEqual({
      Effect: 'Allow',
      Principal: { Federated: 'arn:aws:iam::123456789012:oidc-provider/credentials.example.test' },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: { StringEquals: { 'credentials.example.test:aud': 'sts.amazonaws.com', 'credentials.example.test:sub': subject } },
    });
    // The role trusts the issuer (its keys fetched from the service) for this audience and subject.
    fake.sts.roles.set(ROLE, { webIdentity: { issuer: PUBLIC_URL, jwksUrl: jwksUrl().href, audience: 'sts.amazonaws.com', subject } });
    const keys = await deliver(id);
    const { payload, protectedHeader } = await jwtVerify(keys.idToken!, createRemoteJWKSet(jwksUrl()), {
      issuer: PUBLIC_URL,
      audience: 'sts.amazonaws.com',
      subject,
      currentDate: new Date(clock.now()),
    });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload.exp! - payload.iat!).toBe(3600);
    expect(payload).toMatchObject({ credentials_id: id, provider: 'aws', jti: expect.any(String) });
    expect(keys.idTokenExpiration).toBe(new Date(payload.exp! * 1000).toISOString());
    // The exchange was unsigned (the token is the proof), and its session works.
    const exchange = fake.sts.calls.filter((c) => c.action === 'AssumeRoleWithWebIdentity').at(-1)!;
    expect(exchange.authorization).toBeUndefined();
    const sts = new STSClient({
      region: 'us-east-1',
      endpoint: `${fake.url}/sts`,
      credentials: { accessKeyId: keys.accessKey!, secretAccessKey: keys.secretKey!, sessionToken: keys.sessionToken! },
    });
    expect((await sts.send(new GetCallerIdentityCommand({}))).Arn).toMatch(/^arn:aws:sts::123456789012:assumed-role\/federated\//);
    // Validation makes the same exchange.
    const valid = await rest(server, alice.token, 'POST', `/api/credentials/${id}/validate`);
    expect(valid.body).toMatchObject({
      status: 'AVAILABLE',
      message: expect.stringMatching(/^assumed as arn:aws:sts::123456789012:assumed-role\/federated\//),
    });
    // A role trusting another subject refuses the exchange: a clear 422.
    fake.sts.roles.set(ROLE, { webIdentity: { issuer: PUBLIC_URL, jwksUrl: jwksUrl().href, audience: 'sts.amazonaws.com', subject: 'someone-else' } });
    const other = await create('federated-other', 'aws', { mode: 'federated', assumeRoleArn: ROLE });
    const refused = await rest(server, alice.token, 'GET', `/api/credentials/${other}/keys?pairingId=${pairing}`);
    expect(refused.status).toBe(422);
    expect(refused.body.message).toContain('AccessDenied');
  });

  it('refuses static keys in federated mode', async () => {
    const refused = await rest(server, alice.token, 'POST', '/api/credentials', {
      credentials: { name: 'mixed', provider: 'aws', keys: { mode: 'federated', assumeRoleArn: ROLE, accessKey: 'AKIAX', secretKey: 's' } },
    });
    expect(refused.status).toBe(400);
    expect(refused.text).toMatch(/must be empty in federated mode/);
  });
});

describe('a Google workload identity credential', () => {
  it('is delivered with an ID token for the provider’s audience, and shows the gcloud set-up for its subject', async () => {
    const id = await create('wif', 'google', { serviceAccountEmail: 'runner@project.iam.gserviceaccount.com', workloadIdentityProvider: WIP });
    const subject = `user:${alice.userId}:credential:${id}`;
    const keys = await deliver(id);
    const { payload } = await jwtVerify(keys.idToken!, createRemoteJWKSet(jwksUrl()), {
      issuer: PUBLIC_URL,
      audience: `//iam.googleapis.com/${WIP}`,
      currentDate: new Date(clock.now()),
    });
    expect(payload.sub).toBe(subject);
    expect(keys).toMatchObject({ workloadIdentityProvider: WIP, serviceAccountEmail: 'runner@project.iam.gserviceaccount.com', data: null });
    const snippet: string = (await rest(server, alice.token, 'GET', `/api/credentials/${id}`)).body.setupSnippet;
    expect(snippet).toContain(`--workload-identity-pool=pipelines --issuer-uri=${PUBLIC_URL}`);
    expect(snippet).toContain(`--allowed-audiences=//iam.googleapis.com/${WIP}`);
    expect(snippet).toContain(`principal://iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/pipelines/subject/${subject}`);
  });
});

describe('a Microsoft Entra app without a client secret', () => {
  it('is federated: delivered with an ID token for Entra’s audience; with a secret, as stored', async () => {
    const app = { tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47', clientId: '0f8fad5b-d9cb-469f-a165-70867728950e' };
    const id = await create('entra', 'azure_entra', app);
    const keys = await deliver(id);
    const { payload } = await jwtVerify(keys.idToken!, createRemoteJWKSet(jwksUrl()), {
      issuer: PUBLIC_URL,
      audience: 'api://AzureADTokenExchange',
      currentDate: new Date(clock.now()),
    });
    expect(payload.sub).toBe(`user:${alice.userId}:credential:${id}`);
    expect(keys).toMatchObject({ ...app, clientSecret: null });
    const withSecret = await deliver(await create('entra-secret', 'azure_entra', { ...app, clientSecret: 'entra-client-secret' }));
    expect(withSecret).toMatchObject({ clientSecret: 'entra-client-secret' });
    expect(withSecret).not.toHaveProperty('idToken');
  });
});

describe('signing-key rotation', () => {
  it('old tokens verify until they expire, new ones carry the new key, and a key replaced a period ago leaves the JWKS', async () => {
    const id = await create('rotating', 'google', { serviceAccountEmail: 'r@p.iam.gserviceaccount.com', workloadIdentityProvider: WIP });
    const before = (await deliver(id)).idToken!;
    const oldKid = decodeProtectedHeader(before).kid;
    // Not due yet: nothing changes.
    expect(await server.services.issuer.rotateIfDue()).toBeUndefined();
    clock.advance(31 * DAY);
    const newKid = await server.services.issuer.rotateIfDue();
    expect(newKid).toBeDefined();
    expect(newKid).not.toBe(oldKid);
    const published = async () => createLocalJWKSet((await (await fetch(jwksUrl())).json()) as never);
    // The old token verifies against the JWKS as published now (at its own time: it lives an hour).
    await expect(jwtVerify(before, await published(), { currentDate: new Date(clock.now() - 31 * DAY + 60_000) })).resolves.toBeDefined();
    const after = (await deliver(id)).idToken!;
    expect(decodeProtectedHeader(after).kid).toBe(newKid);
    await expect(jwtVerify(after, await published(), { currentDate: new Date(clock.now()) })).resolves.toBeDefined();
    // A period later still: the next key signs, and the first one (replaced a period ago) is gone.
    clock.advance(31 * DAY);
    await server.services.issuer.rotateIfDue();
    const kids = ((await (await fetch(jwksUrl())).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    expect(kids).toContain(newKid);
    expect(kids).not.toContain(oldKid);
    expect(kids).toHaveLength(2);
    expect(await server.db.signingKey.count()).toBe(2);
  });

  it('signing keys are sealed by the master key, counted by keys list and re-sealed by keys rotate', async () => {
    const rows = await server.db.signingKey.findMany();
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.secret).not.toContain('PRIVATE KEY');
    const primary = server.services.keys.ring.primaryId;
    expect((await server.services.rotation.usage()).get(primary)).toBeGreaterThanOrEqual(rows.length);
    const added = server.services.masterKeys.add();
    // This process reads the file it wrote at once (other servers within a second).
    expect(server.services.keys.ring.primaryId).toBe(added);
    expect(await server.services.rotation.countNotUnderPrimary()).toBeGreaterThanOrEqual(rows.length);
    for await (const progress of server.services.rotation.reseal(OPERATOR)) expect(progress.unreadable).toEqual([]);
    expect(await server.services.rotation.countNotUnderPrimary()).toBe(0);
    for (const row of await server.db.signingKey.findMany()) expect(row.secret.startsWith(KeyRing.sealedPrefix(added))).toBe(true);
    // The re-sealed key still signs (read afresh).
    await server.services.issuer.list();
    const id = await create('after-reseal', 'google', { serviceAccountEmail: 'r@p.iam.gserviceaccount.com', workloadIdentityProvider: WIP });
    const token = (await deliver(id)).idToken!;
    await expect(jwtVerify(token, createRemoteJWKSet(jwksUrl()), { currentDate: new Date(clock.now()) })).resolves.toBeDefined();
  });
});
