import { beforeAll, describe, expect, it } from 'vitest';
import { actorOf, OPERATOR } from '../../src/core/caller.js';
import { providers } from '../../src/features/providers/index.js';
import { contractKeys, graphqlProvider as gqlName, serverSetKeys, keysTypeName as typeName } from '../helpers/contract.js';
import { onPostgres } from '../helpers/database.js';
import { countCredentials, storedSecrets, validKeys } from '../helpers/fixtures.js';
import { gql, withServer } from '../helpers/server.js';

const KEYS_SELECTION = Object.entries(contractKeys)
  .map(([id, { R }]) => `... on ${typeName(id)} { provider ${R.join(' ')} }`)
  .join(' ');
const CREDENTIAL = `id name description provider baseUrl category dateCreated lastUpdated keys { __typename ${KEYS_SELECTION} }`;

const CREATE = `mutation Create($input: CredentialInput!, $useExternalId: Boolean) {
  createCredential(input: $input, useExternalId: $useExternalId) {
    __typename
    ... on MutationCreateCredentialSuccess { data { ${CREDENTIAL} } }
    ... on ValidationError { message fields { path message } }
    ... on CredentialNameTakenError { message name }
  }
}`;
const UPDATE = `mutation Update($id: ID!, $input: CredentialInput!) {
  updateCredential(id: $id, input: $input) {
    __typename
    ... on MutationUpdateCredentialSuccess { data { ${CREDENTIAL} } }
    ... on ValidationError { message fields { path message } }
    ... on CredentialNameTakenError { message name }
    ... on CredentialNotFoundError { message id }
  }
}`;
const DELETE = `mutation Delete($id: ID!) {
  deleteCredential(id: $id) { __typename ... on MutationDeleteCredentialSuccess { data } ... on CredentialNotFoundError { message id } }
}`;
const DESCRIBE = `query Describe($id: ID!) {
  credential(id: $id) { __typename ... on Credential { ${CREDENTIAL} } ... on CredentialNotFoundError { message id } }
}`;
const LIST = `query List($first: Int, $after: String, $provider: CredentialProvider) {
  credentials(first: $first, after: $after, provider: $provider) {
    edges { cursor node { id name provider } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}`;
const VALIDATE = `query Validate($name: String!) {
  validateCredentialName(name: $name) {
    __typename
    ... on QueryValidateCredentialNameSuccess { data }
    ... on ValidationError { message fields { path message } }
    ... on CredentialNameTakenError { name }
  }
}`;

const input = (name: string, provider: string, keys: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  name,
  ...extra,
  keys: { [gqlName(provider)]: keys },
});

const {
  server,
  users: { alice, bob },
} = withServer({ users: ['alice', 'bob'] });

async function create(token: string, variables: Record<string, unknown>) {
  const result = await gql(server, token, CREATE, variables);
  expect(result.body.errors).toBeUndefined();
  return result.body.data!.createCredential;
}

