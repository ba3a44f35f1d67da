/**
 * The wire, recorded: one scenario through both doors (successes and every kind
 * of error), each response's status, the headers clients read and the body,
 * compared byte for byte with test/fixtures/wire.json once ids, dates, cursors
 * and error ids are replaced by placeholders (numbered in order of appearance,
 * so a response that names the wrong id still differs). Refactoring must leave
 * it unchanged; a deliberate change of the wire is re-recorded with
 * RECORD_WIRE=1 and reviewed as a diff of the fixture.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SSH_KEY_OPENSSH } from '../helpers/fixtures.js';
import { startServer, type TestServer } from '../helpers/server.js';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'wire.json');
const HEADERS = ['content-type', 'allow', 'www-authenticate', 'retry-after'];

interface Step {
  title: string;
  method: string;
  path: string;
  token?: 'alice' | 'bob' | 'none' | 'unknown' | 'malformed';
  body?: unknown;
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

let server: TestServer;
let tokens: Record<string, string | undefined>;

beforeAll(async () => {
  server = await startServer();
  const alice = await server.newUser('alice');
  const bob = await server.newUser('bob');
  tokens = { alice: alice.token, bob: bob.token, none: undefined, unknown: `cst_${'a'.repeat(43)}`, malformed: 'not-a-token' };
});
afterAll(() => server.close());

/** Replaces what differs from run to run by numbered placeholders. */
class Normalizer {
  readonly #seen = new Map<string, string>();
  #counts = new Map<string, number>();

  #label(kind: string, value: string): string {
    const key = `${kind}:${value}`;
    let label = this.#seen.get(key);
    if (!label) {
      const n = (this.#counts.get(kind) ?? 0) + 1;
      this.#counts.set(kind, n);
      label = `<${kind}${n}>`;
      this.#seen.set(key, label);
    }
    return label;
  }

  text(text: string): string {
    return text
      .replace(/Error ID: [0-9A-Za-z]{22}/g, 'Error ID: <errorId>')
      .replace(/"errorId":"[0-9A-Za-z]{22}"/g, '"errorId":"<errorId>"')
      .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)/g, '<date>')
      .replace(/"(cursor|endCursor|startCursor)":"([A-Za-z0-9_-]+)"/g, (_m, k: string, v: string) => `"${k}":"${this.#label('cursor', v)}"`)
      .replace(/(?<![A-Za-z0-9_])[0-9A-Za-z]{22}(?![A-Za-z0-9_]|":)/g, (id) => this.#label('id', id))
      .replace(/"externalId":"[0-9A-Za-z]{32}"/g, '"externalId":"<externalId>"');
  }
}

const gql = (title: string, query: string, variables: Record<string, unknown> = {}, token: Step['token'] = 'alice'): Step => ({
  title,
  method: 'POST',
  path: '/graphql',
  token,
  body: { query, variables },
});

const CREATE = `mutation Create($input: CredentialInput!, $useExternalId: Boolean, $idempotencyKey: String) {
  createCredential(input: $input, useExternalId: $useExternalId, idempotencyKey: $idempotencyKey) {
    __typename
    ... on MutationCreateCredentialSuccess { data { id name description provider baseUrl category dateCreated lastUpdated
      keys { __typename ... on GithubKeys { username } ... on AwsKeys { accessKey assumeRoleArn mode externalId } ... on ContainerRegKeys { userName registry } } } }
    ... on ValidationError { message fields { path message } }
    ... on CredentialNameTakenError { message name }
    ... on IdempotencyKeyReusedError { message }
  }
}`;
const DESCRIBE = `query Describe($id: ID!) {
  credential(id: $id) { __typename ... on Credential { id name provider keys { __typename ... on GithubKeys { username } ... on AwsKeys { accessKey mode } } } ... on CredentialNotFoundError { message id } }
}`;
const LIST = `query List($first: Int, $after: String, $provider: CredentialProvider) {
  credentials(first: $first, after: $after, provider: $provider) { edges { cursor node { id name provider } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }
}`;
const UPDATE = `mutation Update($id: ID!, $input: CredentialInput!) {
  updateCredential(id: $id, input: $input) { __typename ... on MutationUpdateCredentialSuccess { data { id name description } } ... on Error { message } ... on ValidationError { fields { path message } } }
}`;
const DELETE = `mutation Delete($id: ID!) { deleteCredential(id: $id) { __typename ... on MutationDeleteCredentialSuccess { data } ... on CredentialNotFoundError { message id } } }`;
const VALIDATE = `query Validate($name: String!) { validateCredentialName(name: $name) { __typename ... on QueryValidateCredentialNameSuccess { data } ... on Error { message } } }`;

