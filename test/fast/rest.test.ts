/** The legacy REST API: wire behaviour, query parameters, every error, parity with GraphQL. Every response is checked against the OpenAPI document. */

import { describe, expect, it } from 'vitest';
import { actorOf, OPERATOR } from '../../src/core/caller.js';
import { providers, secretFields } from '../../src/features/providers/index.js';
import { contractKeys } from '../helpers/contract.js';
import { countCredentials, storedSecrets, validKeys } from '../helpers/fixtures.js';
import { rest } from '../helpers/rest.js';
import { gql, withServer } from '../helpers/server.js';

const {
  server,
  users: { rest: user, 'rest-other': other },
} = withServer({ users: ['rest', 'rest-other'] });

const api = (method: string, path: string, body?: unknown, token = user.token) => rest(server, token, method, path, body);
const create = async (credentials: Record<string, unknown>, query = '') => {
  const result = await api('POST', `/api/credentials${query}`, { credentials });
  expect(result.status, result.text).toBe(200);
  return result.body.credentialsId as string;
};
const describeCredential = async (id: string) => (await api('GET', `/api/credentials/${id}`)).body.credentials;

describe('responses', () => {
  it('send nulls rather than omitting fields, and keys with returned fields, write-only ones as null, and the discriminator', async () => {
    for (const [provider, keys] of Object.entries(validKeys)) {
      const id = await create({ name: `wire-${provider}`, provider, keys });
      const described = await describeCredential(id);
      expect(Object.keys(described)).toEqual([
        'id',
        'name',
        'description',
        'provider',
        'baseUrl',
        'category',
        'keys',
        'deleted',
        'lastUsed',
        'dateCreated',
        'lastUpdated',
        'status',
        'message',
        'lastValidated',
        'expiresAt',
        'expiresAtSource',
      ]);
      expect(described).toMatchObject({
        description: null,
        baseUrl: null,
        category: null,
        deleted: null,
        lastUsed: null,
        status: 'AVAILABLE',
        message: null,
        lastValidated: null,
      });
      expect(described.keys.discriminator).toBe(provider);
      const spec = providers.get(provider)!;
      for (const [field, value] of Object.entries(keys)) {
        expect(described.keys[field], `${provider}.${field}`).toEqual(spec.fields[field]!.secret ? null : value);
      }
      for (const field of secretFields(spec)) expect(described.keys[field], `${provider}.${field}`).toBeNull();
      expect(JSON.stringify(described)).not.toMatch(/secret-VALUE/);
    }
    const listed = await api('GET', '/api/credentials');
    expect(listed.text).not.toMatch(/secret-VALUE/);
    expect(listed.body.credentials.length).toBeGreaterThanOrEqual(18);
  });

  it('make a credential describable immediately after create (as the Terraform provider does)', async () => {
    const id = await create({ name: 'tf-1', provider: 'aws', keys: { accessKey: 'AK', secretKey: 'SK' } });
    expect((await api('GET', `/api/credentials/${id}`)).status).toBe(200);
  });
});

