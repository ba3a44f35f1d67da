/**
 * Delivery to the caller's own key (GraphQL deliverSecrets, REST POST /api/deliveries): what the JWE holds, opened
 * by jose with the recipient's private key (EC P-256, RSA, X25519); the client's own opener giving jose's answer,
 * refusals included; who may (roles against the workspace's level, scopes, browser sessions, the operator's switch);
 * the limits (items, key size, a rate per user that bad requests do not spend); nothing recorded for a refusal.
 */
import { generateKeyPairSync } from 'node:crypto';
import { CompactEncrypt, calculateJwkThumbprint, EncryptJWT, importJWK, jwtDecrypt } from 'jose';
import { describe, expect, it } from 'vitest';
import { oneUseKey } from '../../client/lib/jwe.js';
import { OPERATOR } from '../../src/core/caller.js';
import { rsaKeyPair } from '../helpers/keys.js';
import { rest } from '../helpers/rest.js';
import { gql, startServer, withServer } from '../helpers/server.js';

const { server, users } = withServer({ users: ['owner', 'launcher', 'connector', 'reader', 'stranger'] });

const DELIVER = `mutation ($input: DeliverSecretsInput!) {
  deliverSecrets(input: $input) {
    __typename
    ... on MutationDeliverSecretsSuccess { data { jwe id expiresAt keyThumbprint credentials { id name provider } pipelineSecrets { name scope } } }
    ... on Error { message }
  }
}`;

async function workspaceWith(roles: Record<string, string>) {
  const org = await server.services.workspaces.createOrganization(OPERATOR, `org-${Math.random().toString(36).slice(2, 8)}`, users.owner.name);
  const ws = await server.services.workspaces.createWorkspace(OPERATOR, { id: String(org.id) }, 'ws');
  await server.services.workspaces.addParticipant(OPERATOR, { id: String(ws.id) }, users.owner.name, 'OWNER');
  for (const [user, role] of Object.entries(roles)) await server.services.workspaces.addParticipant(OPERATOR, { id: String(ws.id) }, user, role);
  const id = String(ws.id);
  const made = await rest(server, users.owner.token, 'POST', `/api/credentials?workspaceId=${id}`, {
    credentials: { name: 'registry', provider: 'container-reg', keys: { userName: 'bot', password: 'registry-password-1', registry: 'quay.io' } },
  });
  expect(made.status, made.text).toBe(200);
  expect(
    (await rest(server, users.owner.token, 'POST', `/api/pipeline-secrets?workspaceId=${id}`, { name: 'API_KEY', value: 'workspace-api-key' })).status,
  ).toBe(200);
  return { id, credentialId: made.body.credentialsId as string };
}

const ecKeys = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwkOf = (key: ReturnType<typeof ecKeys>['publicKey']) => key.export({ format: 'jwk' });