/** The scenario; `$n` in a path or body is the n-th credential id created so far (1-based). */
const steps: Step[] = [
  // REST: the seed's create, then every provider shape clients use.
  {
    title: 'REST create (seed sample, generic pair)',
    method: 'POST',
    path: '/api/credentials',
    body: {
      credentials: {
        name: 'Git Hub Access Credentials',
        description: 'Git Hub corporate account',
        provider: 'github',
        category: 'repositories',
        keys: { accessKey: 'FKIC2OSY9QYNOGDPTS6R', secretKey: 'LBf5hPpuDy/jH02JCt7lzH7jDtcBHMEiyoHPhzvz' },
      },
    },
  },
  {
    title: 'REST create aws keys',
    method: 'POST',
    path: '/api/credentials',
    body: { credentials: { name: 'aws-keys', provider: 'aws', keys: { accessKey: 'AKIA1', secretKey: 'wire-secret-1' } } },
  },
  {
    title: 'REST create aws role with external id',
    method: 'POST',
    path: '/api/credentials?useExternalId=true',
    body: { credentials: { name: 'aws-role', provider: 'aws', keys: { mode: 'role', assumeRoleArn: 'arn:aws:iam::1:role/x' } } },
  },
  {
    title: 'REST create ssh',
    method: 'POST',
    path: '/api/credentials',
    body: { credentials: { name: 'ssh', provider: 'ssh', keys: { privateKey: SSH_KEY_OPENSSH, passphrase: 'wire-secret-2' } } },
  },
  {
    title: 'REST create container registry (default registry)',
    method: 'POST',
    path: '/api/credentials',
    body: {
      credentials: {
        name: 'registry',
        provider: 'container-reg',
        baseUrl: null,
        keys: { userName: 'robot', password: 'wire-secret-3', discriminator: 'container-reg', keyType: 'x' },
      },
    },
  },
  {
    title: 'REST create tw-agent',
    method: 'POST',
    path: '/api/credentials',
    body: { credentials: { name: 'agent', provider: 'tw-agent', keys: { connectionId: 'c1' } } },
  },
  { title: 'REST list', method: 'GET', path: '/api/credentials' },
  { title: 'REST list by platform', method: 'GET', path: '/api/credentials?platformId=aws-batch' },
  { title: 'REST describe seed', method: 'GET', path: '/api/credentials/$1' },
  { title: 'REST describe role', method: 'GET', path: '/api/credentials/$3' },
  {
    title: 'REST update',
    method: 'PUT',
    path: '/api/credentials/$2',
    body: { credentials: { id: '$2', name: 'aws-keys-2', provider: 'aws', description: 'renamed', keys: { accessKey: 'AKIA2' } } },
  },
  { title: 'REST describe updated', method: 'GET', path: '/api/credentials/$2' },
  { title: 'REST validate free name', method: 'GET', path: '/api/credentials/validate?name=free' },
  { title: 'REST validate taken name', method: 'GET', path: '/api/credentials/validate?name=ssh' },
  { title: 'REST validate invalid name', method: 'GET', path: '/api/credentials/validate?name=%20x' },
  { title: 'REST validate without name', method: 'GET', path: '/api/credentials/validate' },
  {
    title: 'REST create invalid',
    method: 'POST',
    path: '/api/credentials',
    body: { credentials: { name: '', provider: 'aws', keys: { accessKey: 'a', password: 'p' } } },
  },
  { title: 'REST create unknown provider', method: 'POST', path: '/api/credentials', body: { credentials: { name: 'x', provider: 'vault', keys: {} } } },
  { title: 'REST create missing envelope', method: 'POST', path: '/api/credentials', body: { name: 'x' } },
  {
    title: 'REST create ssh key unreadable',
    method: 'POST',
    path: '/api/credentials',
    body: { credentials: { name: 'bad-ssh', provider: 'ssh', keys: { privateKey: 'nope' } } },
  },
  {
    title: 'REST create aws role with static keys',
    method: 'POST',
    path: '/api/credentials',
    body: { credentials: { name: 'bad-role', provider: 'aws', keys: { mode: 'role', assumeRoleArn: 'arn', accessKey: 'A' } } },
  },
  {
    title: 'REST create duplicate name',
    method: 'POST',
    path: '/api/credentials',
    body: { credentials: { name: 'ssh', provider: 'github', keys: { token: 't' } } },
  },
  { title: 'REST create not JSON', method: 'POST', path: '/api/credentials', raw: '{"credentials": [' },
  { title: 'REST create text/plain', method: 'POST', path: '/api/credentials', raw: 'hello', contentType: 'text/plain' },
  {
    title: 'REST create too large',
    method: 'POST',
    path: '/api/credentials',
    raw: JSON.stringify({ credentials: { name: 'big', provider: 'github', keys: { token: 'x'.repeat(300_000) } } }),
  },
  {
    title: 'REST create with idempotency key',
    method: 'POST',
    path: '/api/credentials',
    headers: { 'idempotency-key': 'wire-1' },
    body: { credentials: { name: 'idem', provider: 'github', keys: { token: 't' } } },
  },
  {
    title: 'REST create with idempotency key replayed',
    method: 'POST',
    path: '/api/credentials',
    headers: { 'idempotency-key': 'wire-1' },
    body: { credentials: { name: 'idem', provider: 'github', keys: { token: 't' } } },
  },
  {
    title: 'REST create with idempotency key reused',
    method: 'POST',
    path: '/api/credentials',
    headers: { 'idempotency-key': 'wire-1' },
    body: { credentials: { name: 'idem-2', provider: 'github', keys: { token: 't' } } },
  },
  {
    title: 'REST update id mismatch',
    method: 'PUT',
    path: '/api/credentials/$2',
    body: { credentials: { id: 'B'.repeat(22), name: 'x', provider: 'aws', keys: {} } },
  },
  {
    title: 'REST update provider change',
    method: 'PUT',
    path: '/api/credentials/$2',
    body: { credentials: { name: 'x', provider: 'github', keys: { token: 't' } } },
  },
  {
    title: 'REST update name taken',
    method: 'PUT',
    path: '/api/credentials/$2',
    body: { credentials: { name: 'ssh', provider: 'aws', keys: { accessKey: 'AKIA2' } } },
  },
  { title: 'REST describe unknown', method: 'GET', path: `/api/credentials/${'A'.repeat(22)}` },
  { title: 'REST describe short id', method: 'GET', path: '/api/credentials/short' },
  { title: 'REST describe other user', method: 'GET', path: '/api/credentials/$1', token: 'bob' },
  { title: 'REST describe in a workspace', method: 'GET', path: '/api/credentials/$1?workspaceId=1' },
  { title: 'REST list malformed workspace', method: 'GET', path: '/api/credentials?workspaceId=abc' },
  { title: 'REST list unknown platform', method: 'GET', path: '/api/credentials?platformId=mars' },
  { title: 'REST list without token', method: 'GET', path: '/api/credentials', token: 'none' },
  { title: 'REST list unknown token', method: 'GET', path: '/api/credentials', token: 'unknown' },
  { title: 'REST list malformed token', method: 'GET', path: '/api/credentials', token: 'malformed' },
  { title: 'REST unknown path', method: 'GET', path: '/api/credentialz' },
  { title: 'REST wrong method', method: 'PATCH', path: '/api/credentials/$1', body: {} },
  { title: 'REST wrong method on list', method: 'PUT', path: '/api/credentials', body: {} },
  { title: 'REST keys for an unknown pairing', method: 'GET', path: `/api/credentials/$1/keys?pairingId=${'P'.repeat(22)}&keyId=ignored` },
  { title: 'REST keys without pairingId', method: 'GET', path: '/api/credentials/$1/keys' },
  { title: 'REST keys of an unknown credential', method: 'GET', path: `/api/credentials/${'A'.repeat(22)}/keys?pairingId=x` },
  { title: 'REST keys wrong method', method: 'POST', path: '/api/credentials/$1/keys', body: {} },
  { title: 'REST validate ssh (offline check; the sample key is not a real key)', method: 'POST', path: '/api/credentials/$4/validate' },
  { title: 'REST describe INVALID', method: 'GET', path: '/api/credentials/$4' },
  { title: 'REST validate force on INVALID', method: 'POST', path: '/api/credentials/$4/validate?force=true' },
  { title: 'REST validate force on AVAILABLE', method: 'POST', path: '/api/credentials/$4/validate?force=true' },
  { title: 'REST validate bad force', method: 'POST', path: '/api/credentials/$4/validate?force=yes' },
  { title: 'REST validate wrong method', method: 'GET', path: '/api/credentials/$4/validate' },
  { title: 'REST delete', method: 'DELETE', path: '/api/credentials/$6?checked=true' },
  { title: 'REST describe deleted', method: 'GET', path: '/api/credentials/$6' },
  { title: 'REST delete again', method: 'DELETE', path: '/api/credentials/$6' },
  { title: 'unknown path outside the APIs', method: 'GET', path: '/nothing-here' },
  { title: 'health', method: 'GET', path: '/healthz', token: 'none' },
  { title: 'readiness', method: 'GET', path: '/readyz', token: 'none' },
  // GraphQL.
  gql('GraphQL create github', CREATE, { input: { name: 'gql-github', description: 'd', keys: { github: { username: 'octo', token: 'wire-secret-4' } } } }),
  gql('GraphQL create aws role', CREATE, {
    input: { name: 'gql-role', keys: { aws: { mode: 'role', assumeRoleArn: 'arn:aws:iam::1:role/y' } } },
    useExternalId: true,
  }),
  gql('GraphQL create registry', CREATE, { input: { name: 'gql-registry', keys: { container_reg: { userName: 'u', password: 'wire-secret-5' } } } }),
  gql('GraphQL create invalid', CREATE, { input: { name: ' padded', keys: { aws: { accessKey: 'A' } } } }),
  gql('GraphQL create name taken', CREATE, { input: { name: 'gql-github', keys: { github: { token: 't' } } } }),
  gql('GraphQL create idempotent', CREATE, { input: { name: 'gql-idem', keys: { github: { token: 't' } } }, idempotencyKey: 'wire-2' }),
  gql('GraphQL create idempotent reused', CREATE, { input: { name: 'gql-idem-2', keys: { github: { token: 't' } } }, idempotencyKey: 'wire-2' }),
  gql('GraphQL create two providers', CREATE, { input: { name: 'two', keys: { github: { token: 't' }, gitlab: { token: 't' } } } }),
  gql('GraphQL create wrong type', CREATE, { input: { name: 42, keys: { github: { token: 't' } } } }),
  gql('GraphQL describe', DESCRIBE, { id: '$8' }),
  gql('GraphQL describe unknown', DESCRIBE, { id: 'A'.repeat(22) }),
  gql('GraphQL describe other user', DESCRIBE, { id: '$8' }, 'bob'),
  gql('GraphQL list', LIST, { first: 3 }),
  gql('GraphQL list next page', LIST, { first: 3, after: '$cursor' }),
  gql('GraphQL list by provider', LIST, { first: 10, provider: 'aws' }),
  gql('GraphQL list too large', LIST, { first: 101 }),
  gql('GraphQL list bad cursor', LIST, { first: 1, after: 'bm9wZQ' }),
  gql('GraphQL list backwards', `query { credentials(last: 2) { edges { node { id } } } }`),
  gql('GraphQL update', UPDATE, { id: '$8', input: { name: 'gql-github-2', description: 'new', keys: { github: { username: 'octo2' } } } }),
  gql('GraphQL update unknown', UPDATE, { id: 'A'.repeat(22), input: { name: 'x', keys: { github: { token: 't' } } } }),
  gql('GraphQL update invalid', UPDATE, { id: '$8', input: { name: 'x'.repeat(101), keys: { github: {} } } }),
  gql('GraphQL validate free', VALIDATE, { name: 'free-name' }),
  gql('GraphQL validate taken', VALIDATE, { name: 'gql-registry' }),
  gql('GraphQL validate invalid', VALIDATE, { name: 'a\nb' }),
  gql(
    'GraphQL validate credential',
    `mutation { validateCredential(id: "$4") { __typename ... on MutationValidateCredentialSuccess { data { status message transientError } } ... on Error { message } } }`,
  ),
  gql('GraphQL credential keys unknown pairing', `query { credentialKeys(id: "$4", pairingId: "nope") { __typename ... on Error { message } } }`),
  gql('GraphQL pairings', `query { pairings { id name } }`),
  gql('GraphQL delete', DELETE, { id: '$10' }),
  gql('GraphQL delete again', DELETE, { id: '$10' }),
  gql('GraphQL viewer', `query { viewer { tokens { name revokedAt } } }`),
  gql('GraphQL without token', LIST, { first: 1 }, 'none'),
  gql('GraphQL unknown token', LIST, { first: 1 }, 'unknown'),
  gql('GraphQL malformed token', LIST, { first: 1 }, 'malformed'),
  gql('GraphQL unknown field', `query { credentials(first: 1) { nope } }`),
  gql('GraphQL syntax error', `query {`),
  gql('GraphQL revoke unknown token', `mutation { revokeAccessToken(id: "${'A'.repeat(22)}") { __typename ... on Error { message } } }`),
  { title: 'GraphQL not JSON', method: 'POST', path: '/graphql', token: 'alice', raw: '{"query": ' },
  {
    title: 'GraphQL too large',
    method: 'POST',
    path: '/graphql',
    token: 'alice',
    raw: JSON.stringify({ query: `{ viewer { name } }`, variables: { x: 'x'.repeat(300_000) } }),
  },
  { title: 'GraphQL unknown path', method: 'GET', path: '/graphql/nothing', token: 'alice' },
];

