/**
 * AUDIT_READS=true: describes and lists of credentials are audited too
 * (`credential.read`, `credential.list`), on both doors, before they are
 * answered; without it (the default) reads leave no row.
 */
import { describe, expect, it } from 'vitest';
import { rest } from '../helpers/rest.js';
import { gql, withServer } from '../helpers/server.js';

const {
  server,
  users: { alice },
} = withServer({ env: { AUDIT_READS: 'true' }, users: ['alice'] });

const READS = `{ auditEvents(kinds: [CREDENTIAL_READ, CREDENTIAL_LIST], first: 10) { edges { node { kind targetId targetName actor door detail } } } }`;

describe('AUDIT_READS=true', () => {
  it('records each describe and list, with who, through which door, and what', async () => {
    const id = (
      await rest(server, alice.token, 'POST', '/api/credentials', { credentials: { name: 'read-me', provider: 'gitlab', keys: { token: 'glpat-r' } } })
    ).body.credentialsId;
    expect((await rest(server, alice.token, 'GET', `/api/credentials/${id}`)).status).toBe(200);
    expect((await rest(server, alice.token, 'GET', '/api/credentials')).status).toBe(200);
    // The second list is served from the page cache: still recorded.
    expect((await rest(server, alice.token, 'GET', '/api/credentials')).status).toBe(200);
    expect((await gql(server, alice.token, `query($id: ID!) { credential(id: $id) { ... on Credential { name } } }`, { id })).body.errors).toBeUndefined();
    const events = (await gql(server, alice.token, READS)).body.data!.auditEvents.edges.map((e: any) => e.node);
    expect(events.map((e: any) => [e.kind, e.door, e.actor])).toEqual([
      ['CREDENTIAL_READ', 'graphql', alice.userId],
      ['CREDENTIAL_LIST', 'rest', alice.userId],
      ['CREDENTIAL_LIST', 'rest', alice.userId],
      ['CREDENTIAL_READ', 'rest', alice.userId],
    ]);
    expect(events[0]).toMatchObject({ targetId: id, targetName: 'read-me' });
    expect(events[1].detail).toBe('1 credential');
  });
});
