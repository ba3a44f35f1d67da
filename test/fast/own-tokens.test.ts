/**
 * Tokens people make themselves, through GraphQL (createAccessToken,
 * accessTokens, revokeAccessToken) and Seqera's REST paths (/api/tokens):
 * never more than the token that makes them (scope and expiry), names unique
 * among live tokens, a limit per user, the upstream shapes kept (checked
 * against the vendored reference), revocation at once, every change audited.
 */
import { describe, expect, it } from 'vitest';
import { actorOf, OPERATOR } from '../../src/core/caller.js';
import { rest } from '../helpers/rest.js';
import { gql, withServer } from '../helpers/server.js';
import { conforms, upstream } from '../helpers/upstream.js';

const {
  server,
  users: { alice, bob },
} = withServer({ users: ['alice', 'bob'], env: { MAX_TOKENS_PER_USER: '6' } });

const CREATE = `mutation ($input: CreateAccessTokenInput!) {
  createAccessToken(input: $input) {
    __typename
    ... on MutationCreateAccessTokenSuccess { data { token accessToken { id number name scope expiresAt } } }
    ... on Error { message }
  }
}`;

async function create(token: string, input: Record<string, unknown>) {
  const result = await gql(server, token, CREATE, { input });
  expect(result.body.errors, JSON.stringify(result.body.errors)).toBeUndefined();
  return result.body.data!.createAccessToken;
}

/** A token of the user made by the operator (a scope, an expiry). */
async function operatorToken(userId: string, scope: string, expiresAt?: Date): Promise<string> {
  return (await server.services.tokens.createToken(userId, `op-${scope}-${Math.random()}`, actorOf(OPERATOR), { scope, expiresAt })).token;
}

