/**
 * Nothing is lost: versions of key material (kept, destroyed beyond the kept
 * number, sealed for their slot), restore, deletion with a recovery window
 * (undelete, purge after the window on a test clock), expiry dates (from the
 * user and from the material). Through both doors on a real database; the
 * delivered keys are opened with the paired service's private key.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jwtDecrypt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { versionSealingContext } from '../../src/features/credentials/rules/sealing.js';
import { expiryOfMaterial, githubTokenExpiration } from '../../src/features/providers/index.js';
import { SecretUnreadable } from '../../src/platform/secrets/keyring.js';
import { onPostgres, storedText } from '../helpers/database.js';
import { selfSignedCertificate, sshCertificate } from '../helpers/fixtures.js';
import { rsaKeyPair } from '../helpers/keys.js';
import { rest } from '../helpers/rest.js';
import { gql, startServer, withServer } from '../helpers/server.js';
import { testClock } from '../helpers/time.js';

const DAY = 86_400_000;
const clock = testClock();
const {
  server,
  users: { alice, bob },
} = withServer({ users: ['alice', 'bob'], clock: clock.now });
const rsa = rsaKeyPair();
let pairing: string;
const scratch = mkdtempSync(join(tmpdir(), 'credentials-history-'));

beforeAll(async () => {
  pairing = (await server.services.pairings.add('history-wave', rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString())).id;
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const github = (name: string, token: string, extra: Record<string, unknown> = {}) => ({
  credentials: { name, provider: 'github', keys: { username: 'octo', token }, ...extra },
});

async function create(token: string, body: unknown): Promise<string> {
  const created = await rest(server, token, 'POST', '/api/credentials', body);
  expect(created.status, created.text).toBe(200);
  return created.body.credentialsId;
}

/** The keys a paired service receives (the current ones, or those of `version`). */
async function delivered(token: string, id: string, version?: number): Promise<Record<string, unknown>> {
  const result = await rest(server, token, 'GET', `/api/credentials/${id}/keys?pairingId=${pairing}${version ? `&version=${version}` : ''}`);
  expect(result.status, result.text).toBe(200);
  const { payload } = await jwtDecrypt(result.body.keys, rsa.privateKey);
  return payload as Record<string, unknown>;
}

const VERSIONS = `query($id: ID!, $first: Int, $after: String) { credential(id: $id) { __typename ... on Credential {
  currentVersion versions(first: $first, after: $after) { edges { node { number dateCreated actor door changedFields restoredFrom } }
  pageInfo { hasNextPage endCursor } } } } }`;

