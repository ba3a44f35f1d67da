/**
 * Threat-named tests (OWASP API Security Top 10, 2023, where it applies) for
 * secrets at rest, tampering, key rotation, the audit trail and abuse limits,
 * through both doors.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { actorOf, OPERATOR } from '../../src/core/caller.js';
import { PrismaUserStore } from '../../src/features/accounts/store/user-store.js';
import { hashToken } from '../../src/features/accounts/use-cases/tokens.js';
import { providers, secretFields } from '../../src/features/providers/index.js';
import { onPostgres, storedText } from '../helpers/database.js';
import { storedSecrets, validKeys } from '../helpers/fixtures.js';
import { rest } from '../helpers/rest.js';
import { gql, startServer, type TestServer, withServer } from '../helpers/server.js';

const gqlName = (id: string) => id.replace(/-/g, '_');
const CREATE = `mutation($input: CredentialInput!) { createCredential(input: $input) { __typename ... on MutationCreateCredentialSuccess { data { id } } ... on Error { message } } }`;
const UPDATE = `mutation($id: ID!, $input: CredentialInput!) { updateCredential(id: $id, input: $input) { __typename ... on Error { message } } }`;

/**
 * One server with the default settings for the describes that need no other (each works with its own users); it
 * is started before theirs and closed after them.
 */
const shared = withServer();

/** Keys for `provider` whose secret fields hold unique, recognisable values. */
function keysWithSecrets(provider: string, tag: string): { keys: Record<string, unknown>; secrets: string[] } {
  const keys = structuredClone(validKeys[provider]!);
  const secrets: string[] = [];
  for (const field of secretFields(providers.get(provider)!)) {
    if (keys[field] === undefined) continue;
    if (provider === 'ssh' && field === 'privateKey') {
      secrets.push(String(keys[field]).split('\n')[1]!); // the key body
      continue;
    }
    if (provider === 'google' && field === 'data') {
      const value = `gcp-${tag}-${Math.random().toString(36).slice(2)}`;
      keys[field] = JSON.stringify({ type: 'service_account', private_key: value });
      secrets.push(value);
      continue;
    }
    keys[field] = `S3CRET-${tag}-${field}-${Math.random().toString(36).slice(2)}`;
    secrets.push(keys[field] as string);
  }
  return { keys, secrets };
}

describe('API8:2023 security misconfiguration: no secret in plaintext anywhere', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ LOG_LEVEL: 'trace' });
  });
  afterAll(() => server.close());

  it('never writes a secret to the database file, its WAL, the logs, any response or any error', async () => {
    const user = await server.newUser('plaintext');
    const secrets: string[] = [];
    const responses: string[] = [];
    const record = (text: string) => responses.push(text);
    for (const provider of Object.keys(validKeys)) {
      const viaRest = keysWithSecrets(provider, 'rest');
      const created = await rest(server, user.token, 'POST', '/api/credentials', { credentials: { name: `r-${provider}`, provider, keys: viaRest.keys } });
      record(created.text);
      const viaGraphql = keysWithSecrets(provider, 'gql');
      const result = await gql(server, user.token, CREATE, { input: { name: `g-${provider}`, keys: { [gqlName(provider)]: viaGraphql.keys } } });
      record(JSON.stringify(result.body));
      secrets.push(...viaRest.secrets, ...viaGraphql.secrets);
      // An update that re-sends a new secret, and one refused by validation that carries one.
      const replaced = keysWithSecrets(provider, 'upd');
      record(
        (
          await rest(server, user.token, 'PUT', `/api/credentials/${created.body.credentialsId}`, {
            credentials: { name: `r-${provider}`, provider, keys: replaced.keys },
          })
        ).text,
      );
      const refused = keysWithSecrets(provider, 'bad');
      record((await rest(server, user.token, 'POST', '/api/credentials', { credentials: { name: '', provider, keys: refused.keys } })).text);
      record(JSON.stringify((await gql(server, user.token, CREATE, { input: { name: ' x', keys: { [gqlName(provider)]: refused.keys } } })).body));
      secrets.push(...replaced.secrets, ...refused.secrets);
    }
    record((await rest(server, user.token, 'GET', '/api/credentials')).text);
    record(JSON.stringify((await gql(server, user.token, `{ credentials(first: 100) { edges { node { id keys { __typename } } } } }`)).body));
    // A malformed body carrying a secret.
    record(
      (await rest(server, user.token, 'POST', '/api/credentials', undefined, { raw: `{"credentials":{"keys":{"token":"${secrets[0]}"`, validate: false })).text,
    );

    const stored = await storedText(server.config.databaseUrl);
    const logs = server.logs.join('\n');
    const answers = responses.join('\n');
    expect(secrets.length).toBeGreaterThan(60);
    for (const secret of secrets) {
      expect(stored.includes(secret), `database holds ${secret}`).toBe(false);
      expect(logs.includes(secret), `logs hold ${secret}`).toBe(false);
      expect(answers.includes(secret), `a response holds ${secret}`).toBe(false);
    }
    // The search itself works: returned (non-secret) values are found where they are.
    expect(stored).toContain('octocat');
    expect(answers).toContain('octocat');
    expect(logs).toContain('"route":"/api/credentials"');
  });
});