describe('createCredential then credentials round-trips', () => {
  it('creates a credential for each provider and shows returned fields only', async () => {
    for (const [provider, keys] of Object.entries(validKeys)) {
      const created = await create(alice.token, { input: input(`all-${provider}`, provider, keys, { description: 'd', category: 'cat' }) });
      expect(created.__typename, provider).toBe('MutationCreateCredentialSuccess');
      const c = created.data;
      expect(c.id).toMatch(/^[0-9A-Za-z]{22}$/);
      expect(c.provider).toBe(gqlName(provider));
      expect(c.keys.__typename).toBe(typeName(provider));
      const spec = providers.get(provider)!;
      expect(c.keys.provider).toBe(gqlName(provider));
      for (const field of contractKeys[provider]!.R) {
        const sent = keys[field];
        const expected = sent ?? spec.fields[field]!.default ?? null;
        expect(c.keys[field], `${provider}.${field}`).toEqual(expected);
      }
      const secrets = await storedSecrets(server, c.id);
      for (const field of contractKeys[provider]!.W) {
        if (keys[field] !== undefined) {
          expect(secrets?.[field], `${provider}.${field} sealed`).toBe(keys[field]);
          expect(JSON.stringify(created)).not.toContain(String(keys[field]));
        }
      }
    }
    const listed = await gql(server, alice.token, LIST, { first: 100 });
    const names = listed.body.data!.credentials.edges.map((e: any) => e.node.name);
    expect(names).toEqual(Object.keys(validKeys).map((p) => `all-${p}`));
  });

  it("keeps secrets out of every output type: each keys type carries exactly the contract's returned fields, each input the fields a client sets", async () => {
    const result = await gql(server, undefined, `{ __schema { types { name fields { name } inputFields { name } } } }`);
    const types = new Map<string, { fields: string[]; inputs: string[] }>(
      result.body.data!.__schema.types.map((t: any) => [
        t.name,
        { fields: (t.fields ?? []).map((f: any) => f.name), inputs: (t.inputFields ?? []).map((f: any) => f.name) },
      ]),
    );
    for (const [id, { R, W }] of Object.entries(contractKeys)) {
      expect(types.get(typeName(id))!.fields.sort(), typeName(id)).toEqual(['provider', ...R].sort());
      expect(types.get(`${typeName(id)}Input`)!.inputs.sort(), `${typeName(id)}Input`).toEqual([...R.filter((f) => !serverSetKeys.includes(f)), ...W].sort());
    }
    expect(types.get('Credential')!.fields).not.toContain('secret');
  });

  it('describes a credential just created and returns it with stored timestamps', async () => {
    const created = await create(alice.token, { input: input('describe-me', 'github', { username: 'u', password: 'pw-secret-x' }) });
    const described = await gql(server, alice.token, DESCRIBE, { id: created.data.id });
    expect(described.body.data!.credential).toEqual({ __typename: 'Credential', ...created.data });
    expect(new Date(created.data.dateCreated).getTime()).toBeGreaterThan(Date.now() - 60_000);
  });
});