describe('versions of key material', () => {
  it('keeps the last 10 of 12 changes, destroys the two oldest (their sealed bytes gone from the files), and restores version 3 as version 13', async () => {
    const id = await create(alice.token, github('rotating', 'ghp_version-1-secret'));
    for (let n = 2; n <= 12; n++) {
      const updated = await rest(server, alice.token, 'PUT', `/api/credentials/${id}`, github('rotating', `ghp_version-${n}-secret`));
      expect(updated.status, updated.text).toBe(204);
    }
    // A change of metadata only makes no version.
    expect(
      (await rest(server, alice.token, 'PUT', `/api/credentials/${id}`, github('rotating', undefined as never, { description: 'only words' }))).status,
    ).toBe(204);
    const listed = await rest(server, alice.token, 'GET', `/api/credentials/${id}/versions`);
    expect(listed.status).toBe(200);
    expect(listed.body.versions.map((v: any) => v.number)).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3]);
    expect(listed.body.versions[0]).toEqual({
      number: 12,
      dateCreated: expect.any(String),
      actor: alice.userId,
      door: 'rest',
      changedFields: ['token'],
      restoredFrom: null,
    });
    expect(listed.body.hasMore).toBe(false);
    expect(listed.text).not.toContain('secret');
    // GraphQL pages the same history, newest first.
    const first = await gql(server, alice.token, VERSIONS, { id, first: 4 });
    expect(first.body.data!.credential.currentVersion).toBe(12);
    const page = first.body.data!.credential.versions;
    expect(page.edges.map((e: any) => e.node.number)).toEqual([12, 11, 10, 9]);
    expect(page.pageInfo.hasNextPage).toBe(true);
    const next = await gql(server, alice.token, VERSIONS, { id, first: 100, after: page.pageInfo.endCursor });
    expect(next.body.data!.credential.versions.edges.map((e: any) => e.node.number)).toEqual([8, 7, 6, 5, 4, 3]);

    // The destroyed versions are gone: no row, and (SQLite) their sealed bytes in neither the file nor the WAL.
    const rows = await server.db.credentialVersion.findMany({ where: { credentialId: id }, orderBy: { number: 'asc' } });
    expect(rows.map((r) => r.number)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(await delivered(alice.token, id, 3)).toMatchObject({ keys: { token: 'ghp_version-3-secret' }, version: 3 });
    const refused = await rest(server, alice.token, 'GET', `/api/credentials/${id}/keys?pairingId=${pairing}&version=2`);
    expect(refused.status).toBe(404);
    expect(refused.body.message).toMatch(/has no version 2/);
    // Restore version 3: a new version 13 equal to it, delivered keys are version 3's, history unchanged.
    const restored = await rest(server, alice.token, 'POST', `/api/credentials/${id}/versions/3/restore`);
    expect(restored.status, restored.text).toBe(204);
    expect(await delivered(alice.token, id)).toMatchObject({ keys: { username: 'octo', token: 'ghp_version-3-secret' } });
    const after = await rest(server, alice.token, 'GET', `/api/credentials/${id}/versions?max=2`);
    expect(after.body.versions).toMatchObject([
      { number: 13, restoredFrom: 3, changedFields: ['token'], actor: alice.userId },
      { number: 12, restoredFrom: null },
    ]);
    expect(after.body.hasMore).toBe(true);
    const audit = await server.services.audit.latest({ targetId: id, limit: 3 });
    expect(audit.map((e) => [e.action, e.detail])).toEqual(
      expect.arrayContaining([
        ['credential.restore', 'version 3 as version 13'],
        ['credential.deliver', `pairing ${pairing}`],
      ]),
    );
  });

  it("destroys a version's sealed bytes in the database file and the WAL once it falls out of the kept ten", async () => {
    const id = await create(alice.token, github('destroyed', 'ghp_destroyed-1'));
    const first = await server.db.credentialVersion.findUniqueOrThrow({ where: { credentialId_number: { credentialId: id, number: 1 } } });
    const sealed = first.secret!.split(':')[3]!;
    if (!onPostgres) {
      await server.services.upkeep.run(); // checkpointed: the bytes are in the database file now
      expect(await storedText(server.config.databaseUrl)).toContain(sealed);
    }
    for (let n = 2; n <= 11; n++) await rest(server, alice.token, 'PUT', `/api/credentials/${id}`, github('destroyed', `ghp_destroyed-${n}`));
    expect(await server.db.credentialVersion.count({ where: { credentialId: id } })).toBe(10);
    expect(await server.db.credentialVersion.count({ where: { credentialId: id, number: 1 } })).toBe(0);
    await server.services.upkeep.run();
    expect(await storedText(server.config.databaseUrl)).not.toContain(sealed);
  });

  it('restore: a version never recorded is a 404 on REST and a typed error on GraphQL; VIEW may not restore; validation starts afresh', async () => {
    const id = await create(alice.token, github('restorable', 'ghp_one'));
    await rest(server, alice.token, 'PUT', `/api/credentials/${id}`, github('restorable', 'ghp_two'));
    await server.db.credential.update({ where: { id }, data: { status: 'INVALID', message: 'refused', lastValidated: new Date() } });
    const missing = await rest(server, alice.token, 'POST', `/api/credentials/${id}/versions/9/restore`);
    expect(missing).toMatchObject({ status: 404, body: { message: `Credential '${id}' has no version 9 (never recorded, or no longer kept)` } });
    expect((await rest(server, alice.token, 'POST', `/api/credentials/${id}/versions/0/restore`)).status).toBe(400);
    expect((await rest(server, bob.token, 'POST', `/api/credentials/${id}/versions/1/restore`)).status).toBe(403);
    const RESTORE = `mutation($id: ID!, $v: Int!) { restoreCredentialVersion(input: { id: $id, version: $v }) { __typename
      ... on MutationRestoreCredentialVersionSuccess { data { currentVersion status lastValidated } } ... on CredentialVersionNotFoundError { version } } }`;
    expect((await gql(server, alice.token, RESTORE, { id, v: 7 })).body.data!.restoreCredentialVersion).toEqual({
      __typename: 'CredentialVersionNotFoundError',
      version: 7,
    });
    expect((await gql(server, alice.token, RESTORE, { id, v: 1 })).body.data!.restoreCredentialVersion).toEqual({
      __typename: 'MutationRestoreCredentialVersionSuccess',
      data: { currentVersion: 3, status: 'AVAILABLE', lastValidated: null },
    });
    expect(await delivered(alice.token, id)).toMatchObject({ keys: { token: 'ghp_one' } });
  });

  it('seals each version for its own slot: moved to another version or another credential, it does not open', async () => {
    const a = await create(alice.token, github('slot-a', 'ghp_slot-a-1'));
    await rest(server, alice.token, 'PUT', `/api/credentials/${a}`, github('slot-a', 'ghp_slot-a-2'));
    const b = await create(alice.token, github('slot-b', 'ghp_slot-b-1'));
    const version = (credentialId: string, number: number) =>
      server.db.credentialVersion.findUniqueOrThrow({ where: { credentialId_number: { credentialId, number } } });
    const owner = { kind: 'user' as const, id: alice.userId };
    const keys = server.services.keys;
    const a1 = await version(a, 1);
    expect(JSON.parse(keys.open(a1.secret!, versionSealingContext({ id: a, owner, provider: 'github' }, 1)))).toEqual({ token: 'ghp_slot-a-1' });
    expect(() => keys.open(a1.secret!, versionSealingContext({ id: a, owner, provider: 'github' }, 2))).toThrow(SecretUnreadable);
    expect(() => keys.open(a1.secret!, versionSealingContext({ id: b, owner, provider: 'github' }, 1))).toThrow(SecretUnreadable);
    // Copied into another slot in the database, a delivery of that version fails (an error id), and says nothing of it.
    await server.db.credentialVersion.update({ where: { credentialId_number: { credentialId: b, number: 1 } }, data: { secret: a1.secret } });
    const moved = await rest(server, alice.token, 'GET', `/api/credentials/${b}/keys?pairingId=${pairing}&version=1`);
    expect(moved.status).toBe(500);
    expect(moved.text).not.toContain('ghp_slot');
    await server.db.credentialVersion.update({ where: { credentialId_number: { credentialId: a, number: 2 } }, data: { secret: a1.secret } });
    expect((await rest(server, alice.token, 'GET', `/api/credentials/${a}/keys?pairingId=${pairing}&version=2`)).status).toBe(500);
  });
});

