/**
 * The fast path of /graphql (src/doors/graphql/fast-path.ts): a query sent
 * again is answered by its compiled form without Yoga. Whatever path answers,
 * the answer is the same — status, content type, bytes — for each Accept
 * header, for typed errors, GraphQL errors, invalid variables, a revoked
 * token, persisted operations; and a mutation is never answered from it.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';

const ONE = 'query ($id: ID!) { credential(id: $id) { __typename ... on Credential { id name provider description } ... on Error { message } } }';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

let server: TestServer;
let token: string;
let id: string;
const dir = mkdtempSync(join(tmpdir(), 'fast-path-'));

beforeAll(async () => {
  const persisted = join(dir, 'persisted.json');
  writeFileSync(persisted, JSON.stringify({ [sha256(ONE)]: ONE }));
  server = await startServer({ GRAPHQL_PERSISTED_OPERATIONS: persisted });
  token = (await server.newUser('fast')).token;
  const created = await post({
    query:
      'mutation { createCredential(input: { name: "fast", keys: { github: { token: "t" } } }) { ... on MutationCreateCredentialSuccess { data { id } } } }',
  });
  id = JSON.parse(created.body).data.createCredential.data.id;
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function post(body: unknown, headers: Record<string, string> = {}, as: string | null = token) {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(as ? { authorization: `Bearer ${as}` } : {}), ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, contentType: response.headers.get('content-type'), body: await response.text() };
}

/** How many queries the fast path has answered so far (its metric). */
async function fastAnswers(): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return Number(/^graphql_fast_path_answers_total (\d+)/m.exec(text)?.[1] ?? Number.NaN);
}

/**
 * The same request four times: Yoga answers the first (and the second, which
 * compiles it), the fast path what it can of the others; every answer equal to
 * Yoga's first, byte for byte. `fast`: how many of the four the fast path gave.
 */
async function sameEachTime(body: unknown, headers: Record<string, string> = {}, as: string | null = token) {
  const before = await fastAnswers();
  const answers = [];
  for (let i = 0; i < 4; i++) answers.push(await post(body, headers, as));
  for (const answer of answers.slice(1)) expect(answer).toEqual(answers[0]);
  return { ...answers[0]!, fast: (await fastAnswers()) - before };
}

describe('the GraphQL fast path answers as Yoga does', () => {
  it('for each Accept header: the same status, content type and bytes', async () => {
    const body = { query: ONE, variables: { id } };
    const plain = await sameEachTime(body);
    expect(plain.status).toBe(200);
    expect(plain.fast).toBe(2);
    expect(JSON.parse(plain.body)).toEqual({ data: { credential: { __typename: 'Credential', id, name: 'fast', provider: 'github', description: null } } });
    for (const accept of ['application/json', 'application/graphql-response+json', 'application/graphql-response+json, application/json;q=0.9', '*/*']) {
      const answer = await sameEachTime(body, { accept });
      expect(answer.body).toBe(plain.body);
      expect(answer.fast, accept).toBeGreaterThanOrEqual(2);
      expect(answer.contentType).toMatch(/^application\/(json|graphql-response\+json); charset=utf-8$/);
    }
    expect((await sameEachTime(body, { accept: 'application/json' })).contentType).toBe('application/json; charset=utf-8');
    expect((await sameEachTime(body, { accept: 'application/graphql-response+json' })).contentType).toBe('application/graphql-response+json; charset=utf-8');
  });

  it('by a persisted hash, and with an operation name', async () => {
    const byHash = await sameEachTime({ variables: { id }, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(ONE) } } });
    expect(JSON.parse(byHash.body).data.credential.id).toBe(id);
    expect(byHash.fast).toBe(2);
    const named = await sameEachTime({ query: 'query A { viewer { name } } query B { viewer { id } }', operationName: 'A' });
    expect(JSON.parse(named.body)).toEqual({ data: { viewer: { name: expect.stringMatching(/^fast-/) } } });
    // The other operation of the same document is another entry: its own answer.
    const other = await sameEachTime({ query: 'query A { viewer { name } } query B { viewer { id } }', operationName: 'B' });
    expect(Object.keys(JSON.parse(other.body).data.viewer)).toEqual(['id']);
  });

  it('typed errors, GraphQL errors (masked), invalid variables (never echoed)', async () => {
    const missing = await sameEachTime({ query: ONE, variables: { id: 'AAAAAAAAAAAAAAAAAAAAAA' } });
    expect(JSON.parse(missing.body).data.credential.__typename).toMatch(/NotFound/);
    expect(missing.fast).toBe(4);
    const anonymous = await sameEachTime({ query: ONE, variables: { id } }, {}, null);
    expect(JSON.parse(anonymous.body).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    // A GraphQL error, masked and framed by Yoga's own processor on the fast path too.
    expect(anonymous.fast).toBe(4);
    // Compiled after two good requests, then sent a bad variable: refused as Yoga refuses it, the value not echoed.
    await sameEachTime({ query: ONE, variables: { id } });
    const bad = await sameEachTime({ query: ONE, variables: { id: { secret: 'hunter2-variable' } } });
    expect(bad.status).toBe(200);
    expect(bad.body).not.toContain('hunter2-variable');
    expect(JSON.parse(bad.body).errors[0].message).toMatch(/\$id/);
    const none = await sameEachTime({ query: ONE });
    expect(JSON.parse(none.body).errors[0].message).toMatch(/\$id/);
    // Invalid variables are Yoga's to answer, every time.
    expect([bad.fast, none.fast]).toEqual([0, 0]);
  });

  it('a revoked token is refused at once, compiled or not', async () => {
    const own = await server.newUser('revoked-soon');
    const body = { query: '{ viewer { name } }' };
    for (let i = 0; i < 3; i++) expect(JSON.parse((await post(body, {}, own.token)).body).data.viewer.name).toBe(own.name);
    await server.services.tokens.revokeToken(own.tokenId, { actor: 'operator', door: 'cli' }, own.userId);
    const refused = await post(body, {}, own.token);
    expect(refused.status).toBe(401);
  });

  it('a mutation sent again runs again (never answered from a kept result)', async () => {
    const body = { query: 'mutation ($n: String!) { createCredential(input: { name: $n, keys: { github: { token: "t" } } }) { __typename } }' };
    for (let i = 0; i < 4; i++) expect((await post({ ...body, variables: { n: `again-${i}` } })).status).toBe(200);
    const listed = await post({ query: '{ credentials(first: 50) { edges { node { name } } } }' });
    expect(JSON.parse(listed.body).data.credentials.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(
      expect.arrayContaining(['again-0', 'again-1', 'again-2', 'again-3']),
    );
  });

  it('a document of a query and a mutation runs the operation named, however often the other ran', async () => {
    const query =
      'query Names { credentials(first: 50) { edges { node { name } } } } mutation Make { createCredential(input: { name: "made-by-name", keys: { github: { token: "t" } } }) { __typename } }';
    for (let i = 0; i < 3; i++) expect(JSON.parse((await post({ query, operationName: 'Names' })).body).data.credentials).toBeDefined();
    const made = JSON.parse((await post({ query, operationName: 'Make' })).body);
    expect(made.data).toEqual({ createCredential: { __typename: 'MutationCreateCredentialSuccess' } });
  });
});