describe('what a delivery holds', () => {
  it('GraphQL: one JWE to an EC P-256 key, its kid the key’s thumbprint, with the credentials’ keys and the pipeline secrets (the caller’s own over the workspace’s)', async () => {
    const { id, credentialId } = await workspaceWith({ [users.launcher.name]: 'LAUNCH' });
    expect((await rest(server, users.launcher.token, 'POST', '/api/pipeline-secrets', { name: 'API_KEY', value: 'my-own-api-key' })).status).toBe(200);
    const { publicKey, privateKey } = ecKeys();
    const answer = await gql(server, users.launcher.token, DELIVER, {
      input: {
        workspaceId: id,
        credentials: ['registry'],
        pipelineSecrets: ['API_KEY'],
        recipient: JSON.stringify(jwkOf(publicKey)),
        client: { name: 'test', version: '1.0' },
      },
    });
    const data = answer.body.data?.deliverSecrets.data;
    expect(data, JSON.stringify(answer.body)).toBeDefined();
    expect(data.keyThumbprint).toBe(await calculateJwkThumbprint(jwkOf(publicKey) as never));
    expect(data.credentials).toEqual([{ id: credentialId, name: 'registry', provider: 'container-reg' }]);
    expect(data.pipelineSecrets).toEqual([{ name: 'API_KEY', scope: 'user' }]);
    const { payload, protectedHeader } = await jwtDecrypt(data.jwe, privateKey);
    expect(protectedHeader).toMatchObject({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: data.keyThumbprint });
    expect(payload.exp! - payload.iat!).toBe(300);
    expect(new Date(payload.exp! * 1000).toISOString()).toBe(data.expiresAt);
    expect(payload).toMatchObject({
      jti: data.id,
      context: { workspaceId: Number(id) },
      credentials: [
        {
          credentialsId: credentialId,
          name: 'registry',
          provider: 'container-reg',
          keys: { userName: 'bot', password: 'registry-password-1', registry: 'quay.io' },
        },
      ],
      pipelineSecrets: { API_KEY: 'my-own-api-key' },
      scopes: { API_KEY: 'user' },
    });
    // The answer holds no value outside the JWE.
    expect(JSON.stringify({ ...data, jwe: undefined })).not.toMatch(/registry-password-1|my-own-api-key/);
  });

  it('REST: to an RSA key given as PEM, and to the caller’s own context', async () => {
    const { publicKey, privateKey } = rsaKeyPair(7);
    expect((await rest(server, users.stranger.token, 'POST', '/api/pipeline-secrets', { name: 'MINE', value: 'stranger-value' })).status).toBe(200);
    const answer = await rest(server, users.stranger.token, 'POST', '/api/deliveries', {
      pipelineSecrets: ['MINE'],
      recipient: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    });
    expect(answer.status, answer.text).toBe(200);
    const { payload, protectedHeader } = await jwtDecrypt(answer.body.jwe, privateKey);
    expect(protectedHeader.alg).toBe('RSA-OAEP-256');
    expect(payload).toMatchObject({
      context: { user: users.stranger.userId },
      credentials: [],
      pipelineSecrets: { MINE: 'stranger-value' },
      scopes: { MINE: 'user' },
    });
  });

  it('the client’s opener and jose give the same answer for the same JWE, and both refuse a changed one or one to another key', async () => {
    const key = oneUseKey();
    const recipient = await importJWK(key.publicJwk, 'ECDH-ES+A256KW');
    const claims = { a: 'b', n: 1, exp: Math.floor(Date.now() / 1000) + 60 };
    const jwe = await new EncryptJWT(claims).setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: key.thumbprint }).encrypt(recipient);
    expect(key.open(jwe)).toEqual(claims);
    // What the service sends, opened by the client: the same claims jose would read.
    const answer = await rest(server, users.stranger.token, 'POST', '/api/deliveries', { pipelineSecrets: ['MINE'], recipient: key.publicJwk });
    expect(answer.status, answer.text).toBe(200);
    expect(key.open(answer.body.jwe)).toMatchObject({ pipelineSecrets: { MINE: 'stranger-value' } });
    const parts = jwe.split('.');
    const changed = [...parts.slice(0, 3), `${parts[3]![0] === 'A' ? 'B' : 'A'}${parts[3]!.slice(1)}`, parts[4]].join('.');
    expect(() => key.open(changed)).toThrow(/changed on its way/);
    const other = oneUseKey();
    const toOther = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(claims)))
      .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM' })
      .encrypt(await importJWK(other.publicJwk, 'ECDH-ES+A256KW'));
    expect(() => key.open(toOther)).toThrow(/cannot be opened with this key/);
    expect(other.open(toOther)).toEqual(claims);
    const expired = await new EncryptJWT({ exp: Math.floor(Date.now() / 1000) - 1 })
      .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM' })
      .encrypt(recipient);
    expect(() => key.open(expired)).toThrow(/expired/);
  });
});