describe('API8:2023 tampering with stored secrets makes them fail to open, never yield wrong data', () => {
  const { server } = shared;
  let user: { token: string; userId: string };
  beforeAll(async () => {
    user = await server.newUser('tamper');
  });

  const make = async (name: string, token: string) =>
    (await rest(server, user.token, 'POST', '/api/credentials', { credentials: { name, provider: 'github', keys: { username: 'u', token } } })).body
      .credentialsId as string;
  const sealedOf = async (id: string) => (await server.db.credential.findUniqueOrThrow({ where: { id } })).secret!;
  const setSealed = (id: string, secret: string) => server.db.credential.update({ where: { id }, data: { secret } });
  // An update that does not re-send the token must open the stored one.
  const keepTokenUpdate = (id: string, name: string) =>
    rest(server, user.token, 'PUT', `/api/credentials/${id}`, { credentials: { name, provider: 'github', keys: { username: 'v' } } });

  it('a flipped byte, a truncated tag and a ciphertext swapped between rows all fail with an error (500), changing nothing', async () => {
    const a = await make('a', 'token-a');
    const b = await make('b', 'token-b');
    const c = await make('c', 'token-c');
    const [va, vb] = [await sealedOf(a), await sealedOf(b)];

    const parts = (await sealedOf(c)).split(':');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[body.length - 20]! ^= 0x01;
    await setSealed(c, [...parts.slice(0, 3), body.toString('base64url')].join(':'));
    const flipped = await keepTokenUpdate(c, 'c');
    expect(flipped.status).toBe(500);
    expect(flipped.body.message).toMatch(/^Oops\.\.\. Unable to process request - Error ID: /);

    await setSealed(a, vb);
    await setSealed(b, va);
    expect((await keepTokenUpdate(a, 'a')).status).toBe(500);
    expect((await keepTokenUpdate(b, 'b')).status).toBe(500);

    const truncated = va.slice(0, va.length - 4);
    await setSealed(a, truncated);
    expect((await keepTokenUpdate(a, 'a')).status).toBe(500);

    // Nothing was rewritten, and a logged failure names the cause without any secret.
    expect(await sealedOf(a)).toBe(truncated);
    expect(await sealedOf(b)).toBe(va);
    const failures = server.logs.filter((l) => l.includes('Sealed secret cannot be opened'));
    expect(failures.length).toBeGreaterThanOrEqual(3);
    expect(failures.join('\n')).not.toMatch(/token-[abc]/);
  });
});

