/**
 * Paired services and key delivery, through both doors on a real database:
 * the JWE is opened here with `jose` and the private key the test generated
 * (as a paired service would), expired ones are refused by the opening side,
 * and every refusal (VIEW role, `read` scope, foreign or unknown ids, unknown
 * pairings) is checked. No plaintext secret appears anywhere but in the JWE.
 */

import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { compactDecrypt, decodeProtectedHeader, errors as joseErrors, jwtDecrypt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR } from '../../src/core/caller.js';
import { rsaKeyPair } from '../helpers/keys.js';
import { rest } from '../helpers/rest.js';
import { gql, withServer } from '../helpers/server.js';

const {
  server,
  users: { alice, bob },
} = withServer({ users: ['alice', 'bob'] });
const rsa = rsaKeyPair();
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
let rsaPairing: string;
let ecPairing: string;

const pem = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString();
const SECRETS = { token: 'ghp_delivery-secret-1', password: 'delivery-secret-2' };

async function createGithub(token: string, name: string, query = ''): Promise<string> {
  const created = await rest(server, token, 'POST', `/api/credentials${query}`, {
    credentials: { name, provider: 'github', keys: { username: 'octo', ...SECRETS } },
  });
  expect(created.status, created.text).toBe(200);
  return created.body.credentialsId;
}

beforeAll(async () => {
  rsaPairing = (await server.services.pairings.add('wave', pem(rsa.publicKey))).id;
  ecPairing = (await server.services.pairings.add('agent', pem(ec.publicKey))).id;
});

describe('pairings', () => {
  it('accept RSA of 2048 bits or more and EC P-256 public keys, with the algorithm and the fingerprint of the key', async () => {
    const listed = await gql(server, alice.token, '{ pairings { id name algorithm fingerprint createdAt } }');
    const byName = Object.fromEntries(listed.body.data!.pairings.map((p: any) => [p.name, p]));
    const fingerprint = (key: KeyObject) =>
      createHash('sha256')
        .update(key.export({ type: 'spki', format: 'der' }))
        .digest('base64url');
    expect(byName.wave).toMatchObject({ id: rsaPairing, algorithm: 'RSA-OAEP-256', fingerprint: fingerprint(rsa.publicKey) });
    expect(byName.agent).toMatchObject({ id: ecPairing, algorithm: 'ECDH-ES+A256KW', fingerprint: fingerprint(ec.publicKey) });
  });

  it('refuse other keys, private keys, garbage and a key paired already, each saying why', async () => {
    const cases: [string, RegExp][] = [
      [pem(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey), /at least 2048 bits \(this one has 1024\)/],
      [pem(generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey), /P-256 \(this one is on secp384r1\)/],
      [pem(generateKeyPairSync('ed25519').publicKey), /Only RSA .* and EC P-256 .* \(this one is ed25519\)/],
      [rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), /This is a private key/],
      ['-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----', /cannot be read/],
    ];
    for (const [key, message] of cases) await expect(server.services.pairings.add(`refused-${Math.random()}`, key)).rejects.toThrow(message);
    await expect(server.services.pairings.add('wave-again', pem(rsa.publicKey))).rejects.toThrow(/exists already/);
    await expect(server.services.pairings.add('wave', pem(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey))).rejects.toThrow(/exists already/);
    expect(await server.db.pairing.count()).toBe(2);
  });
});