describe('credentials connection', () => {
  let user: { token: string };
  beforeAll(async () => {
    user = await server.newUser('pager');
    for (let i = 0; i < 7; i++) {
      await create(user.token, { input: input(`page-${i}`, i % 2 ? 'gitlab' : 'github', { token: `t-${i}` }) });
    }
  });

  it('pages forward with first/after in a stable creation order, without gaps or repeats', async () => {
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    for (;;) {
      const result = await gql(server, user.token, LIST, { first: 3, after });
      const connection = result.body.data!.credentials;
      seen.push(...connection.edges.map((e: any) => e.node.name));
      pages++;
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `page-${i}`));
  });

  it('filters by provider', async () => {
    const result = await gql(server, user.token, LIST, { first: 100, provider: 'gitlab' });
    expect(result.body.data!.credentials.edges.map((e: any) => e.node.name)).toEqual(['page-1', 'page-3', 'page-5']);
  });

  it('rejects a page size above 100 and a forged cursor', async () => {
    const big = await gql(server, user.token, LIST, { first: 101 });
    expect(big.body.errors?.[0]?.message).toMatch(/first: must be an integer from 0 to 100/);
    const forged = await gql(server, user.token, LIST, { first: 2, after: 'bm90LWEtY3Vyc29y' });
    expect(forged.body.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    expect(forged.body.errors?.[0]?.message).toMatch(/after: is not a valid cursor/);
  });

  it('serves the largest page (first: 100, every field of every provider) within the default abuse limits', async () => {
    const page = await gql(
      server,
      user.token,
      `{ credentials(first: 100) { edges { cursor node { ${CREDENTIAL} } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`,
    );
    expect(page.body.errors).toBeUndefined();
    expect(page.body.data!.credentials.edges.length).toBeGreaterThan(0);
  });

  it('lists with a constant number of database queries, whatever the page size (no N+1)', async () => {
    const run = async (query: string) => {
      await server.services.tokens.settle(); // (the first use of a token records it, in the background)
      const start = server.queries.length;
      const result = await gql(server, user.token, query);
      expect(result.body.errors).toBeUndefined();
      return server.queries.slice(start);
    };
    const one = await run(`{ credentials(first: 1) { edges { node { id keys { __typename } } } } }`);
    const seven = await run(`{ credentials(first: 7) { edges { node { id name keys { __typename } } } } }`);
    // One statement authenticates the token, one reads the owner's credentials version, one reads the page.
    expect(one).toHaveLength(3);
    expect(seven).toHaveLength(3);
    expect(seven[2]).toMatch(/FROM .*Credential/);
    const withTokens = await run(`{ viewer { tokens { id } } credentials(first: 6) { edges { node { id } } } }`);
    expect(withTokens.length).toBeLessThanOrEqual(5);
  });

  it('serves a repeated page from the cache while nothing changed, and never after a change through either door', async () => {
    const owner = await server.newUser('cached-pager');
    const page = async () => {
      await server.services.tokens.settle(); // (the first use of a token records it, in the background)
      const start = server.queries.length;
      const result = await gql(server, owner.token, `{ credentials(first: 10) { edges { node { id name } } } }`);
      // (Not counted: SQLite's data version, read once per turn of the event loop.)
      const statements = server.queries.slice(start).filter((q) => q !== 'PRAGMA data_version').length;
      return { names: result.body.data!.credentials.edges.map((e: any) => e.node.name), statements };
    };
    const created = await create(owner.token, { input: input('first', 'github', { token: 't' }) });
    const id = created.data.id;
    expect(await page()).toEqual({ names: ['first'], statements: 3 });
    // Same page, nothing changed: the version only (and the token on PostgreSQL; SQLite keeps it while the
    // database is unchanged), the page comes from the cache.
    expect(await page()).toEqual({ names: ['first'], statements: onPostgres ? 2 : 1 });
    // A rename through REST (another door, same database) is seen at once.
    const renamed = await fetch(`${server.url}/api/credentials/${id}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ credentials: { id, name: 'renamed', provider: 'github', keys: {} } }),
    });
    expect(renamed.status).toBe(204);
    expect((await page()).names).toEqual(['renamed']);
    await create(owner.token, { input: input('second', 'github', { token: 't' }) });
    expect((await page()).names).toEqual(['renamed', 'second']);
    await gql(server, owner.token, DELETE, { id });
    expect((await page()).names).toEqual(['second']);
  });
});

describe('updateCredential', () => {
  it('replaces keys as a whole, keeps secrets not re-sent and replaces secrets sent', async () => {
    const created = await create(alice.token, {
      input: input('upd', 'aws', { accessKey: 'AK1', secretKey: 'SK1-secret', assumeRoleArn: 'arn:aws:iam::1:role/x' }),
    });
    const id = created.data.id;
    const kept = await gql(server, alice.token, UPDATE, { id, input: input('upd-renamed', 'aws', { accessKey: 'AK2' }, { description: 'new' }) });
    const updated = kept.body.data!.updateCredential;
    expect(updated.__typename).toBe('MutationUpdateCredentialSuccess');
    expect(updated.data.name).toBe('upd-renamed');
    expect(updated.data.description).toBe('new');
    expect(updated.data.keys.accessKey).toBe('AK2');
    expect(updated.data.keys.assumeRoleArn).toBeNull(); // not re-sent: returned fields are replaced as a whole
    expect(await storedSecrets(server, id)).toEqual({ secretKey: 'SK1-secret' });
    expect(new Date(updated.data.lastUpdated).getTime()).toBeGreaterThanOrEqual(new Date(created.data.lastUpdated).getTime());

    await gql(server, alice.token, UPDATE, { id, input: input('upd-renamed', 'aws', { accessKey: 'AK2', secretKey: 'SK2-secret' }) });
    expect(await storedSecrets(server, id)).toEqual({ secretKey: 'SK2-secret' });
  });

  it('refuses to change the provider, and an update that breaks the rules changes nothing', async () => {
    const created = await create(alice.token, { input: input('fixed', 'github', { token: 'tok-fixed' }) });
    const before = await server.db.credential.findUniqueOrThrow({ where: { id: created.data.id } });
    const change = await gql(server, alice.token, UPDATE, { id: created.data.id, input: input('fixed', 'gitlab', { token: 'x' }) });
    expect(change.body.data!.updateCredential).toMatchObject({ __typename: 'ValidationError', fields: [{ path: 'provider' }] });
    const bad = await gql(server, alice.token, UPDATE, { id: created.data.id, input: input('', 'github', { token: 'x' }) });
    expect(bad.body.data!.updateCredential).toMatchObject({ __typename: 'ValidationError', fields: [{ path: 'name', message: 'must not be empty' }] });
    const after = await server.db.credential.findUniqueOrThrow({ where: { id: created.data.id } });
    expect(after).toEqual(before);
  });

  it('answers name taken when renaming onto another live credential', async () => {
    await create(alice.token, { input: input('taken-a', 'github', { token: 'a' }) });
    const b = await create(alice.token, { input: input('taken-b', 'github', { token: 'b' }) });
    const result = await gql(server, alice.token, UPDATE, { id: b.data.id, input: input('taken-a', 'github', {}) });
    expect(result.body.data!.updateCredential).toEqual({
      __typename: 'CredentialNameTakenError',
      message: "A credential named 'taken-a' already exists",
      name: 'taken-a',
    });
  });
});

describe('deleteCredential', () => {
  it('soft-deletes: the row stays marked deleted with its secret sealed for the recovery window, it disappears, and its name is free', async () => {
    const created = await create(alice.token, { input: input('to-delete', 'gitlab', { username: 'u', token: 'del-secret' }) });
    const id = created.data.id;
    const deleted = await gql(server, alice.token, DELETE, { id });
    expect(deleted.body.data!.deleteCredential).toEqual({ __typename: 'MutationDeleteCredentialSuccess', data: id });

    const row = await server.db.credential.findUniqueOrThrow({ where: { id } });
    expect(row.deleted).toBeInstanceOf(Date);
    expect(row.secret).toMatch(/^v1:/);
    expect(row.purged).toBeNull();
    expect(row.name).toBe('to-delete');

    const described = await gql(server, alice.token, DESCRIBE, { id });
    expect(described.body.data!.credential.__typename).toBe('CredentialNotFoundError');
    const listed = await gql(server, alice.token, LIST, { first: 100 });
    expect(listed.body.data!.credentials.edges.map((e: any) => e.node.id)).not.toContain(id);
    const again = await gql(server, alice.token, DELETE, { id });
    expect(again.body.data!.deleteCredential.__typename).toBe('CredentialNotFoundError');

    const validate = await gql(server, alice.token, VALIDATE, { name: 'to-delete' });
    expect(validate.body.data!.validateCredentialName).toEqual({ __typename: 'QueryValidateCredentialNameSuccess', data: true });
    const recreated = await create(alice.token, { input: input('to-delete', 'gitlab', { token: 'new' }) });
    expect(recreated.__typename).toBe('MutationCreateCredentialSuccess');
  });
});

describe('validateCredentialName', () => {
  it('answers true for a free valid name, taken for a used one, and names the problem of an invalid one', async () => {
    await create(alice.token, { input: input('Git Hub Access Credentials', 'github', { token: 'x' }) });
    const free = await gql(server, alice.token, VALIDATE, { name: 'free name' });
    expect(free.body.data!.validateCredentialName.data).toBe(true);
    const taken = await gql(server, alice.token, VALIDATE, { name: 'Git Hub Access Credentials' });
    expect(taken.body.data!.validateCredentialName).toEqual({ __typename: 'CredentialNameTakenError', name: 'Git Hub Access Credentials' });
    const otherUser = await gql(server, bob.token, VALIDATE, { name: 'Git Hub Access Credentials' });
    expect(otherUser.body.data!.validateCredentialName.data).toBe(true);
    for (const [name, message] of [
      ['', 'must not be empty'],
      ['x'.repeat(101), 'must be at most 100 characters'],
      ['tab\there', 'must not contain control characters'],
      [' padded', 'must not start or end with blanks'],
    ]) {
      const result = await gql(server, alice.token, VALIDATE, { name });
      expect(result.body.data!.validateCredentialName).toMatchObject({ __typename: 'ValidationError', fields: [{ path: 'name', message }] });
    }
  });
});

describe('invalid input changes nothing and names the problem', () => {
  const cases: [string, Record<string, unknown>, { path: string; message: RegExp }[]][] = [
    ['empty name', input('', 'github', { token: 't' }), [{ path: 'name', message: /must not be empty/ }]],
    ['long name', input('n'.repeat(101), 'github', { token: 't' }), [{ path: 'name', message: /at most 100/ }]],
    ['control characters', input('a\u0007b', 'github', { token: 't' }), [{ path: 'name', message: /control characters/ }]],
    ['missing keys of the provider', input('aws-missing', 'aws', { accessKey: 'A' }), [{ path: 'keys.secretKey', message: /is required/ }]],
    ['long category', input('cat', 'github', { token: 't' }, { category: 'c'.repeat(21) }), [{ path: 'category', message: /at most 20/ }]],
    ['long baseUrl', input('url', 'github', { token: 't' }, { baseUrl: 'u'.repeat(201) }), [{ path: 'baseUrl', message: /at most 200/ }]],
    ['unparseable ssh key', input('ssh-bad', 'ssh', { privateKey: 'not a key' }), [{ path: 'keys.privateKey', message: /Unrecognised SSH private key type/ }]],
    ['google data not JSON', input('g', 'google', { data: '{nope' }), [{ path: 'keys.data', message: /JSON/ }]],
    [
      'aws role mode with static keys',
      input('role', 'aws', { mode: 'role', assumeRoleArn: 'arn', accessKey: 'A' }),
      [{ path: 'keys.accessKey', message: /role mode/ }],
    ],
  ];
  for (const [title, variables, problems] of cases) {
    it(`rejects ${title}`, async () => {
      const before = await countCredentials(server);
      const result = await gql(server, alice.token, CREATE, { input: variables });
      const payload = result.body.data!.createCredential;
      expect(payload.__typename).toBe('ValidationError');
      for (const problem of problems) {
        expect(payload.fields).toContainEqual({ path: problem.path, message: expect.stringMatching(problem.message) });
      }
      expect(await countCredentials(server)).toBe(before);
    });
  }

  it('reports every invalid field at once', async () => {
    const result = await gql(server, alice.token, CREATE, { input: input('', 'aws', { accessKey: 'a'.repeat(1025) }, { category: 'c'.repeat(30) }) });
    const paths = result.body.data!.createCredential.fields.map((f: any) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['name', 'category', 'keys.accessKey']));
  });

  it('rejects keys of two providers at once, and wrong types, before any change', async () => {
    const before = await countCredentials(server);
    const two = await gql(server, alice.token, CREATE, { input: { name: 'two', keys: { github: { token: 'a' }, gitlab: { token: 'b' } } } });
    expect(two.body.errors?.[0]?.message).toMatch(/Exactly one key must be specified for OneOf type "CredentialKeysInput"/);
    const wrongType = await gql(server, alice.token, CREATE, { input: { name: 42, keys: { github: { token: 'a' } } } });
    expect(wrongType.body.errors?.[0]?.message).toBe('Variable "$input" got an invalid value at "input.name"; String cannot represent a non string value.');
    const unknownProvider = await gql(server, alice.token, CREATE, { input: { name: 'p', keys: { vault: { token: 'a' } } } });
    expect(unknownProvider.body.errors?.[0]?.message).toMatch(/Field "vault" is not defined by type "CredentialKeysInput"/);
    const foreignKey = await gql(server, alice.token, CREATE, { input: { name: 'f', keys: { aws: { password: 'x' } } } });
    expect(foreignKey.body.errors?.[0]?.message).toMatch(/Field "password" is not defined by type "AwsKeysInput"/);
    const legacy = await gql(server, alice.token, CREATE, { input: { name: 'l', keys: { github: { accessKey: 'a', secretKey: 's' } } } });
    expect(legacy.body.errors?.[0]?.message).toMatch(/Field "accessKey" is not defined by type "GithubKeysInput"/);
    const mode = await gql(server, alice.token, CREATE, { input: input('mode', 'aws', { mode: 'sideways', accessKey: 'A', secretKey: 'S' }) });
    expect(mode.body.errors?.[0]?.message).toBe(
      'Variable "$input" got an invalid value at "input.keys.aws.mode"; The value is not one of the values of enum "AwsMode".',
    );
    expect(await countCredentials(server)).toBe(before);
  });

  it('answers a malformed JSON body with 400 and an oversized one with 413', async () => {
    const malformed = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${alice.token}` },
      body: '{"query": "{ viewer { name } ',
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as any).errors[0].message).toMatch(/not valid JSON/);
    const before = await countCredentials(server);
    const huge = await gql(server, alice.token, CREATE, { input: input('huge', 'github', { token: 'x'.repeat(300_000) }) });
    expect(huge.status).toBe(413);
    expect(huge.body.errors?.[0]?.message).toMatch(/larger than 262144 bytes/);
    expect(await countCredentials(server)).toBe(before);
  });
});