async function play(): Promise<string[]> {
  const normalizer = new Normalizer();
  const ids: string[] = [];
  let cursor = '';
  const substitute = (text: string) => text.replace(/\$cursor/g, cursor).replace(/\$(\d+)/g, (_m, n: string) => ids[Number(n) - 1] ?? `missing-${n}`);
  const records: string[] = [];
  for (const step of steps) {
    const token = tokens[step.token ?? 'alice'];
    const raw = step.raw ?? (step.body === undefined ? undefined : substitute(JSON.stringify(step.body)));
    const response = await fetch(`${server.url}${substitute(step.path)}`, {
      method: step.method,
      headers: {
        ...(raw !== undefined || step.method !== 'GET' ? { 'content-type': step.contentType ?? 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...step.headers,
      },
      body: raw,
    });
    const text = await response.text();
    for (const match of text.matchAll(/"(?:credentialsId|id)":"([0-9A-Za-z]{22})"/g)) {
      if (/create/i.test(step.title) && !ids.includes(match[1]!)) ids.push(match[1]!);
    }
    const end = /"endCursor":"([^"]+)"/.exec(text);
    if (end) cursor = end[1]!;
    const headers = HEADERS.filter((h) => response.headers.has(h)).map((h) => `${h}: ${response.headers.get(h)}`);
    records.push(normalizer.text([`${step.title}: ${step.method} ${step.path} → ${response.status}`, ...headers, text].join('\n')));
  }
  return records;
}

describe('the wire', () => {
  it('answers the recorded scenario byte for byte, on both doors', async () => {
    const records = await play();
    if (process.env.RECORD_WIRE === '1' || !existsSync(FIXTURE)) {
      writeFileSync(FIXTURE, `${JSON.stringify(records, null, 1)}\n`);
    }
    const recorded = JSON.parse(readFileSync(FIXTURE, 'utf8')) as string[];
    // Every step compared at once: the diff shows each one that differs.
    expect(records).toEqual(recorded);
  });
});