describe('audit trail', () => {
  const { server } = shared;

  it('records who changed which credential, through which door, and when; token events too; never a secret', async () => {
    const user = await server.newUser('audited');
    const restId = (
      await rest(server, user.token, 'POST', '/api/credentials', { credentials: { name: 'aud-rest', provider: 'github', keys: { token: 'aud-secret-1' } } })
    ).body.credentialsId;
    await rest(server, user.token, 'PUT', `/api/credentials/${restId}`, {
      credentials: { name: 'aud-rest', provider: 'github', keys: { token: 'aud-secret-2' } },
    });
    await rest(server, user.token, 'DELETE', `/api/credentials/${restId}`);
    const created = await gql(server, user.token, CREATE, { input: { name: 'aud-gql', keys: { github: { token: 'aud-secret-3' } } } });
    const gqlId = created.body.data!.createCredential.data.id;
    await gql(server, user.token, UPDATE, { id: gqlId, input: { name: 'aud-gql-2', keys: { github: {} } } });
    await server.services.tokens.revokeToken(user.tokenId, actorOf(OPERATOR));

    const events = await server.db.auditEvent.findMany({ where: { ownerUserId: user.userId }, orderBy: { id: 'asc' } });
    expect(events.map((e) => [e.action, e.targetId, e.actor, e.door])).toEqual([
      ['user.create', user.userId, 'operator', 'cli'],
      ['token.create', user.tokenId, 'operator', 'cli'],
      ['credential.create', restId, user.userId, 'rest'],
      ['credential.update', restId, user.userId, 'rest'],
      ['credential.delete', restId, user.userId, 'rest'],
      ['credential.create', gqlId, user.userId, 'graphql'],
      ['credential.update', gqlId, user.userId, 'graphql'],
      ['token.revoke', user.tokenId, 'operator', 'cli'],
    ]);
    for (const e of events) expect(Date.now() - e.at.getTime()).toBeLessThan(60_000);
    expect(JSON.stringify(events)).not.toMatch(/aud-secret/);

    // A change refused by validation is not a change: nothing recorded.
    const count = await server.db.auditEvent.count();
    const other = await server.newUser('audited-2');
    await rest(server, other.token, 'POST', '/api/credentials', { credentials: { name: '', provider: 'github', keys: { token: 'x' } } });
    expect(await server.db.auditEvent.count()).toBe(count + 2); // the user and token creation only
  });
});

describe('API4:2023 unrestricted resource consumption: GraphQL limits', () => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = await startServer({ GRAPHQL_MAX_DEPTH: '4', GRAPHQL_MAX_ALIASES: '3', GRAPHQL_MAX_TOKENS: '200', GRAPHQL_MAX_COST: '60' });
    ({ token } = await server.newUser('limits'));
  });
  afterAll(() => server.close());

  it('refuses queries that are too deep, too aliased, too long or too costly, before running them', async () => {
    const ok = await gql(server, token, `{ credentials(first: 1) { edges { cursor } } }`);
    expect(ok.body.errors).toBeUndefined();
    const deep = await gql(server, token, `{ credentials(first: 1) { edges { node { keys { __typename } } } } }`);
    expect(deep.body.errors?.[0]?.message).toMatch(/Query depth limit of 4 exceeded/);
    const aliased = await gql(server, token, `{ a: viewer { id } b: viewer { id } c: viewer { id } d: viewer { id } }`);
    expect(aliased.body.errors?.[0]?.message).toMatch(/Aliases limit of 3 exceeded/);
    const long = await gql(server, token, `{ viewer { ${'id '.repeat(250)} } }`);
    expect(long.body.errors?.[0]?.message).toMatch(/Token limit of 200 exceeded/);
    const costly = await gql(
      server,
      token,
      `{ viewer { id name createdAt tokens { id name createdAt lastUsedAt revokedAt } } credentials(first: 5) { edges { cursor node { id name } } } }`,
    );
    expect(costly.body.errors?.[0]?.message).toMatch(/Query Cost limit of 60 exceeded/);
  });
});

