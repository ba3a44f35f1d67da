/** The credentials service and the stores on a temporary database, without HTTP: rules that no door shows directly. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorOf, type Caller, OPERATOR } from '../../src/core/caller.js';
import { newId } from '../../src/core/ids.js';
import { openStorage, type Storage } from '../../src/wiring/storage.js';
import { gql, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let storage: Storage;
let caller: Caller;
const me = () => ({ kind: 'user' as const, id: caller.userId });

beforeAll(async () => {
  server = await startServer();
  storage = await openStorage(server.config.databaseUrl);
  const user = await server.newUser('service');
  caller = { userId: user.userId, door: 'cli', scope: 'all' };
});
afterAll(async () => {
  await storage.close();
  await server.close();
});

describe('defaults of the provider table', () => {
  it('are stored when a client sends no value, and a value sent is kept', async () => {
    const { credentials } = server.services;
    const registry = await credentials.create(caller, { name: 'reg-default', provider: 'container-reg', keys: { userName: 'u', password: 'p' } });
    expect((await credentials.describe(caller, registry.id)).keys.registry).toBe('docker.io');
    const quay = await credentials.create(caller, { name: 'reg-quay', provider: 'container-reg', keys: { userName: 'u', password: 'p', registry: 'quay.io' } });
    expect((await credentials.describe(caller, quay.id)).keys.registry).toBe('quay.io');
    const agent = await credentials.create(caller, { name: 'agent', provider: 'tw-agent', keys: { connectionId: 'c' } });
    expect((await credentials.describe(caller, agent.id)).keys.shared).toBe(false);
    // An update that sends no value gets the default again (keys are replaced as a whole).
    await credentials.update(caller, quay.id, { name: 'reg-quay', provider: 'container-reg', keys: { userName: 'u' } });
    expect((await credentials.describe(caller, quay.id)).keys.registry).toBe('docker.io');
  });
});

describe('the credential store', () => {
  const credential = (name: string) => ({
    id: newId(),
    owner: { kind: 'user' as const, id: caller.userId },
    name,
    description: null,
    provider: 'github',
    baseUrl: null,
    category: null,
    keys: { username: 'u' },
    secret: null,
    at: new Date(),
    idempotencyKey: null,
    requestFingerprint: null,
    expiry: { userExpiresAt: null, derivedExpiresAt: null, derivedExpirySource: null, expiresAt: null, expiresAtSource: null },
    firstVersion: { number: 1, keys: { username: 'u' }, baseUrl: null, secret: null, changed: ['username'], at: new Date(), restoredFrom: null, by: null },
  });

  it('refuses a second live credential of one name, and frees the name once it is deleted', async () => {
    const first = credential('unique');
    expect(await storage.credentials.insert(first, actorOf(OPERATOR))).toBe('inserted');
    expect(await storage.credentials.insert(credential('unique'), actorOf(OPERATOR))).toBe('duplicate');
    expect(await storage.credentials.isNameTaken(me(), 'unique')).toBe(true);
    expect(await storage.credentials.softDelete(me(), first.id, new Date(), actorOf(OPERATOR))).toBe(true);
    expect(await storage.credentials.softDelete(me(), first.id, new Date(), actorOf(OPERATOR))).toBe(false);
    expect(await storage.credentials.findLive(me(), first.id)).toBeNull();
    expect(await storage.credentials.insert(credential('unique'), actorOf(OPERATOR))).toBe('inserted');
  });

  it('updates only the version it was given: a stale update changes nothing', async () => {
    const row = credential('versioned');
    await storage.credentials.insert(row, actorOf(OPERATOR));
    const read = (await storage.credentials.findForChange(me(), row.id))!;
    const changes = {
      name: 'versioned',
      description: 'first',
      baseUrl: null,
      category: null,
      keys: { username: 'a' },
      secret: null,
      at: new Date(),
      probedChanged: false,
      expiry: row.expiry,
      versions: [],
    };
    expect(await storage.credentials.update(me(), row.id, read.version, changes, actorOf(OPERATOR), 10)).toBe('updated');
    expect(await storage.credentials.update(me(), row.id, read.version, { ...changes, description: 'stale' }, actorOf(OPERATOR), 10)).toBe('changed');
    expect((await storage.credentials.findLive(me(), row.id))!.description).toBe('first');
  });

  it('records every write in the audit trail with the actor the store was given', async () => {
    const row = credential('audited-store');
    await storage.credentials.insert(row, { actor: 'someone', door: 'rest' });
    await storage.credentials.softDelete(me(), row.id, new Date(), { actor: 'someone-else', door: 'graphql' });
    const events = await storage.audit.latest({ targetId: row.id, limit: 10 });
    expect(events.map((e) => [e.action, e.actor, e.door])).toEqual([
      ['credential.delete', 'someone-else', 'graphql'],
      ['credential.create', 'someone', 'rest'],
    ]);
  });

  it("bumps the owner's credentials version with every change, and only the owner's", async () => {
    const other = await server.newUser('other-owner');
    const before = await storage.credentials.findVersion(me());
    const otherBefore = await storage.credentials.findVersion({ kind: 'user', id: other.userId });
    await storage.credentials.insert(credential('bumps'), actorOf(OPERATOR));
    expect(await storage.credentials.findVersion(me())).toBe(before + 1);
    expect(await storage.credentials.findVersion({ kind: 'user', id: other.userId })).toBe(otherBefore);
  });
});

describe("a token's last use", () => {
  it('is recorded on first use, shown in viewer.tokens, and written at most once a minute', async () => {
    const user = await server.newUser('last-use');
    const lastUsed = async () => {
      await server.services.tokens.settle();
      return (await server.services.tokens.listTokens(user.userId))[0]!.lastUsedAt;
    };
    expect(await lastUsed()).toBeNull();
    const viewer = await gql(server, user.token, '{ viewer { tokens { lastUsedAt } } }');
    expect(viewer.status).toBe(200);
    const first = await lastUsed();
    expect(Date.now() - first!.getTime()).toBeLessThan(10_000);
    // Used again within the minute: one statement (the check), no write.
    const start = server.queries.length;
    await gql(server, user.token, '{ viewer { name } }');
    await server.services.tokens.settle();
    expect(server.queries.slice(start).filter((q) => /UPDATE/i.test(q))).toEqual([]);
    expect(await lastUsed()).toEqual(first);
    const shown = await gql(server, user.token, '{ viewer { tokens { lastUsedAt } } }');
    expect(shown.body.data!.viewer.tokens[0].lastUsedAt).toBe(first!.toISOString());
  });
});