describe('who may', () => {
  it('from the workspace’s level up (LAUNCH by default), never VIEW; a workspace’s OFF refuses everyone, its OWNER changes it', async () => {
    const { id } = await workspaceWith({ [users.launcher.name]: 'LAUNCH', [users.connector.name]: 'CONNECT', [users.reader.name]: 'VIEW' });
    const { publicKey } = ecKeys();
    const ask = (token: string) => rest(server, token, 'POST', `/api/deliveries?workspaceId=${id}`, { credentials: ['registry'], recipient: jwkOf(publicKey) });
    expect((await ask(users.launcher.token)).status).toBe(200);
    const connect = await ask(users.connector.token);
    expect([connect.status, connect.body.message]).toEqual([
      403,
      `In workspace ${id}, values are delivered to your own key from the role LAUNCH up; yours is CONNECT`,
    ]);
    const view = await ask(users.reader.token);
    expect([view.status, view.body.message]).toEqual([403, `Your role in workspace ${id} (VIEW) does not allow this`]);
    await server.services.workspaces.setDirectDelivery(OPERATOR, { id }, 'CONNECT');
    expect((await ask(users.connector.token)).status).toBe(200);
    await server.services.workspaces.setDirectDelivery(OPERATOR, { id }, 'OFF');
    expect((await ask(users.owner.token)).body.message).toBe(`Delivery to your own key is turned off in workspace ${id} (its OWNER or ADMIN sets it)`);
    // A pairing's delivery is not this switch's.
    await expect(server.services.workspaces.setDirectDelivery(OPERATOR, { id }, 'VIEW')).rejects.toThrow(
      /must be one of OWNER, ADMIN, MAINTAIN, LAUNCH, CONNECT, OFF/,
    );
  });

  it('a token whose scope allows keys, never a browser session; an unknown name is the caller’s to fix', async () => {
    const { publicKey } = ecKeys();
    const read = await server.services.tokens.createToken(users.stranger.userId, 'read-only', { actor: 'operator', door: 'cli' }, { scope: 'read' });
    const byRead = await rest(server, read.token, 'POST', '/api/deliveries', { pipelineSecrets: ['MINE'], recipient: jwkOf(publicKey) });
    expect([byRead.status, byRead.body.message]).toEqual([403, "This access token's scope (read) does not allow this"]);
    const keysOnly = await server.services.tokens.createToken(users.stranger.userId, 'keys-only', { actor: 'operator', door: 'cli' }, { scope: 'keys:read' });
    expect((await rest(server, keysOnly.token, 'POST', '/api/deliveries', { pipelineSecrets: ['MINE'], recipient: jwkOf(publicKey) })).status).toBe(200);
    await expect(
      server.services.directDelivery.deliver(
        { userId: users.stranger.userId, door: 'graphql', scope: 'all', session: true },
        { pipelineSecrets: ['MINE'], recipient: jwkOf(publicKey) },
      ),
    ).rejects.toThrow('Delivery to your own key needs an access token, not a browser session: sign in with `credentials login`');
    const unknown = await rest(server, users.stranger.token, 'POST', '/api/deliveries', { credentials: ['nope'], recipient: jwkOf(publicKey) });
    expect([unknown.status, unknown.body.message]).toEqual([404, expect.stringContaining('nope')]);
    const missing = await rest(server, users.stranger.token, 'POST', '/api/deliveries', { pipelineSecrets: ['NOPE', 'MINE'], recipient: jwkOf(publicKey) });
    expect([missing.status, missing.body.message]).toEqual([404, expect.stringContaining('NOPE')]);
  });

  it('bad input names what is wrong, and records nothing', async () => {
    const { publicKey } = ecKeys();
    const before = await server.db.auditEvent.count();
    const cases: [unknown, string][] = [
      [{ recipient: jwkOf(publicKey) }, 'name at least one credential or pipeline secret'],
      [{ pipelineSecrets: Array.from({ length: 51 }, (_, i) => `S${i}`), recipient: jwkOf(publicKey) }, 'pipelineSecrets: at most 50 names'],
      [{ pipelineSecrets: ['MINE'], recipient: 'x'.repeat(5000) }, 'recipient: at most 4096 characters'],
      [{ pipelineSecrets: ['MINE'], recipient: { kty: 'EC', crv: 'P-384', x: 'a', y: 'b' } }, expect.stringContaining('recipient: the JWK cannot be read')],
      [{ pipelineSecrets: ['MINE'], recipient: jwkOf(publicKey), client: { name: 'a b' } }, 'client.name: must be 1-64 letters, digits or . _ @ / + -'],
      [{ pipelineSecrets: [''], recipient: jwkOf(publicKey) }, 'pipelineSecrets.0: must be a name of 1 to 200 characters'],
    ];
    for (const [body, message] of cases) {
      const answer = await rest(server, users.stranger.token, 'POST', '/api/deliveries', body);
      expect([answer.status, answer.body.message], JSON.stringify(body).slice(0, 80)).toEqual([400, message]);
    }
    expect(await server.db.auditEvent.count()).toBe(before);
  });
});

describe('limits of the service', () => {
  it('DIRECT_DELIVERIES_PER_MINUTE per user, whatever their tokens (a bad request spends none); DIRECT_DELIVERY=false refuses all', async () => {
    const limited = await startServer({ DIRECT_DELIVERIES_PER_MINUTE: '3' });
    try {
      const a = await limited.newUser('rate-a');
      const b = await limited.newUser('rate-b');
      const second = await limited.services.tokens.createToken(a.userId, 'second', { actor: 'operator', door: 'cli' });
      for (const u of [a, b]) expect((await rest(limited, u.token, 'POST', '/api/pipeline-secrets', { name: 'RATE_SECRET', value: 'v' })).status).toBe(200);
      const { publicKey } = ecKeys();
      const ask = (token: string, body: Record<string, unknown> = { pipelineSecrets: ['RATE_SECRET'], recipient: jwkOf(publicKey) }) =>
        rest(limited, token, 'POST', '/api/deliveries', body);
      expect((await ask(a.token, { recipient: jwkOf(publicKey) })).status).toBe(400);
      expect((await ask(a.token)).status).toBe(200);
      expect((await ask(second.token)).status).toBe(200);
      expect((await ask(a.token)).status).toBe(200);
      const refused = await ask(second.token);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(refused.body.message).toMatch(/^More than 3 deliveries a minute \(DIRECT_DELIVERIES_PER_MINUTE\): retry after \d+ seconds$/);
      expect((await ask(b.token)).status).toBe(200);
    } finally {
      await limited.close();
    }
    const off = await startServer({ DIRECT_DELIVERY: 'false' });
    try {
      const u = await off.newUser('off');
      expect((await rest(off, u.token, 'POST', '/api/pipeline-secrets', { name: 'RATE_SECRET', value: 'v' })).status).toBe(200);
      const answer = await rest(off, u.token, 'POST', '/api/deliveries', { pipelineSecrets: ['RATE_SECRET'], recipient: jwkOf(ecKeys().publicKey) });
      expect([answer.status, answer.body.message]).toEqual([
        403,
        'Delivery to your own key is turned off on this service (its operator set DIRECT_DELIVERY=false)',
      ]);
    } finally {
      await off.close();
    }
  });
});
