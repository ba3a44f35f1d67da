/** Idempotent create on both doors: retries with the same key give the first credential, never a second one. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';

const body = (name: string, token: string) => ({ credentials: { name, provider: 'github', keys: { username: 'u', token } } });

describe('idempotent create', () => {
  let server: TestServer;
  let token: string;
  let userId: string;
  beforeAll(async () => {
    server = await startServer();
    ({ token, userId } = await server.newUser('idem'));
  });
  afterAll(() => server.close());

  const post = (key: string | undefined, payload: unknown) =>
    fetch(`${server.url}/api/credentials`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...(key ? { 'idempotency-key': key } : {}) },
      body: JSON.stringify(payload),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));

  it('the same Idempotency-Key and body return the same credentialsId without a second row, also when sent concurrently', async () => {
    const first = await post('key-1', body('idem-a', 'secret-a'));
    const again = await post('key-1', body('idem-a', 'secret-a'));
    expect(first.status).toBe(200);
    expect(again).toEqual(first);
    const concurrent = await Promise.all(Array.from({ length: 20 }, () => post('key-2', body('idem-b', 'secret-b'))));
    expect(new Set(concurrent.map((r) => r.status))).toEqual(new Set([200]));
    expect(new Set(concurrent.map((r) => r.body.credentialsId)).size).toBe(1);
    expect(await server.db.credential.count({ where: { userId, name: { in: ['idem-a', 'idem-b'] } } })).toBe(2);
    // Without a key, the same body is a new request: the name is taken.
    expect((await post(undefined, body('idem-a', 'secret-a'))).status).toBe(409);
  });

  it('the same key with a different body gets 422 and changes nothing', async () => {
    await post('key-3', body('idem-c', 'secret-c'));
    const count = await server.db.credential.count();
    const different = await post('key-3', body('idem-c', 'another-secret'));
    expect(different).toEqual({ status: 422, body: { message: 'This Idempotency-Key was used for a different request' } });
    expect((await post('key-3', body('idem-d', 'secret-c'))).status).toBe(422);
    expect(await server.db.credential.count()).toBe(count);
  });

  it('works the same through GraphQL with the idempotencyKey argument', async () => {
    const create = (secret: string) =>
      fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          query: `mutation($input: CredentialInput!) { createCredential(input: $input, idempotencyKey: "gql-key") {
            __typename ... on MutationCreateCredentialSuccess { data { id } } ... on Error { message } } }`,
          variables: { input: { name: 'idem-gql', keys: { github: { token: secret } } } },
        }),
      }).then(async (r) => ((await r.json()) as any).data.createCredential);
    const results = await Promise.all([create('s'), create('s'), create('s')]);
    expect(new Set(results.map((r) => r.data.id)).size).toBe(1);
    expect(await create('other')).toEqual({ __typename: 'IdempotencyKeyReusedError', message: 'This Idempotency-Key was used for a different request' });
    expect(await server.db.credential.count({ where: { name: 'idem-gql' } })).toBe(1);
  });

  it('keeps no secret in the request fingerprint', async () => {
    await post('key-4', body('idem-e', 'fingerprint-secret'));
    const row = await server.db.credential.findFirstOrThrow({ where: { name: 'idem-e' } });
    expect(row.idempotencyKey).toBe('key-4');
    expect(row.requestFingerprint).toMatch(/^k[0-9A-Za-z]{8}:[0-9a-f]{64}$/);
    expect(row.requestFingerprint).not.toContain('fingerprint-secret');
  });
});
