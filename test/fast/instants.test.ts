/**
 * One rule for an instant a client sends, whatever the door: ISO 8601 with a
 * date, a time and a zone, every part in range, from 1970 to 9999. GraphQL's
 * DateTime took anything `new Date()` takes (`"1"` became 2001-01-01, `"Jan 31
 * 2027"` a local date) while REST refused them; now both refuse and accept the
 * same texts, to the same instant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instantOf } from '../../src/core/time.js';
import { rest } from '../helpers/rest.js';
import { gql, startServer, type TestServer } from '../helpers/server.js';

const REFUSED = [
  '1',
  'Jan 31 2027',
  '2027-01-31',
  '2027-01-31T00:00:00',
  '2027-02-30T00:00:00Z',
  '2027-01-31T24:00:00Z',
  '1969-12-31T23:59:59Z',
  ' 2027-01-31T00:00:00Z',
  '2027-01-31T00:00:00+24:00',
];
const ACCEPTED: [string, string][] = [
  ['2027-01-31T00:00:00Z', '2027-01-31T00:00:00.000Z'],
  ['2027-01-31T10:20Z', '2027-01-31T10:20:00.000Z'],
  ['2027-01-31T10:20:30.5+02:00', '2027-01-31T08:20:30.500Z'],
  ['2028-02-29T23:59:59.999-05:30', '2028-03-01T05:29:59.999Z'],
];

let server: TestServer;
let user: Awaited<ReturnType<TestServer['newUser']>>;
beforeAll(async () => {
  server = await startServer();
  user = await server.newUser('instants');
});
afterAll(() => server?.close());

const CREATE = `mutation($input: CredentialInput!) { createCredential(input: $input) {
  __typename ... on MutationCreateCredentialSuccess { data { expiresAt } } ... on Error { message } } }`;
let made = 0;
const viaGraphQL = (expiresAt: string) =>
  gql(server, user.token, CREATE, { input: { name: `g${++made}`, expiresAt, keys: { gitlab: { token: 'glpat-instant' } } } });
const viaRest = (expiresAt: string) =>
  rest(server, user.token, 'POST', '/api/credentials', {
    credentials: { name: `r${++made}`, provider: 'gitlab', keys: { token: 'glpat-instant' }, expiresAt },
  });

describe('an instant a client sends', () => {
  it('is read by one rule (the domain’s)', () => {
    for (const text of REFUSED) expect(instantOf(text), text).toBeUndefined();
    for (const [text, iso] of ACCEPTED) expect(instantOf(text)?.toISOString(), text).toBe(iso);
  });

  it('is refused by both doors alike, saying what is expected, and never stored', async () => {
    for (const text of REFUSED) {
      const graphql = await viaGraphQL(text);
      expect(graphql.body.errors?.[0]?.message, text).toMatch(/DateTime must be an ISO 8601 date-time with a zone/);
      const restAnswer = await viaRest(text);
      expect(restAnswer.status, text).toBe(400);
      expect(restAnswer.body.message, text).toMatch(/expiresAt: must be an ISO 8601 date-time with a zone/);
    }
    expect((await rest(server, user.token, 'GET', '/api/credentials')).body.credentials).toEqual([]);
  });

  it('is taken by both doors alike, as the same instant', async () => {
    for (const [text, iso] of ACCEPTED) {
      const graphql = await viaGraphQL(text);
      expect(graphql.body.data?.createCredential.data.expiresAt, text).toBe(iso);
      const created = await viaRest(text);
      expect(created.status, text).toBe(200);
      const described = await rest(server, user.token, 'GET', `/api/credentials/${created.body.credentialsId}`);
      expect(described.body.credentials.expiresAt, text).toBe(iso);
    }
  });

  it('bounds the audit trail’s since and until the same way in GraphQL and REST', async () => {
    const query = '{ auditEvents(since: "1", first: 1) { edges { node { id } } } }';
    expect((await gql(server, user.token, query)).body.errors?.[0]?.message).toMatch(/DateTime must be an ISO 8601 date-time with a zone/);
    const exported = await fetch(`${server.url}/api/audit-events?since=Jan%2031%202027`, { headers: { authorization: `Bearer ${user.token}` } });
    expect(exported.status).toBe(400);
    expect((await exported.json()).message).toMatch(/since: must be an ISO 8601 date-time with a zone/);
  });
});