const UNDELETE = `mutation($id: ID!, $name: String) { undeleteCredential(input: { id: $id, name: $name }) { __typename
  ... on MutationUndeleteCredentialSuccess { data { id name } } ... on UndeleteNameTakenError { name suggestedName message } } }`;
const DELETED = '{ deletedCredentials { credential { id name } deleted purgeAfter } }';

describe('the upkeep across instances', () => {
  it('runs on one instance at a time: a second one on the same database does nothing while the first holds the lease', async () => {
    const other = await startServer({ DATABASE_URL: server.config.databaseUrl, MASTER_KEY_FILE: server.config.masterKeyFile }, { clock: clock.now });
    try {
      const first = await server.services.upkeep.run();
      expect(first.ran).toBe(true);
      expect(await other.services.upkeep.run()).toEqual({ ran: false, purged: 0, expired: 0, notices: 0 });
      // Once the holder stops (and gives the lease up), the other takes over.
      await server.services.upkeep.stop();
      expect((await other.services.upkeep.run()).ran).toBe(true);
      await other.services.upkeep.stop();
    } finally {
      await other.close();
    }
  });
});

describe('deletion with a recovery window', () => {
  it('delete → 403 → the name taken anew → undelete offers a name → undelete under it, keys intact → purged after the window, audited', async () => {
    const id = await create(alice.token, github('deploy-key', 'ghp_kept-through-delete'));
    expect((await rest(server, alice.token, 'DELETE', `/api/credentials/${id}`)).status).toBe(204);
    expect((await rest(server, alice.token, 'GET', `/api/credentials/${id}`)).status).toBe(403);
    expect((await rest(server, alice.token, 'GET', `/api/credentials/${id}/keys?pairingId=${pairing}`)).status).toBe(403);
    expect((await rest(server, alice.token, 'POST', `/api/credentials/${id}/validate`)).status).toBe(403);
    const listed = await rest(server, alice.token, 'GET', '/api/credentials');
    expect(listed.body.credentials.map((c: any) => c.id)).not.toContain(id);
    const replacement = await create(alice.token, github('deploy-key', 'ghp_the-new-one'));

    const deleted = await gql(server, alice.token, DELETED);
    const mine = deleted.body.data!.deletedCredentials.find((d: any) => d.credential.id === id);
    expect(mine.credential.name).toBe('deploy-key');
    expect(Date.parse(mine.purgeAfter) - Date.parse(mine.deleted)).toBe(7 * DAY);
    expect((await gql(server, bob.token, DELETED)).body.data!.deletedCredentials).toEqual([]);

    expect((await gql(server, alice.token, UNDELETE, { id })).body.data!.undeleteCredential).toEqual({
      __typename: 'UndeleteNameTakenError',
      name: 'deploy-key',
      suggestedName: 'deploy-key-restored',
      message: "A credential named 'deploy-key' exists now; undelete it under another name, such as 'deploy-key-restored'",
    });
    expect((await gql(server, bob.token, UNDELETE, { id, name: 'mine-now' })).body.data!.undeleteCredential.__typename).toBe('CredentialNotFoundError');
    expect((await gql(server, alice.token, UNDELETE, { id, name: 'deploy-key-restored' })).body.data!.undeleteCredential).toEqual({
      __typename: 'MutationUndeleteCredentialSuccess',
      data: { id, name: 'deploy-key-restored' },
    });
    expect(await delivered(alice.token, id)).toMatchObject({ keys: { token: 'ghp_kept-through-delete' } });
    expect(await delivered(alice.token, replacement)).toMatchObject({ keys: { token: 'ghp_the-new-one' } });

    // Deleted again: 6 days later still restorable; past 7 days the upkeep destroys it.
    expect((await rest(server, alice.token, 'DELETE', `/api/credentials/${id}`)).status).toBe(204);
    clock.advance(6 * DAY);
    await server.services.upkeep.run();
    expect(await server.db.credential.findUniqueOrThrow({ where: { id } })).toMatchObject({ purged: null, secret: expect.stringMatching(/^v1:/) });
    clock.advance(DAY + 60_000);
    const run = await server.services.upkeep.run();
    expect(run.purged).toBeGreaterThanOrEqual(1);
    const row = await server.db.credential.findUniqueOrThrow({ where: { id } });
    expect(row.secret).toBeNull();
    expect(row.purged).toBeInstanceOf(Date);
    expect(await server.db.credentialVersion.count({ where: { credentialId: id } })).toBe(0);
    expect((await gql(server, alice.token, UNDELETE, { id })).body.data!.undeleteCredential.__typename).toBe('CredentialNotFoundError');
    const audit = await server.services.audit.latest({ targetId: id, limit: 20 });
    expect(audit.map((e) => [e.action, e.actor, e.door])).toEqual(
      expect.arrayContaining([
        ['credential.purge', 'background', 'background'],
        ['credential.undelete', alice.userId, 'graphql'],
        ['credential.delete', alice.userId, 'rest'],
      ]),
    );
    expect(JSON.stringify(audit)).not.toContain('ghp_');
  });

  it('an undelete counts against MAX_CREDENTIALS_PER_CONTEXT like a create', async () => {
    const small = await startServer({ MAX_CREDENTIALS_PER_CONTEXT: '2' });
    try {
      const { token } = await small.newUser('small');
      const post = async (name: string) => (await rest(small, token, 'POST', '/api/credentials', github(name, `ghp_${name}`))).body.credentialsId as string;
      const a = await post('a');
      await post('b');
      await rest(small, token, 'DELETE', `/api/credentials/${a}`);
      const c = await post('c');
      const refused = await gql(small, token, UNDELETE, { id: a });
      expect(refused.body.data!.undeleteCredential.__typename).toBe('LimitReachedError');
      await rest(small, token, 'DELETE', `/api/credentials/${c}`);
      expect((await gql(small, token, UNDELETE, { id: a })).body.data!.undeleteCredential).toEqual({
        __typename: 'MutationUndeleteCredentialSuccess',
        data: { id: a, name: 'a' },
      });
    } finally {
      await small.close();
    }
  });

  it('?purge=true destroys at once, also a credential deleted earlier; in a workspace only OWNER and ADMIN may', async () => {
    const id = await create(alice.token, github('purge-now', 'ghp_purge-now'));
    expect((await rest(server, alice.token, 'DELETE', `/api/credentials/${id}?purge=true`)).status).toBe(204);
    expect(await server.db.credential.findUniqueOrThrow({ where: { id } })).toMatchObject({ secret: null, purged: expect.any(Date) });
    const later = await create(alice.token, github('purge-later', 'ghp_purge-later'));
    await rest(server, alice.token, 'DELETE', `/api/credentials/${later}`);
    expect((await rest(server, alice.token, 'DELETE', `/api/credentials/${later}?purge=true`)).status).toBe(204);
    expect((await rest(server, alice.token, 'DELETE', `/api/credentials/${later}?purge=true`)).status).toBe(403);

    // A workspace: a MAINTAIN participant deletes, but neither purges nor lists nor undeletes.
    const me = { userId: alice.userId, door: 'graphql' as const, scope: 'all' };
    const org = await server.services.workspaces.createOrganization(me, 'history-org');
    const ws = await server.services.workspaces.createWorkspace(me, { id: String(org.id) }, 'history-ws');
    await server.services.workspaces.addParticipant(me, { id: String(ws.id) }, bob.name, 'MAINTAIN');
    const inWs = await rest(server, bob.token, 'POST', `/api/credentials?workspaceId=${ws.id}`, github('ws-cred', 'ghp_ws'));
    expect(inWs.status, inWs.text).toBe(200);
    const wsId = inWs.body.credentialsId;
    expect((await rest(server, bob.token, 'DELETE', `/api/credentials/${wsId}?workspaceId=${ws.id}&purge=true`)).status).toBe(403);
    expect((await rest(server, bob.token, 'DELETE', `/api/credentials/${wsId}?workspaceId=${ws.id}`)).status).toBe(204);
    const listedByBob = await gql(server, bob.token, `{ deletedCredentials(workspaceId: "${ws.id}") { deleted } }`);
    expect(listedByBob.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const listedByAlice = await gql(server, alice.token, `{ deletedCredentials(workspaceId: "${ws.id}") { credential { id } } }`);
    expect(listedByAlice.body.data!.deletedCredentials).toEqual([{ credential: { id: wsId } }]);
  });
});

describe('expiry dates', () => {
  it('takes expiresAt from a certificate in the keys, counts it in the metric, and lists it by expiringBefore', async () => {
    const cert = selfSignedCertificate(3, scratch);
    const id = await create(alice.token, {
      credentials: { name: 'cluster', provider: 'k8s', keys: { certificate: cert, privateKey: 'k8s-private-key-secret' } },
    });
    const described = await rest(server, alice.token, 'GET', `/api/credentials/${id}`);
    const expiresAt = Date.parse(described.body.credentials.expiresAt);
    expect(described.body.credentials.expiresAtSource).toBe('certificate');
    expect(Math.abs(expiresAt - (Date.now() + 3 * DAY))).toBeLessThan((2 * DAY) / 24);
    // A later date set by the user does not win over the certificate; an earlier one does.
    await rest(server, alice.token, 'PUT', `/api/credentials/${id}`, {
      credentials: { name: 'cluster', provider: 'k8s', keys: { certificate: cert }, expiresAt: new Date(Date.now() + 30 * DAY).toISOString() },
    });
    expect((await rest(server, alice.token, 'GET', `/api/credentials/${id}`)).body.credentials).toMatchObject({ expiresAtSource: 'certificate' });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const count = (within: string) => Number(new RegExp(`credentials_expiring\\{within="${within}"\\} (\\d+)`).exec(metrics)?.[1]);
    expect(count('7d')).toBeGreaterThanOrEqual(1);
    expect(count('30d')).toBeGreaterThanOrEqual(count('7d'));
    expect(metrics).not.toContain('cluster');
    const EXPIRING = `query($before: DateTime!) { credentials(expiringBefore: $before, first: 10) { edges { node { name expiresAt expiresAtSource } } } }`;
    // (Dates from the wall clock: the certificate's is; the test clock of this file has moved on.)
    const soon = await gql(server, alice.token, EXPIRING, { before: new Date(Date.now() + 7 * DAY).toISOString() });
    expect(soon.body.data!.credentials.edges.map((e: any) => e.node)).toContainEqual({
      name: 'cluster',
      expiresAt: described.body.credentials.expiresAt,
      expiresAtSource: 'certificate',
    });
    const none = await gql(server, alice.token, EXPIRING, { before: new Date(Date.now() + DAY).toISOString() });
    expect(none.body.data!.credentials.edges.map((e: any) => e.node.name)).not.toContain('cluster');
  });

  it('reads an OpenSSH certificate in a key field; a user date wins when earlier; past it the credential turns INVALID unless a validation since found it valid', async () => {
    const line = sshCertificate(10, scratch);
    const derived = expiryOfMaterial({ accessKey: line, secretKey: 'x' });
    expect(derived?.source).toBe('ssh-certificate');
    expect(Math.abs(derived!.at.getTime() - (Date.now() + 10 * DAY))).toBeLessThan(2 * 60_000 * 60);
    expect(expiryOfMaterial({ accessKey: line.replace(/ [A-Za-z0-9+/=]{40,}/, ' AAAA') })).toBeNull();

    // Through REST (the seed pair's returned accessKey holds it) with a user date 1 day ahead: the user's date wins.
    const userDate = new Date(clock.now() + DAY).toISOString();
    const id = await create(
      alice.token,
      github('user-dated', 'ghp_user-dated', { expiresAt: userDate, keys: { username: 'octo', token: 'ghp_user-dated', accessKey: line } }),
    );
    expect((await rest(server, alice.token, 'GET', `/api/credentials/${id}`)).body.credentials).toMatchObject({
      expiresAt: userDate,
      expiresAtSource: 'user',
      status: 'AVAILABLE',
    });
    // An update without expiresAt keeps it; null clears it (then the certificate's date shows).
    await rest(server, alice.token, 'PUT', `/api/credentials/${id}`, github('user-dated', 'ghp_user-dated', { keys: { username: 'octo', accessKey: line } }));
    expect((await rest(server, alice.token, 'GET', `/api/credentials/${id}`)).body.credentials.expiresAtSource).toBe('user');

    clock.advance(2 * DAY);
    await server.services.upkeep.run();
    const expired = (await rest(server, alice.token, 'GET', `/api/credentials/${id}`)).body.credentials;
    expect(expired).toMatchObject({ status: 'INVALID', message: 'Expired: its expiresAt has passed, and no validation since has found it valid' });
    expect((await server.services.audit.latest({ targetId: id, limit: 1 }))[0]).toMatchObject({ action: 'credential.expire', actor: 'background' });

    // A validation after the date that found it valid (as a probe records it) keeps it AVAILABLE.
    await server.db.credential.update({ where: { id }, data: { status: 'AVAILABLE', message: null, lastValidated: new Date(clock.now()) } });
    await server.services.upkeep.run();
    expect((await rest(server, alice.token, 'GET', `/api/credentials/${id}`)).body.credentials.status).toBe('AVAILABLE');

    await rest(
      server,
      alice.token,
      'PUT',
      `/api/credentials/${id}`,
      github('user-dated', 'ghp_user-dated', { expiresAt: null, keys: { username: 'octo', accessKey: line } }),
    );
    expect((await rest(server, alice.token, 'GET', `/api/credentials/${id}`)).body.credentials.expiresAtSource).toBe('ssh-certificate');
  });

  it("reads GitHub's token expiration header, in its forms", () => {
    expect(githubTokenExpiration('2026-12-31 00:00:00 UTC')?.toISOString()).toBe('2026-12-31T00:00:00.000Z');
    expect(githubTokenExpiration('2026-12-31 01:00:00 +0100')?.toISOString()).toBe('2026-12-31T00:00:00.000Z');
    expect(githubTokenExpiration('soon')).toBeNull();
    expect(githubTokenExpiration(undefined)).toBeNull();
  });

  it('refuses an expiresAt that is no date, naming the field, and changes nothing', async () => {
    const bad = await rest(server, alice.token, 'POST', '/api/credentials', github('bad-date', 'ghp_x', { expiresAt: 'next tuesday' }));
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/^expiresAt: must be an ISO 8601 date-time with a zone/);
    expect((await rest(server, alice.token, 'GET', '/api/credentials')).body.credentials.map((c: any) => c.name)).not.toContain('bad-date');
  });

  it('writes one expiry notice 7 days ahead and one 1 day ahead per expiry date (credential.expiring), again for a new date', async () => {
    const NOTICES = `query($since: DateTime) { auditEvents(kinds: [CREDENTIAL_EXPIRING], since: $since, first: 20) { edges { node { targetName detail actor } } } }`;
    const since = new Date(Date.now() - 1000).toISOString();
    const notices = async () =>
      (await gql(server, alice.token, NOTICES, { since })).body
        .data!.auditEvents.edges.map((e: any) => [e.node.targetName, e.node.detail, e.node.actor])
        .filter(([name]: string[]) => name === 'noticed');
    const expiresAt = new Date(clock.now() + 10 * DAY).toISOString();
    const id = (await rest(server, alice.token, 'POST', '/api/credentials', github('noticed', 'ghp_noticed', { expiresAt }))).body.credentialsId;
    await server.services.upkeep.run();
    expect(await notices()).toEqual([]);
    clock.advance(4 * DAY); // 6 days left
    await server.services.upkeep.run();
    await server.services.upkeep.run();
    expect(await notices()).toEqual([['noticed', '7d', 'background']]);
    clock.advance(5.5 * DAY); // half a day left
    await server.services.upkeep.run();
    await server.services.upkeep.run();
    expect(await notices()).toEqual([
      ['noticed', '1d', 'background'],
      ['noticed', '7d', 'background'],
    ]);
    // A new date (renewed): its own notices, the 1-day one straight away when it is that near.
    await rest(
      server,
      alice.token,
      'PUT',
      `/api/credentials/${id}`,
      github('noticed', 'ghp_noticed', { expiresAt: new Date(clock.now() + 20 * 3_600_000).toISOString() }),
    );
    await server.services.upkeep.run();
    expect((await notices())[0]).toEqual(['noticed', '1d', 'background']);
    expect(await notices()).toHaveLength(3);
  });
});