describe('API8:2023 security misconfiguration: GraphQL surface', () => {
  const { server } = shared;
  let token: string;
  beforeAll(async () => {
    ({ token } = await server.newUser('surface'));
  });

  it('gives no field suggestions outside development', async () => {
    const result = await gql(server, token, `{ credentialz { id } }`);
    expect(result.body.errors?.[0]?.message).toMatch(/Cannot query field "credentialz" on type "Query"/);
    expect(JSON.stringify(result.body)).not.toMatch(/Did you mean/);
  });

  it('switches introspection and GraphiQL off by configuration', async () => {
    const closed = await startServer({ GRAPHQL_INTROSPECTION: 'false', GRAPHIQL: 'false' });
    try {
      const introspection = await gql(closed, undefined, `{ __schema { types { name } } }`);
      expect(introspection.body.errors?.[0]?.message).toMatch(/introspection has been disabled/i);
      const page = await fetch(`${closed.url}/graphql`, { headers: { accept: 'text/html' } });
      expect(await page.text()).not.toContain('renderYogaGraphiQL');
    } finally {
      await closed.close();
    }
  });

  it('masks unexpected errors: a message with an error id that is in the log, no stack', async () => {
    const user = await server.newUser('masked');
    const id = (await rest(server, user.token, 'POST', '/api/credentials', { credentials: { name: 'm', provider: 'github', keys: { token: 't' } } })).body
      .credentialsId;
    await server.db.$executeRawUnsafe(`UPDATE "Credential" SET "keys" = 'not json' WHERE "id" = '${id}'`);
    const result = await gql(server, user.token, `query($id: ID!) { credential(id: $id) { ... on Credential { name } } }`, { id });
    const error = result.body.errors![0]!;
    expect(error.message).toMatch(/^Unexpected error\. Error ID: [0-9A-Za-z]{22}$/);
    expect(JSON.stringify(result.body)).not.toMatch(/SyntaxError|at .*\.ts/);
    expect(server.logs.some((l) => l.includes(error.extensions!.errorId) && l.includes('SyntaxError'))).toBe(true);
  });

  it('prevents cross-site requests: a GET query needs a header no HTML form can set', async () => {
    const query = encodeURIComponent('{ viewer { id } }');
    const bare = await fetch(`${server.url}/graphql?query=${query}`);
    expect(bare.status).toBe(403);
    expect(JSON.stringify(await bare.json())).toMatch(/Required CSRF header/);
    const withToken = await fetch(`${server.url}/graphql?query=${query}`, { headers: { authorization: `Bearer ${token}` } });
    expect(withToken.status).toBe(200);
    const form = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'query=%7Bviewer%7Bid%7D%7D',
    });
    expect(form.status).toBe(415);
    const mutationOverGet = await fetch(`${server.url}/graphql?query=${encodeURIComponent('mutation { deleteCredential(id: "x") { __typename } }')}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(mutationOverGet.status).toBe(405);
  });
});

describe('API2:2023 broken authentication', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ AUTH_FAILURES_PER_MINUTE: '5' });
  });
  afterAll(() => server.close());

  it("refuses a client's further failed authentications with 429 and Retry-After, on both doors, but never a valid token", async () => {
    const { token } = await server.newUser('limited');
    for (let i = 0; i < 4; i++) expect((await rest(server, `cst_${'x'.repeat(43)}`, 'GET', '/api/credentials')).status).toBe(401);
    expect((await gql(server, 'wrong', `{ viewer { id } }`)).status).toBe(401); // the fifth failure
    expect((await gql(server, undefined, `{ viewer { id } }`)).status).toBe(401); // no token: not an attempt, not counted
    const refused = await rest(server, `cst_${'y'.repeat(43)}`, 'GET', '/api/credentials', undefined, { validate: false });
    expect(refused.status).toBe(429);
    const wait = Number(refused.headers.get('retry-after'));
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60);
    expect(refused.body.message).toMatch(/Too many failed authentications/);
    const refusedGraphql = await gql(server, `cst_${'z'.repeat(43)}`, `{ viewer { id } }`);
    expect(refusedGraphql.status).toBe(429);
    expect(refusedGraphql.body.errors?.[0]?.extensions?.code).toBe('TOO_MANY_FAILED_AUTHENTICATIONS');
    // Whoever else fails from this address, a valid token is served, and health is answered.
    expect((await rest(server, token, 'GET', '/api/credentials')).status).toBe(200);
    expect((await gql(server, token, `{ viewer { id } }`)).status).toBe(200);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('stores tokens only as hashes', async () => {
    const { token } = await server.newUser('hashed');
    const file = await storedText(server.config.databaseUrl);
    expect(file).toContain(hashToken(token)); // the search works: the hash is there
    expect(file).not.toContain(token);
    expect(file).not.toContain(token.slice(4));
  });

  it('checks a token with one lookup of its SHA-256 hash: the same single statement whether the token exists or not', async () => {
    const { token } = await server.newUser('timing');
    const unknown = `cst_${'Z'.repeat(43)}`;
    const lookups = vi.spyOn(PrismaUserStore.prototype, 'findTokenByHash');
    await server.services.tokens.authenticate(token); // (a first use is recorded in the background; settle it)
    await server.services.tokens.settle();
    const check = async (t: string) => {
      lookups.mockClear();
      const start = server.queries.length;
      const viewer = await server.services.tokens.authenticate(t);
      await server.services.tokens.settle();
      return { found: viewer !== null, lookups: lookups.mock.calls.map(([hash]) => hash), statements: server.queries.slice(start) };
    };
    const known = await check(token);
    const missing = await check(unknown);
    lookups.mockRestore();
    expect(known.found).toBe(true);
    expect(missing.found).toBe(false);
    // Looked up by hash, never by the token itself, and no other work for one than for the other.
    expect(known.lookups).toEqual([hashToken(token)]);
    expect(missing.lookups).toEqual([hashToken(unknown)]);
    // (On SQLite the database's data version is read once per turn of the event loop, whatever the token.)
    const lookupsOf = (statements: string[]) => statements.filter((s) => s !== 'PRAGMA data_version');
    expect(lookupsOf(known.statements)).toHaveLength(1);
    expect(lookupsOf(missing.statements)).toEqual(lookupsOf(known.statements));
    expect(known.statements.at(-1)).toMatch(/WHERE t."tokenHash" = \?/);
  });

  it('keeps a token found while the database is unchanged (SQLite), and refuses it as soon as it is revoked', async () => {
    const user = await server.newUser('kept');
    await server.services.tokens.authenticate(user.token);
    await server.services.tokens.settle(); // (its first use is recorded: a change)
    const statements = async () => {
      const start = server.queries.length;
      const viewer = await server.services.tokens.authenticate(user.token);
      return { found: viewer !== null, lookups: server.queries.slice(start).filter((s) => /tokenHash/.test(s)).length };
    };
    expect(await statements()).toEqual({ found: true, lookups: 1 });
    expect(await statements()).toEqual({ found: true, lookups: onPostgres ? 1 : 0 });
    expect(await server.services.tokens.revokeToken(user.tokenId, { actor: 'operator', door: 'cli' })).toBe(true);
    expect(await statements()).toEqual({ found: false, lookups: 1 });
  });
});

describe('API1:2023 broken object level authorization and API3:2023 mass assignment, both doors', () => {
  const { server } = shared;

  it("never takes a client-sent id, owner, date or deleted flag, and treats another user's credential as unknown", async () => {
    const alice = await server.newUser('bola-a');
    const mallory = await server.newUser('bola-m');
    const created = await rest(server, alice.token, 'POST', '/api/credentials', {
      credentials: {
        id: 'C'.repeat(22),
        userId: mallory.userId,
        owner: mallory.userId,
        name: 'owned',
        provider: 'github',
        deleted: '2020-01-01T00:00:00Z',
        dateCreated: '2020-01-01T00:00:00Z',
        keys: { token: 'alice-token' },
      },
    });
    const id = created.body.credentialsId;
    const row = await server.db.credential.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ userId: alice.userId, deleted: null });
    expect(row.id).not.toBe('C'.repeat(22));
    expect(row.dateCreated.getFullYear()).toBeGreaterThan(2020);

    // GraphQL's input cannot even express them.
    const input = await gql(server, undefined, `{ __type(name: "CredentialInput") { inputFields { name } } }`);
    expect(input.body.data!.__type.inputFields.map((f: any) => f.name).sort()).toEqual(['baseUrl', 'category', 'description', 'expiresAt', 'keys', 'name']);

    // Mallory, through either door, sees exactly what an unknown id gives.
    const unknown = 'D'.repeat(22);
    for (const target of [id, unknown]) {
      expect((await rest(server, mallory.token, 'GET', `/api/credentials/${target}`)).status).toBe(403);
      expect((await rest(server, mallory.token, 'DELETE', `/api/credentials/${target}`)).status).toBe(403);
      const viaGraphql = await gql(server, mallory.token, `query($id: ID!) { credential(id: $id) { __typename } }`, { id: target });
      expect(viaGraphql.body.data!.credential.__typename).toBe('CredentialNotFoundError');
    }
    expect((await rest(server, mallory.token, 'GET', '/api/credentials')).body.credentials).toEqual([]);
    expect((await rest(server, mallory.token, 'GET', '/api/credentials/validate?name=owned')).status).toBe(204);
    expect(await storedSecrets(server, id)).toEqual({ token: 'alice-token' });
  });
});