describe('requests as clients send them', () => {
  it('accept keys without discriminator, with a matching one, and ignore keyType; refuse a mismatched discriminator', async () => {
    await create({ name: 'd-none', provider: 'github', keys: { token: 't' } });
    await create({ name: 'd-same', provider: 'github', keys: { token: 't', discriminator: 'github', keyType: 'GitHubSecurityKeys' } });
    const mismatch = await api('POST', '/api/credentials', { credentials: { name: 'd-x', provider: 'github', keys: { token: 't', discriminator: 'gitlab' } } });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.message).toBe("keys.discriminator: must equal the provider 'github' when sent");
  });

  it('ignore read-only fields sent by the client: id on create, dates, deleted, lastUsed, externalId', async () => {
    const forgedId = 'AAAAAAAAAAAAAAAAAAAAAA';
    const id = await create({
      id: forgedId,
      name: 'ro',
      provider: 'aws',
      dateCreated: '2000-01-01T00:00:00Z',
      lastUpdated: '2000-01-01T00:00:00Z',
      lastUsed: '2000-01-01T00:00:00Z',
      deleted: true,
      keys: { accessKey: 'A', secretKey: 'S', externalId: 'forged' },
    });
    expect(id).not.toBe(forgedId);
    const c = await describeCredential(id);
    expect(c.dateCreated.startsWith('2000')).toBe(false);
    expect(c.lastUsed).toBeNull();
    expect(c.deleted).toBeNull();
    expect(c.keys.externalId).toBeNull();
  });

  it('update keeps secrets not sent and replaces those sent', async () => {
    const id = await create({ name: 'upd', provider: 'container-reg', keys: { userName: 'u', password: 'pw-1' } });
    expect((await describeCredential(id)).keys.registry).toBe('docker.io');
    const { keys: _keys, ...described } = await describeCredential(id);
    // A client that writes back what it read, keys without their secrets: the secrets stay.
    const roundTrip = await api('PUT', `/api/credentials/${id}`, { credentials: { ...described, description: 'round trip', keys: { userName: 'u' } } });
    expect(roundTrip.status).toBe(204);
    expect(roundTrip.text).toBe('');
    expect(await storedSecrets(server, id)).toEqual({ password: 'pw-1' });
    expect((await describeCredential(id)).description).toBe('round trip');

    await api('PUT', `/api/credentials/${id}`, {
      credentials: { name: 'upd', provider: 'container-reg', keys: { userName: 'u2', password: 'pw-2', registry: 'quay.io' } },
    });
    expect(await storedSecrets(server, id)).toEqual({ password: 'pw-2' });
    expect((await describeCredential(id)).keys).toMatchObject({ userName: 'u2', registry: 'quay.io', password: null });
  });

  it('useExternalId generates an external id in AWS role mode, kept by later updates', async () => {
    const keys = { mode: 'role', assumeRoleArn: 'arn:aws:iam::123456789012:role/pipelines' };
    const id = await create({ name: 'role', provider: 'aws', keys }, '?useExternalId=true');
    const externalId = (await describeCredential(id)).keys.externalId;
    expect(externalId).toMatch(/^[0-9A-Za-z]{32}$/);
    await api('PUT', `/api/credentials/${id}`, { credentials: { name: 'role', provider: 'aws', keys } });
    expect((await describeCredential(id)).keys.externalId).toBe(externalId);
    const plain = await create({ name: 'role-plain', provider: 'aws', keys });
    expect((await describeCredential(plain)).keys.externalId).toBeNull();
    const bad = await api('POST', '/api/credentials?useExternalId=maybe', { credentials: { name: 'r', provider: 'aws', keys } });
    expect(bad).toMatchObject({ status: 400, body: { message: 'useExternalId: must be true or false' } });
  });

  it('the seed-era generic accessKey/secretKey pair works for providers without those fields', async () => {
    const id = await create({ name: 'legacy-gitlab', provider: 'gitlab', keys: { accessKey: 'AK', secretKey: 'legacy-secret' } });
    expect((await describeCredential(id)).keys).toMatchObject({ accessKey: 'AK', secretKey: null, discriminator: 'gitlab' });
    expect(await storedSecrets(server, id)).toEqual({ secretKey: 'legacy-secret' });
    // GraphQL does not know the pair, yet an update through it keeps the stored secret (secrets not sent are kept).
    const renamed = await gql(
      server,
      user.token,
      `mutation($id: ID!) { updateCredential(id: $id, input: {name: "legacy-gitlab-2", keys: {gitlab: {username: "u"}}}) { __typename } }`,
      { id },
    );
    expect(renamed.body.data?.updateCredential.__typename).toBe('MutationUpdateCredentialSuccess');
    expect(await storedSecrets(server, id)).toEqual({ secretKey: 'legacy-secret' });
  });
});