describe('key delivery', () => {
  it('delivers a JWE only the paired service opens, with every key field, secret ones included, valid for five minutes', async () => {
    const id = await createGithub(alice.token, 'delivered');
    for (const [pairing, privateKey, alg] of [
      [rsaPairing, rsa.privateKey, 'RSA-OAEP-256'],
      [ecPairing, ec.privateKey, 'ECDH-ES+A256KW'],
    ] as const) {
      const result = await rest(server, alice.token, 'GET', `/api/credentials/${id}/keys?pairingId=${pairing}&keyId=ignored-by-design`);
      expect(result.status, result.text).toBe(200);
      const jwe: string = result.body.keys;
      expect(jwe.split('.')).toHaveLength(5); // compact serialization
      expect(decodeProtectedHeader(jwe)).toEqual({ alg, enc: 'A256GCM', kid: pairing, ...(alg === 'ECDH-ES+A256KW' ? { epk: expect.any(Object) } : {}) });
      const { payload } = await jwtDecrypt(jwe, privateKey);
      expect(payload).toMatchObject({ credentialsId: id, provider: 'github', keys: { username: 'octo', token: SECRETS.token, password: SECRETS.password } });
      expect(Object.keys(payload.keys as object).sort()).toEqual(['password', 'token', 'username']);
      expect(payload.exp! - payload.iat!).toBe(300);
      expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(30);
      // The other service's private key cannot open it.
      await expect(compactDecrypt(jwe, alg === 'RSA-OAEP-256' ? ec.privateKey : rsa.privateKey)).rejects.toThrow();
    }
  });

  it("carries the seed API's generic pair when a seed-era client stored it", async () => {
    const created = await rest(server, alice.token, 'POST', '/api/credentials', {
      credentials: { name: 'seed-era', provider: 'github', keys: { accessKey: 'FKIC2OSY9QYNOGDPTS6R', secretKey: 'seed-secret-value' } },
    });
    const { body } = await rest(server, alice.token, 'GET', `/api/credentials/${created.body.credentialsId}/keys?pairingId=${rsaPairing}`);
    const { payload } = await jwtDecrypt(body.keys, rsa.privateKey);
    expect(payload.keys).toEqual({ username: null, password: null, token: null, accessKey: 'FKIC2OSY9QYNOGDPTS6R', secretKey: 'seed-secret-value' });
  });

  it('is refused by the opening side once expired', async () => {
    const id = await createGithub(alice.token, 'expiring');
    const { body } = await rest(server, alice.token, 'GET', `/api/credentials/${id}/keys?pairingId=${rsaPairing}`);
    await expect(jwtDecrypt(body.keys, rsa.privateKey, { currentDate: new Date(Date.now() + 301_000) })).rejects.toBeInstanceOf(joseErrors.JWTExpired);
    await expect(jwtDecrypt(body.keys, rsa.privateKey, { currentDate: new Date(Date.now() + 240_000) })).resolves.toBeDefined();
  });

  it('through GraphQL: the same JWE, or typed errors', async () => {
    const id = await createGithub(alice.token, 'graphql-delivered');
    const QUERY = `query($id: ID!, $pairing: ID!) { credentialKeys(id: $id, pairingId: $pairing) {
      __typename ... on QueryCredentialKeysSuccess { data } ... on Error { message } } }`;
    const ok = await gql(server, alice.token, QUERY, { id, pairing: ecPairing });
    const { payload } = await jwtDecrypt(ok.body.data!.credentialKeys.data, ec.privateKey);
    expect(payload).toMatchObject({ credentialsId: id, keys: { token: SECRETS.token } });
    expect((await gql(server, alice.token, QUERY, { id, pairing: 'P'.repeat(22) })).body.data!.credentialKeys).toEqual({
      __typename: 'PairingNotFoundError',
      message: `No paired service '${'P'.repeat(22)}'`,
    });
    expect((await gql(server, bob.token, QUERY, { id, pairing: ecPairing })).body.data!.credentialKeys.__typename).toBe('CredentialNotFoundError');
  });

  it('through the mutation deliverCredentialKeys (a delivery writes): the same JWE and errors, for a keys:read token too', async () => {
    const id = await createGithub(alice.token, 'mutation-delivered');
    const keysRead = (await server.services.tokens.createToken(alice.userId, 'agent-mutation', { actor: 'operator', door: 'cli' }, { scope: 'keys:read' }))
      .token;
    const MUTATION = `mutation($id: ID!, $pairing: ID!) { deliverCredentialKeys(id: $id, pairingId: $pairing) {
      __typename ... on MutationDeliverCredentialKeysSuccess { data } ... on Error { message } } }`;
    for (const token of [alice.token, keysRead]) {
      const ok = await gql(server, token, MUTATION, { id, pairing: ecPairing });
      const { payload } = await jwtDecrypt(ok.body.data!.deliverCredentialKeys.data, ec.privateKey);
      expect(payload).toMatchObject({ credentialsId: id, keys: { token: SECRETS.token } });
    }
    expect((await gql(server, alice.token, MUTATION, { id, pairing: 'P'.repeat(22) })).body.data!.deliverCredentialKeys.__typename).toBe(
      'PairingNotFoundError',
    );
    expect((await gql(server, bob.token, MUTATION, { id, pairing: ecPairing })).body.data!.deliverCredentialKeys.__typename).toBe('CredentialNotFoundError');
    // Recorded as a delivery, like the query's.
    const delivered = await server.db.auditEvent.findMany({ where: { targetId: id, action: 'credential.deliver' } });
    expect(delivered.length).toBe(2);
  });

  it('refuses an unknown pairing (400), a missing one (400), and foreign, deleted or unknown credentials (403)', async () => {
    const id = await createGithub(alice.token, 'refusals');
    expect(await rest(server, alice.token, 'GET', `/api/credentials/${id}/keys?pairingId=nope`)).toMatchObject({
      status: 400,
      body: { message: "No paired service 'nope'" },
    });
    expect(await rest(server, alice.token, 'GET', `/api/credentials/${id}/keys`)).toMatchObject({ status: 400, body: { message: 'pairingId: is required' } });
    expect(await rest(server, bob.token, 'GET', `/api/credentials/${id}/keys?pairingId=${rsaPairing}`)).toMatchObject({
      status: 403,
      body: { message: 'Forbidden' },
    });
    expect((await rest(server, alice.token, 'GET', `/api/credentials/${'A'.repeat(22)}/keys?pairingId=${rsaPairing}`)).status).toBe(403);
    expect((await rest(server, alice.token, 'DELETE', `/api/credentials/${id}`)).status).toBe(204);
    expect((await rest(server, alice.token, 'GET', `/api/credentials/${id}/keys?pairingId=${rsaPairing}`)).status).toBe(403);
    // A removed pairing receives nothing more.
    const removable = await server.services.pairings.add('removable', pem(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey));
    await server.services.pairings.remove(removable.id);
    const other = await createGithub(alice.token, 'after-removal');
    expect((await rest(server, alice.token, 'GET', `/api/credentials/${other}/keys?pairingId=${removable.id}`)).status).toBe(400);
  });

  it('records the last use (both doors), an audit event naming the pairing, and a delivery metric; the secret is nowhere else', async () => {
    const id = await createGithub(alice.token, 'used');
    const before = await rest(server, alice.token, 'GET', `/api/credentials/${id}`);
    expect(before.body.credentials.lastUsed).toBeNull();
    const started = Date.now();
    expect((await rest(server, alice.token, 'GET', `/api/credentials/${id}/keys?pairingId=${rsaPairing}`)).status).toBe(200);
    const after = await rest(server, alice.token, 'GET', `/api/credentials/${id}`);
    const lastUsed = Date.parse(after.body.credentials.lastUsed);
    expect(lastUsed).toBeGreaterThanOrEqual(started - 1000);
    const viaGraphql = await gql(server, alice.token, `{ credential(id: "${id}") { ... on Credential { lastUsed } } }`);
    expect(Date.parse(viaGraphql.body.data!.credential.lastUsed)).toBe(lastUsed);

    const events = await server.db.auditEvent.findMany({ where: { targetId: id, action: 'credential.deliver' } });
    expect(events).toEqual([expect.objectContaining({ actor: alice.userId, door: 'rest', detail: `pairing ${rsaPairing}`, ownerUserId: alice.userId })]);

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/credential_deliveries_total\{provider="github",outcome="delivered"\} [1-9]/);
    expect(metrics).toMatch(/credential_deliveries_total\{provider="github",outcome="unknown_pairing"\} [1-9]/);

    // Nowhere but in the sealed column: not the audit trail, the other columns, nor the log.
    const everything = JSON.stringify([
      await server.db.auditEvent.findMany(),
      await server.db.credential.findMany({ omit: { secret: true } }),
      await server.db.pairing.findMany(),
    ]);
    for (const secret of Object.values(SECRETS)) {
      expect(everything).not.toContain(secret);
      expect(server.logs.join('')).not.toContain(secret);
    }
  });
  it('concurrent deliveries, recorded together in one commit, each get their own audit event and JWE; a deleted credential fails alone', async () => {
    const [kept, gone] = [await createGithub(alice.token, 'burst-kept'), await createGithub(alice.token, 'burst-gone')];
    const keys = (id: string) => rest(server, alice.token, 'GET', `/api/credentials/${id}/keys?pairingId=${rsaPairing}`);
    // Deleted through the domain while its deliveries wait in the same batch as the others.
    const deliveries = Array.from({ length: 20 }, (_, i) => keys(i % 5 === 4 ? gone : kept));
    await server.services.credentials.delete({ userId: alice.userId, door: 'cli', scope: 'all' }, gone);
    const answers = await Promise.all(deliveries);
    const delivered = answers.filter((a) => a.status === 200);
    expect(delivered.length).toBeGreaterThanOrEqual(16);
    for (const a of answers.filter((a) => a.status !== 200)) expect(a.status).toBe(403); // not found looks like forbidden here
    const jwes = new Set(delivered.map((a) => a.body.keys as string));
    expect(jwes.size).toBe(delivered.length);
    const { payload } = await jwtDecrypt(delivered[0]!.body.keys, rsa.privateKey);
    expect(payload).toMatchObject({ provider: 'github', keys: { username: 'octo', ...SECRETS } });
    const events = await server.db.auditEvent.findMany({ where: { targetId: { in: [kept, gone] }, action: 'credential.deliver' } });
    expect(events).toHaveLength(delivered.length);
  });
});

