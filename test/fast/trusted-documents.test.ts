/**
 * Trusted documents: an app's persisted operations run by their hash; with
 * GRAPHQL_TRUSTED_DOCUMENTS=only nothing else runs (GraphiQL and introspection
 * included). The manifest is checked at start, and the example app's is current.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST, manifest } from '../../examples/app/scripts/persist.js';
import { gql, startServer, type TestServer } from '../helpers/server.js';

const operations = JSON.parse(readFileSync(MANIFEST, 'utf8')) as Record<string, string>;
const hashOf = (name: string) => Object.entries(operations).find(([, text]) => text.includes(`query ${name}`) || text.includes(`mutation ${name}`))![0];

async function byHash(server: TestServer, token: string, hash: string, variables: Record<string, unknown>) {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ variables, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }),
  });
  return { status: response.status, body: (await response.json()) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] } };
}

describe('GRAPHQL_TRUSTED_DOCUMENTS=only', () => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = await startServer({ GRAPHQL_TRUSTED_DOCUMENTS: 'only', GRAPHQL_PERSISTED_OPERATIONS: MANIFEST });
    token = (await server.newUser('trusted')).token;
  });
  afterAll(() => server.close());

  it('runs the persisted operations by their hash', async () => {
    const created = await byHash(server, token, hashOf('CreateCredential'), { input: { name: 'trusted', keys: { github: { token: 't' } } } });
    expect(created.body.data.createCredential.__typename).toBe('MutationCreateCredentialSuccess');
    const listed = await byHash(server, token, hashOf('ListCredentials'), { first: 10 });
    expect(listed.body.data.credentials.edges.map((e: any) => e.node.name)).toEqual(['trusted']);
  });

  it('refuses any other document, an unknown hash, introspection, and serves no GraphiQL', async () => {
    const arbitrary = await gql(server, token, '{ viewer { name } }');
    expect(arbitrary.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_ONLY');
    expect(arbitrary.body.data).toBeUndefined();
    const unknown = await byHash(server, token, 'f'.repeat(64), {});
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    const introspection = await gql(server, undefined, '{ __schema { types { name } } }');
    expect(introspection.body.data).toBeUndefined();
    const page = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toContain('graphiql');
  });
});

describe('persisted operations beside arbitrary ones (GRAPHQL_TRUSTED_DOCUMENTS=off)', () => {
  it('runs both', async () => {
    const server = await startServer({ GRAPHQL_PERSISTED_OPERATIONS: MANIFEST });
    try {
      const { token } = await server.newUser();
      expect((await byHash(server, token, hashOf('ListCredentials'), { first: 1 })).body.data.credentials.edges).toEqual([]);
      expect((await gql(server, token, '{ viewer { __typename } }')).body.data).toEqual({ viewer: { __typename: 'User' } });
    } finally {
      await server.close();
    }
  });
});

describe('the manifest', () => {
  it('is refused at start when an entry is not the hash of its document, or only is asked without one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'manifest-'));
    try {
      const file = join(dir, 'ops.json');
      const text = '{ viewer { name } }';
      writeFileSync(file, JSON.stringify({ [createHash('sha256').update('something else').digest('hex')]: text }));
      await expect(startServer({ GRAPHQL_PERSISTED_OPERATIONS: file })).rejects.toThrow(/is not the sha256 of its document/);
      writeFileSync(file, JSON.stringify({ [createHash('sha256').update('{ nope').digest('hex')]: '{ nope' }));
      await expect(startServer({ GRAPHQL_PERSISTED_OPERATIONS: file })).rejects.toThrow(/Syntax Error/);
      await expect(startServer({ GRAPHQL_TRUSTED_DOCUMENTS: 'only' })).rejects.toThrow(/needs GRAPHQL_PERSISTED_OPERATIONS/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("is the example app's operations as they are now (run `npm run codegen` after changing them)", () => {
    expect(readFileSync(MANIFEST, 'utf8')).toBe(manifest());
  });
});