describe('query parameters', () => {
  it('platformId lists only credentials usable by that compute platform', async () => {
    const fresh = await server.newUser('platforms');
    for (const provider of ['aws', 'google', 'azure', 'azure_entra', 'github', 'ssh', 'k8s']) {
      const r = await rest(server, fresh.token, 'POST', '/api/credentials', { credentials: { name: `p-${provider}`, provider, keys: validKeys[provider] } });
      expect(r.status).toBe(200);
    }
    const providersFor = async (platformId: string) =>
      (await rest(server, fresh.token, 'GET', `/api/credentials?platformId=${platformId}`)).body.credentials.map((c: any) => c.provider).sort();
    expect(await providersFor('aws-batch')).toEqual(['aws']);
    expect(await providersFor('google-batch')).toEqual(['google']);
    expect(await providersFor('azure-batch')).toEqual(['azure', 'azure_entra']);
    expect(await providersFor('k8s-platform')).toEqual(['k8s']);
    expect(await providersFor('slurm-platform')).toEqual(['ssh']);
    const unknown = await rest(server, fresh.token, 'GET', '/api/credentials?platformId=mainframe');
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toMatch(/^platformId: must be one of aws-batch, /);
  });

  it('workspaceId: absent is your own context; a workspace that does not exist, or a malformed value, is Forbidden', async () => {
    const id = await create({ name: 'ws', provider: 'github', keys: { token: 't' } });
    for (const [method, path, body] of [
      ['GET', '/api/credentials?workspaceId=42'],
      ['POST', '/api/credentials?workspaceId=42', { credentials: { name: 'ws2', provider: 'github', keys: { token: 't' } } }],
      ['GET', `/api/credentials/${id}?workspaceId=42`],
      ['PUT', `/api/credentials/${id}?workspaceId=42`, { credentials: { name: 'ws', provider: 'github', keys: {} } }],
      ['DELETE', `/api/credentials/${id}?workspaceId=42`],
      ['GET', '/api/credentials/validate?name=x&workspaceId=42'],
    ] as const) {
      const result = await api(method, path, body);
      expect(result, `${method} ${path}`).toMatchObject({ status: 403, body: { message: 'Forbidden' } });
    }
    expect((await api('GET', `/api/credentials/${id}`)).status).toBe(200);
    for (const malformed of ['abc', '0', '-1', '1.5', '99999999999999999999', '', 'workspaceId=1&workspaceId=1']) {
      const query = malformed.includes('=') ? malformed : `workspaceId=${malformed}`;
      expect(await api('GET', `/api/credentials?${query}`), query).toMatchObject({ status: 403, body: { message: 'Forbidden' } });
    }
    expect(await api('GET', '/api/credentials?workspaceId[]=1')).toMatchObject({ status: 403, body: { message: 'Forbidden' } });
  });

  it('checked on delete is accepted', async () => {
    const id = await create({ name: 'checked', provider: 'github', keys: { token: 't' } });
    expect((await api('DELETE', `/api/credentials/${id}?checked=true`)).status).toBe(204);
  });
});

describe('name validation', () => {
  it('answers 204 for a valid free name, 409 for a taken one, 400 naming the problem otherwise', async () => {
    await create({ name: 'Git Hub Access Credentials', provider: 'github', keys: { token: 't' } });
    expect((await api('GET', '/api/credentials/validate?name=free%20name')).status).toBe(204);
    const taken = await api('GET', '/api/credentials/validate?name=Git%20Hub%20Access%20Credentials');
    expect(taken).toMatchObject({ status: 409, body: { message: "A credential named 'Git Hub Access Credentials' already exists" } });
    expect((await api('GET', '/api/credentials/validate?name=Git%20Hub%20Access%20Credentials', undefined, other.token)).status).toBe(204);
    expect(await api('GET', '/api/credentials/validate')).toMatchObject({ status: 400, body: { message: 'name: is required' } });
    expect(await api('GET', `/api/credentials/validate?name=${'x'.repeat(101)}`)).toMatchObject({
      status: 400,
      body: { message: 'name: must be at most 100 characters' },
    });
    expect(await api('GET', '/api/credentials/validate?name=a%0Ab')).toMatchObject({
      status: 400,
      body: { message: 'name: must not contain control characters' },
    });
  });
});