describe('who may fetch keys', () => {
  it('in a workspace: OWNER, ADMIN, MAINTAIN, LAUNCH and CONNECT, not VIEW (both doors)', async () => {
    const { workspaces } = server.services;
    await workspaces.createOrganization(OPERATOR, 'delivery', alice.name);
    const ws = (await workspaces.createWorkspace(OPERATOR, { name: 'delivery' }, 'pipelines')).id;
    await workspaces.addParticipant(OPERATOR, { id: String(ws) }, alice.name, 'OWNER');
    const id = await createGithub(alice.token, 'shared', `?workspaceId=${ws}`);
    for (const role of ['ADMIN', 'MAINTAIN', 'LAUNCH', 'CONNECT', 'VIEW'] as const) {
      const member = await server.newUser(`member-${role.toLowerCase()}`);
      await workspaces.addParticipant(OPERATOR, { id: String(ws) }, member.name, role);
      const viaRest = await rest(server, member.token, 'GET', `/api/credentials/${id}/keys?pairingId=${rsaPairing}&workspaceId=${ws}`);
      const viaGraphql = await gql(server, member.token, `{ credentialKeys(id: "${id}", pairingId: "${rsaPairing}", workspaceId: "${ws}") { __typename } }`);
      if (role === 'VIEW') {
        expect(viaRest, role).toMatchObject({ status: 403, body: { message: 'Forbidden' } });
        expect(viaGraphql.body.data!.credentialKeys.__typename, role).toBe('ForbiddenError');
      } else {
        expect(viaRest.status, role).toBe(200);
        expect((await jwtDecrypt(viaRest.body.keys, rsa.privateKey)).payload.keys).toMatchObject({ token: SECRETS.token });
        expect(viaGraphql.body.data!.credentialKeys.__typename, role).toBe('QueryCredentialKeysSuccess');
      }
    }
    // Fetched in the workspace: its audit row says so.
    const events = await server.db.auditEvent.findMany({ where: { targetId: id, action: 'credential.deliver' } });
    expect(events.filter((e) => e.door === 'rest')).toHaveLength(4);
    expect(events.filter((e) => e.door === 'graphql')).toHaveLength(4);
    expect(events.every((e) => e.workspaceId === ws && e.ownerUserId === null)).toBe(true);
  });

  it('scoped tokens: keys:read lists, describes and fetches keys but changes nothing; read and write fetch no keys', async () => {
    const id = await createGithub(alice.token, 'scoped');
    const scoped = async (scope: string) =>
      (await server.services.tokens.createToken(alice.userId, `agent-${scope}`, { actor: 'operator', door: 'cli' }, { scope })).token;
    const keysRead = await scoped('keys:read');
    const readOnly = await scoped('read');
    const write = await scoped('write');
    const keysPath = `/api/credentials/${id}/keys?pairingId=${rsaPairing}`;
    const change = { credentials: { name: 'scoped-change', provider: 'github', keys: { token: 't' } } };

    expect((await rest(server, keysRead, 'GET', '/api/credentials')).status).toBe(200);
    expect((await rest(server, keysRead, 'GET', `/api/credentials/${id}`)).status).toBe(200);
    expect((await rest(server, keysRead, 'GET', keysPath)).status).toBe(200);
    for (const token of [keysRead, readOnly]) {
      expect(await rest(server, token, 'POST', '/api/credentials', change)).toMatchObject({ status: 403, body: { message: 'Forbidden' } });
      expect((await rest(server, token, 'PUT', `/api/credentials/${id}`, change)).status).toBe(403);
      expect((await rest(server, token, 'DELETE', `/api/credentials/${id}`)).status).toBe(403);
      expect((await rest(server, token, 'POST', `/api/credentials/${id}/validate`)).status).toBe(403);
      const created = await gql(server, token, `mutation { createCredential(input: {name: "x", keys: {github: {token: "t"}}}) { __typename } }`);
      expect(created.body.data!.createCredential.__typename).toBe('ForbiddenError');
    }
    for (const token of [readOnly, write]) {
      expect(await rest(server, token, 'GET', keysPath)).toMatchObject({ status: 403, body: { message: 'Forbidden' } });
      const fetched = await gql(server, token, `{ credentialKeys(id: "${id}", pairingId: "${rsaPairing}") { __typename ... on Error { message } } }`);
      expect(fetched.body.data!.credentialKeys).toEqual({
        __typename: 'ForbiddenError',
        message: expect.stringMatching(/scope \((read|write)\) does not allow this/),
      });
    }
    expect((await rest(server, write, 'PUT', `/api/credentials/${id}`, { credentials: { name: 'scoped', provider: 'github', keys: {} } })).status).toBe(204);
    // Nothing was changed by the refused tokens; the scope is shown with the tokens.
    expect(await server.db.credential.count({ where: { name: 'scoped-change' } })).toBe(0);
    const tokens = await gql(server, alice.token, '{ viewer { tokens { name scope } } }');
    expect(tokens.body.data!.viewer.tokens).toEqual(
      expect.arrayContaining([
        { name: 'agent-keys:read', scope: 'keys:read' },
        { name: 'agent-read', scope: 'read' },
        { name: 'agent-write', scope: 'write' },
        { name: 'test', scope: 'all' },
      ]),
    );
    await expect(server.services.tokens.createToken(alice.userId, 'bad', { actor: 'operator', door: 'cli' }, { scope: 'admin' })).rejects.toThrow(
      /scope: must be one of all, read, write, keys:read/,
    );
    // A keys:read token may not revoke tokens either.
    const revoke = await gql(server, keysRead, `mutation { revokeAccessToken(id: "${'A'.repeat(22)}") { __typename } }`);
    expect(revoke.body.data!.revokeAccessToken.__typename).toBe('ForbiddenError');
  });
});

// The public key a pairing stores is the one given: a service proves it with its private key.
it('stores the public key as given (SubjectPublicKeyInfo PEM)', async () => {
  const stored = await server.db.pairing.findUniqueOrThrow({ where: { id: rsaPairing } });
  expect(
    createPublicKey(stored.publicKey)
      .export({ type: 'spki', format: 'der' })
      .equals(rsa.publicKey.export({ type: 'spki', format: 'der' })),
  ).toBe(true);
});