describe('createAccessToken', () => {
  it('makes a token shown once, with a narrower scope and a life of its own, that works at once', async () => {
    const made = await create(alice.token, { name: 'laptop', scope: 'READ', expiresIn: '30d' });
    expect(made.__typename).toBe('MutationCreateAccessTokenSuccess');
    const { token, accessToken } = made.data;
    expect(token).toMatch(/^cst_[0-9A-Za-z]{43}$/);
    expect(accessToken).toMatchObject({ name: 'laptop', scope: 'read', number: expect.any(Number) });
    expect(Date.parse(accessToken.expiresAt) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    expect((await gql(server, token, '{ viewer { name } }')).body.data).toEqual({ viewer: { name: alice.name } });
    // Read only: it may not change anything, nor make tokens.
    const write = await rest(server, token, 'POST', '/api/credentials', {
      credentials: { name: 'no', provider: 'github', keys: { username: 'u', password: 'p' } },
    });
    expect(write.status).toBe(403);
    expect((await create(token, { name: 'from-read' })).__typename).toBe('ForbiddenError');
    // Listed with its origin; the value never.
    const listed = await gql(server, alice.token, '{ accessTokens { id name scope origin } }');
    expect(listed.body.data!.accessTokens).toContainEqual({ id: accessToken.id, name: 'laptop', scope: 'read', origin: 'user' });
    expect(JSON.stringify(listed.body)).not.toContain(token);
  });

  it('never more than its maker: a write token makes no all or keys:read token, and none outliving it', async () => {
    const writer = await operatorToken(alice.userId, 'write', new Date(Date.now() + 3_600_000));
    for (const scope of ['ALL', 'KEYS_READ']) {
      const refused = await create(writer, { name: `wider-${scope}`, scope });
      expect(refused).toMatchObject({ __typename: 'TokenBeyondItsMakerError', message: expect.stringMatching(/yours has scope write/) });
    }
    const longer = await create(writer, { name: 'longer', expiresIn: '2h' });
    expect(longer).toMatchObject({ __typename: 'TokenBeyondItsMakerError', message: expect.stringMatching(/at most as long as the token that makes it/) });
    // Without a scope or a life of its own: the maker's.
    const same = await create(writer, { name: 'same' });
    expect(same.data.accessToken.scope).toBe('write');
    expect(Date.parse(same.data.accessToken.expiresAt)).toBeLessThanOrEqual(Date.now() + 3_600_000);
    const bad = await create(alice.token, { name: 'bad-life', expiresIn: '10y' });
    expect(bad).toMatchObject({ __typename: 'ValidationError' });
  });

  it('names are unique among live tokens (a revoked one frees its name), and MAX_TOKENS_PER_USER bounds them', async () => {
    const first = await create(bob.token, { name: 'ci' });
    expect((await create(bob.token, { name: 'ci' })).__typename).toBe('AccessTokenNameTakenError');
    await gql(server, bob.token, 'mutation ($id: ID!) { revokeAccessToken(id: $id) { __typename } }', { id: first.data.accessToken.id });
    expect((await create(bob.token, { name: 'ci' })).__typename).toBe('MutationCreateAccessTokenSuccess');
    const live = (await server.services.tokens.listTokens(bob.userId)).filter((t) => !t.revokedAt).length;
    for (let i = live; i < 6; i++) expect((await create(bob.token, { name: `n-${i}` })).__typename).toBe('MutationCreateAccessTokenSuccess');
    expect(await create(bob.token, { name: 'one-too-many' })).toMatchObject({
      __typename: 'LimitReachedError',
      message: expect.stringContaining('MAX_TOKENS_PER_USER'),
    });
  });
});

describe("Seqera's /api/tokens", () => {
  const shape = (path: string, method: 'get' | 'post') => upstream.paths[path][method].responses['200'].content['application/json'].schema;

  it('POST makes a token with the maker’s scope; GET lists live ones by number in the upstream shape; DELETE revokes one at once', async () => {
    const user = await server.newUser('rest-tokens');
    const made = await rest(server, user.token, 'POST', '/api/tokens', { name: 'pipeline' });
    expect(made.status, made.text).toBe(200);
    conforms(made.body, shape('/tokens', 'post'), 'CreateAccessTokenResponse');
    expect(made.body.accessKey).toMatch(/^cst_/);
    expect(made.body.token).toMatchObject({ id: expect.any(Number), name: 'pipeline', dateCreated: expect.any(String) });
    expect((await rest(server, made.body.accessKey, 'GET', '/api/user-info')).body.user.userName).toBe(user.name);
    const listed = await rest(server, user.token, 'GET', '/api/tokens');
    conforms(listed.body, shape('/tokens', 'get'), 'ListAccessTokensResponse');
    expect(listed.body.tokens.map((t: { name: string }) => t.name)).toContain('pipeline');
    expect(JSON.stringify(listed.body)).not.toContain(made.body.accessKey);
    // Taken name: 409.
    expect((await rest(server, user.token, 'POST', '/api/tokens', { name: 'pipeline' })).status).toBe(409);
    // Numbers count per user (the operator's token was this user's first): they tell nobody how many tokens others made.
    expect(made.body.token.id).toBe(2);
    const stranger = await server.newUser('stranger');
    const theirs = await rest(server, stranger.token, 'POST', '/api/tokens', { name: 'pipeline' });
    expect(theirs.body.token.id).toBe(2);
    // A number the caller has no token under is refused like any foreign id; another user's same number is their own
    // token (this user's stays); a malformed one says what is wrong.
    expect((await rest(server, user.token, 'DELETE', '/api/tokens/999')).status).toBe(403);
    expect((await rest(server, stranger.token, 'DELETE', `/api/tokens/${theirs.body.token.id}`)).status).toBe(204);
    expect((await rest(server, theirs.body.accessKey, 'GET', '/api/user-info')).status).toBe(401);
    const malformed = await rest(server, user.token, 'DELETE', '/api/tokens/abc');
    expect(malformed.status).toBe(400);
    expect(malformed.body.message).toMatch(/tokenId.*whole number/);
    expect((await rest(server, made.body.accessKey, 'GET', '/api/user-info')).status).toBe(200);
    expect((await rest(server, user.token, 'DELETE', `/api/tokens/${made.body.token.id}`)).status).toBe(204);
    expect((await rest(server, made.body.accessKey, 'GET', '/api/user-info')).status).toBe(401);
    expect((await rest(server, user.token, 'GET', '/api/tokens')).body.tokens.map((t: { name: string }) => t.name)).not.toContain('pipeline');
    // Audited as the user's, through REST.
    const events = await server.db.auditEvent.findMany({ where: { targetType: 'token', actor: user.userId }, orderBy: { id: 'asc' } });
    expect(events.map((e) => [e.action, e.door])).toEqual([
      ['token.create', 'rest'],
      ['token.revoke', 'rest'],
    ]);
  });

  it('tokens of one user made at once get numbers of their own (2, 3… after the first), and no more than the limit', async () => {
    const user = await server.newUser('concurrent-tokens');
    const made = await Promise.all(Array.from({ length: 8 }, (_, i) => rest(server, user.token, 'POST', '/api/tokens', { name: `at-once-${i}` })));
    // MAX_TOKENS_PER_USER=6 here, and the user holds one already: five are made, three refused.
    const ok = made.filter((m) => m.status === 200);
    expect(ok).toHaveLength(5);
    expect(made.filter((m) => m.status === 409).map((m) => m.body.message)).toEqual(Array(3).fill(expect.stringMatching(/at most 6 live access tokens/)));
    expect(ok.map((m) => m.body.token.id).sort((a: number, b: number) => a - b)).toEqual([2, 3, 4, 5, 6]);
  });

  it('DELETE /api/tokens/delete-all revokes every token of the caller, this one too, and nobody else’s', async () => {
    const user = await server.newUser('delete-all');
    const other = (await rest(server, user.token, 'POST', '/api/tokens', { name: 'second' })).body.accessKey;
    expect((await rest(server, user.token, 'DELETE', '/api/tokens/delete-all')).status).toBe(204);
    expect((await rest(server, user.token, 'GET', '/api/tokens')).status).toBe(401);
    expect((await rest(server, other, 'GET', '/api/tokens')).status).toBe(401);
    expect((await rest(server, alice.token, 'GET', '/api/tokens')).status).toBe(200);
  });

  it('a read token may list its user’s tokens but not make or delete any', async () => {
    const reader = await operatorToken(alice.userId, 'read');
    expect((await rest(server, reader, 'GET', '/api/tokens')).status).toBe(200);
    expect((await rest(server, reader, 'POST', '/api/tokens', { name: 'nope' })).status).toBe(403);
    expect((await rest(server, reader, 'DELETE', '/api/tokens/delete-all')).status).toBe(403);
    expect((await rest(server, alice.token, 'GET', '/api/user-info')).status).toBe(200);
  });
});