describe('errors', () => {
  it('400 names the specific problem of invalid input, and nothing is stored', async () => {
    const before = await countCredentials(server);
    const cases: [unknown, string][] = [
      [{ credentials: { provider: 'github', keys: { token: 't' } } }, 'name: must be a string'],
      [{ credentials: { name: '', provider: 'github', keys: { token: 't' } } }, 'name: must not be empty'],
      [{ credentials: { name: 'x', provider: 'vault', keys: {} } }, "provider: unknown provider 'vault'; expected one of aws, seqeracompute"],
      [{ credentials: { name: 'x', provider: 'aws', keys: { accessKey: 'a', secretKey: 's', password: 'p' } } }, 'keys.password: not a key of provider aws'],
      [{ credentials: { name: 'x', provider: 'aws', keys: { accessKey: 'a' } } }, 'keys.secretKey: is required'],
      [{ credentials: { name: 'x', provider: 'ssh', keys: { privateKey: 'nope' } } }, 'keys.privateKey: Unrecognised SSH private key type'],
      [{ credentials: { name: 'x', provider: 'github', keys: { token: 't' }, category: 'c'.repeat(21) } }, 'category: must be at most 20 characters'],
      [{ credentials: { name: 'x', provider: 'github', keys: { token: 42 } } }, 'keys.token: must be a string'],
      [{ credentials: 'github' }, 'credentials: must be an object'],
      [{ name: 'x', provider: 'github' }, 'credentials: must be an object'],
      [[1, 2], 'request body must be a JSON object with a credentials object'],
    ];
    for (const [body, message] of cases) {
      const result = await api('POST', '/api/credentials', body);
      expect(result.status, JSON.stringify(body)).toBe(400);
      expect(result.body.message, JSON.stringify(body)).toContain(message);
    }
    const empty = await api('POST', '/api/credentials');
    expect(empty).toMatchObject({ status: 400, body: { message: 'credentials: must be an object' } });
    expect(await countCredentials(server)).toBe(before);
  });

  it('an update id that differs from the path is a 400, and changes nothing', async () => {
    const id = await create({ name: 'mismatch', provider: 'github', keys: { token: 't' } });
    const result = await api('PUT', `/api/credentials/${id}`, { credentials: { id: 'B'.repeat(22), name: 'changed', provider: 'github', keys: {} } });
    expect(result.status).toBe(400);
    expect(result.body.message).toBe(`credentials.id: '${'B'.repeat(22)}' does not match the id of the path '${id}'`);
    expect((await describeCredential(id)).name).toBe('mismatch');
  });

  it('a body that cannot be read gets 400 and the reason (where the JSON breaks, the media type), never the body nor an Oops', async () => {
    for (const [raw, contentType, message] of [
      ['{"credentials": [ "glpat-secret-1" x', 'application/json', /^Request body is not valid JSON(: [^"]+)? \(at position 35\)$/],
      ['{"credentials": [', 'application/json', /^Request body is not valid JSON/],
      ['name=glpat-secret-2', 'application/x-www-form-urlencoded', /^Unsupported Media Type/],
      ['glpat-secret-3', 'text/plain', /^Unsupported Media Type/],
    ] as const) {
      const result = await rest(server, user.token, 'POST', '/api/credentials', undefined, { raw, contentType });
      expect(result.status, contentType).toBe(400);
      expect(Object.keys(result.body)).toEqual(['message']);
      expect(result.body.message, raw).toMatch(message);
      expect(result.body.message).not.toMatch(/glpat|Oops/);
      expect(server.logs.join('\n')).not.toContain('glpat-secret');
    }
  });

  it('a fault of the server is a 500 Oops whose Error ID is logged with the failure, and no stack or secret leaks', async () => {
    const id = await create({ name: 'broken', provider: 'github', keys: { token: 'leak-me-not' } });
    await server.db.$executeRawUnsafe(`UPDATE "Credential" SET "keys" = '{not json' WHERE "id" = '${id}'`);
    const result = await api('GET', `/api/credentials/${id}`);
    expect(result.status).toBe(500);
    const errorId = /Error ID: ([0-9A-Za-z]{22})$/.exec(result.body.message)![1]!;
    expect(Object.keys(result.body)).toEqual(['message']);
    expect(result.text).not.toMatch(/at |SyntaxError|leak-me-not/);
    const logged = server.logs.map((l) => JSON.parse(l)).filter((l) => l.errorId === errorId);
    expect(logged.map((l) => l.msg)).toEqual(['unexpected error', 'request']);
    expect(logged[0].err.message).toMatch(/JSON/);
    expect(logged[1]).toMatchObject({ status: 500, route: '/api/credentials/:credentialsId' });
  });

  it('401 Unauthorized with WWW-Authenticate: Bearer for a missing, malformed, unknown or revoked token', async () => {
    const revoked = await server.newUser('revoked');
    await server.services.tokens.revokeToken(revoked.tokenId, actorOf(OPERATOR));
    for (const token of [undefined, 'not-a-token', `cst_${'a'.repeat(43)}`, revoked.token]) {
      for (const [method, path] of [
        ['GET', '/api/credentials'],
        ['POST', '/api/credentials'],
        ['GET', '/api/credentials/validate?name=x'],
        ['DELETE', `/api/credentials/${'A'.repeat(22)}`],
      ] as const) {
        const result = await rest(server, token, method, path, method === 'POST' ? { credentials: {} } : undefined);
        expect(result.status, `${token} ${method} ${path}`).toBe(401);
        expect(result.body).toEqual({ message: 'Unauthorized' });
        expect(result.headers.get('www-authenticate')).toBe('Bearer');
      }
    }
  });

  it("403 Forbidden for unknown, deleted and other users' ids, all alike", async () => {
    const mine = await create({ name: 'mine', provider: 'github', keys: { token: 'mine-secret' } });
    const gone = await create({ name: 'gone', provider: 'github', keys: { token: 't' } });
    await api('DELETE', `/api/credentials/${gone}`);
    const body = { credentials: { name: 'stolen', provider: 'github', keys: { token: 'x' } } };
    for (const [id, token] of [
      [mine, other.token],
      [gone, user.token],
      ['A'.repeat(22), user.token],
      ['short', user.token],
    ] as const) {
      for (const [method, payload] of [['GET'], ['PUT', body], ['DELETE']] as const) {
        const result = await rest(server, token, method, `/api/credentials/${id}`, payload);
        expect(result.status, `${method} ${id}`).toBe(403);
        expect(result.body).toEqual({ message: 'Forbidden' });
      }
    }
    expect((await describeCredential(mine)).name).toBe('mine');
    expect(await storedSecrets(server, mine)).toEqual({ token: 'mine-secret' });
    const otherList = await api('GET', '/api/credentials', undefined, other.token);
    expect(otherList.body.credentials.map((c: any) => c.id)).not.toContain(mine);
  });

  it('409 for a taken name on create and on update', async () => {
    await create({ name: 'dup', provider: 'github', keys: { token: 't' } });
    const id = await create({ name: 'dup-2', provider: 'github', keys: { token: 't' } });
    const again = await api('POST', '/api/credentials', { credentials: { name: 'dup', provider: 'gitlab', keys: { token: 't' } } });
    expect(again).toMatchObject({ status: 409, body: { message: "A credential named 'dup' already exists" } });
    const rename = await api('PUT', `/api/credentials/${id}`, { credentials: { name: 'dup', provider: 'github', keys: {} } });
    expect(rename.status).toBe(409);
  });

  it('404 JSON for unknown paths, 405 with Allow for wrong methods, 413 for oversized bodies', async () => {
    const unknown = await rest(server, user.token, 'GET', '/api/credentialz', undefined, { validate: false });
    expect(unknown).toMatchObject({ status: 404, body: { message: 'Not found: GET /api/credentialz' } });
    const deep = await rest(server, user.token, 'GET', '/api/credentials/a/b', undefined, { validate: false });
    expect(deep.status).toBe(404);
    const patch = await rest(server, user.token, 'PATCH', `/api/credentials/${'A'.repeat(22)}`, {}, { validate: false });
    expect(patch.status).toBe(405);
    expect(patch.headers.get('allow')).toBe('GET, PUT, DELETE, HEAD');
    const postValidate = await rest(server, user.token, 'POST', '/api/credentials/validate', {}, { validate: false });
    expect(postValidate.status).toBe(405);
    const put = await rest(server, user.token, 'PUT', '/api/credentials', {}, { validate: false });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST, HEAD');
    const huge = await rest(
      server,
      user.token,
      'POST',
      '/api/credentials',
      { credentials: { name: 'big', provider: 'github', keys: { token: 'x'.repeat(300_000) } } },
      { validate: false },
    );
    expect(huge).toMatchObject({ status: 413, body: { message: 'Request body is larger than 262144 bytes' } });
  });
});

describe('parity with GraphQL', () => {
  it('the same scenario through both doors leaves the same stored state and shows the same fields', async () => {
    const viaRest = await server.newUser('parity-rest');
    const viaGraphql = await server.newUser('parity-graphql');
    const fields = { name: 'parity', description: 'same', baseUrl: 'https://git.example.com', category: 'repos' };
    const keys = { username: 'octo', token: 'parity-token' };

    const restId = (await rest(server, viaRest.token, 'POST', '/api/credentials', { credentials: { ...fields, provider: 'github', keys } })).body.credentialsId;
    await rest(server, viaRest.token, 'PUT', `/api/credentials/${restId}`, {
      credentials: { ...fields, description: 'changed', provider: 'github', keys: { username: 'octo2' } },
    });

    const created = await gql(
      server,
      viaGraphql.token,
      `mutation($input: CredentialInput!) { createCredential(input: $input) { ... on MutationCreateCredentialSuccess { data { id } } } }`,
      { input: { ...fields, keys: { github: keys } } },
    );
    const gqlId = created.body.data!.createCredential.data.id;
    await gql(server, viaGraphql.token, `mutation($id: ID!, $input: CredentialInput!) { updateCredential(id: $id, input: $input) { __typename } }`, {
      id: gqlId,
      input: { ...fields, description: 'changed', keys: { github: { username: 'octo2' } } },
    });

    const row = async (id: string) => {
      // Who and which door differ by design (the audit columns); everything else must match.
      const {
        id: _i,
        userId: _u,
        secret: _s,
        dateCreated: _c,
        lastUpdated: _l,
        changedBy: _b,
        changedVia: _v,
        ...rest
      } = await server.db.credential.findUniqueOrThrow({ where: { id } });
      return { ...rest, secrets: await storedSecrets(server, id) };
    };
    expect(await row(gqlId)).toEqual(await row(restId));
    expect((await row(restId)).secrets).toEqual({ token: 'parity-token' });

    const restView = (await rest(server, viaRest.token, 'GET', `/api/credentials/${restId}`)).body.credentials;
    const gqlView = (
      await gql(
        server,
        viaGraphql.token,
        `query($id: ID!) { credential(id: $id) { ... on Credential {
      name description provider baseUrl category keys { ... on GithubKeys { username } } } } }`,
        { id: gqlId },
      )
    ).body.data!.credential;
    expect(gqlView).toEqual({
      name: restView.name,
      description: restView.description,
      provider: restView.provider,
      baseUrl: restView.baseUrl,
      category: restView.category,
      keys: { username: restView.keys.username },
    });
  });
});

describe('the OpenAPI document and the API reference', () => {
  it('serves an OpenAPI 3.1 document describing the twenty-five operations, this service’s own marked as extensions; service-info and the OIDC exchange need no token', async () => {
    const response = await fetch(`${server.url}/api/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as any;
    expect(document.openapi).toBe('3.1.0');
    const operations = Object.values(document.paths).flatMap((p: any) => Object.values(p).map((o: any) => o.operationId));
    expect(operations.sort()).toEqual([
      'CreateCredentials',
      'CreatePipelineSecret',
      'CreateToken',
      'DeleteAllTokens',
      'DeleteCredentials',
      'DeletePipelineSecret',
      'DeleteToken',
      'DeliverSecrets',
      'DescribeCredentials',
      'DescribePipelineSecret',
      'ExchangeOidcToken',
      'ExportAuditEvents',
      'GetEncryptedCredentials',
      'Info',
      'ListCredentialVersions',
      'ListCredentials',
      'ListPipelineSecrets',
      'RestoreCredentialVersion',
      'TokenList',
      'UpdateCredentials',
      'UpdatePipelineSecret',
      'UserInfo',
      'ValidateCredentials',
      'ValidateCredentialsName',
      'ValidatePipelineSecretName',
    ]);
    expect(document.paths['/api/service-info'].get.security).toEqual([]);
    expect(document.paths['/api/auth/oidc'].post.security).toEqual([]);
    expect(document.paths['/api/tokens'].get.tags).toEqual(['tokens']);
    expect(document.paths['/api/user-info'].get.security).toBeUndefined();
    const extensions = Object.values(document.paths).flatMap((p: any) =>
      Object.values(p)
        .filter((o: any) => o['x-credentials-service-extension'] === true)
        .map((o: any) => [o.operationId, o.tags]),
    );
    expect(extensions.sort()).toEqual([
      ['DeliverSecrets', ['extensions']],
      ['ExchangeOidcToken', ['extensions']],
      ['ExportAuditEvents', ['extensions']],
      ['ListCredentialVersions', ['extensions']],
      ['RestoreCredentialVersion', ['extensions']],
    ]);
    const keys = document.components.schemas.DescribeCredentialsResponse.properties.credentials.properties.keys.oneOf;
    expect(keys).toHaveLength(Object.keys(contractKeys).length);
  });

  it('serves an API reference page whose assets all come from this server', async () => {
    const page = await fetch(`${server.url}/api/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//);
    const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!).filter((u) => !u.startsWith('data:'));
    expect(urls).toHaveLength(4);
    const scripts: string[] = [];
    for (const url of urls) {
      const asset = await fetch(`${server.url}${url}`);
      expect(asset.status, url).toBe(200);
      if (url.endsWith('.js')) scripts.push(await asset.text());
    }
    // No inline script (the Content-Security-Policy allows this server's scripts only): Swagger UI starts from one.
    expect(html).not.toMatch(/<script>/);
    expect(scripts.join('\n')).toContain("url: '/api/openapi.json'");
    expect(scripts.join('\n')).toContain('validatorUrl: null');
  });
});