describe('authentication and isolation', () => {
  it("hides one user's credentials from another exactly like an unknown id", async () => {
    const created = await create(alice.token, { input: input('alice-only', 'github', { token: 'alice-secret' }) });
    const id = created.data.id;
    const unknownId = 'A'.repeat(22);

    const bobList = await gql(server, bob.token, LIST, { first: 100 });
    expect(bobList.body.data!.credentials.edges.map((e: any) => e.node.id)).not.toContain(id);

    for (const [operation, variables] of [
      [DESCRIBE, {}],
      [UPDATE, { input: input('stolen', 'github', { token: 'x' }) }],
      [DELETE, {}],
    ] as const) {
      const foreign = await gql(server, bob.token, operation, { id, ...variables });
      const unknown = await gql(server, bob.token, operation, { id: unknownId, ...variables });
      const strip = (r: any) => JSON.stringify(r.body).replaceAll(id, '<id>').replaceAll(unknownId, '<id>');
      expect(strip(foreign)).toBe(strip(unknown));
      expect(foreign.status).toBe(unknown.status);
    }
    const still = await gql(server, alice.token, DESCRIBE, { id });
    expect(still.body.data!.credential.name).toBe('alice-only');
    expect(await storedSecrets(server, id)).toEqual({ token: 'alice-secret' });
  });

  it('refuses a request without a token, with a malformed header, or with an unknown token (401)', async () => {
    const missing = await gql(server, undefined, LIST, { first: 1 });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect(missing.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    const unknown = await gql(server, `cst_${'x'.repeat(43)}`, `{ viewer { name } }`);
    expect(unknown.status).toBe(401);
    expect(unknown.body.errors?.[0]?.message).toBe('Invalid, expired or revoked access token');

    const malformed = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Basic abc' },
      body: JSON.stringify({ query: '{ viewer { name } }' }),
    });
    expect(malformed.status).toBe(401);

    const before = await countCredentials(server);
    const write = await gql(server, undefined, CREATE, { input: input('anon', 'github', { token: 'x' }) });
    expect(write.status).toBe(401);
    expect(await countCredentials(server)).toBe(before);
  });

  it('refuses a revoked token at once', async () => {
    const carol = await server.newUser('carol');
    expect((await gql(server, carol.token, `{ viewer { name } }`)).status).toBe(200);
    expect(await server.services.tokens.revokeToken(carol.tokenId, actorOf(OPERATOR))).toBe(true);
    const after = await gql(server, carol.token, `{ viewer { name } }`);
    expect(after.status).toBe(401);
    expect(after.body.errors?.[0]?.message).toBe('Invalid, expired or revoked access token');
  });

  it('lets a client read the schema without a token (GraphiQL docs), and shows the viewer with a token', async () => {
    const schema = await gql(server, undefined, `{ __schema { queryType { name } } }`);
    expect(schema.status).toBe(200);
    const viewer = await gql(server, alice.token, `{ viewer { id name tokens { name revokedAt } } }`);
    expect(viewer.body.data!.viewer).toMatchObject({ id: alice.userId, tokens: [{ name: 'test', revokedAt: null }] });
  });
});
