/** The credentials service and the stores on a temporary database, without HTTP: rules that no door shows directly. */
import Sqlite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorOf, type Caller, OPERATOR } from '../../src/core/caller.js';
import { newId } from '../../src/core/ids.js';
import { PrismaCredentialStore } from '../../src/features/credentials/store/credential-store.js';
import { sqlitePath } from '../../src/infra/database-url.js';
import { closeDatabase, openDatabase } from '../../src/platform/db/client.js';
import { openPreparedStatements, type PreparedStatements } from '../../src/platform/db/prepared.js';
import { openStorage, type Storage } from '../../src/wiring/storage.js';
import { onPostgres } from '../helpers/database.js';
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

describe("a delivery's record: the prepared write and Prisma's", () => {
  it.skipIf(onPostgres)(
    'write the same columns and audit rows, answer the same for a deleted or foreign credential, and the prepared one never waits for the lock',
    async () => {
      const path = sqlitePath(server.config.databaseUrl);
      const db = await openDatabase(server.config.databaseUrl);
      const statements = openPreparedStatements(server.config.databaseUrl);
      // The same statements, but the prepared write always declines: every record goes through Prisma.
      const declining = new Proxy(statements, {
        get: (target, property) => {
          if (property === 'runInOneCommit') return () => undefined;
          const value = Reflect.get(target, property);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      }) as PreparedStatements;
      const viaPrisma = new PrismaCredentialStore(db, declining, 'sqlite');
      const other = await server.newUser('record-other');
      const plain = new Sqlite(path);
      try {
        const made = async (name: string) =>
          (await server.services.credentials.create(caller, { name, provider: 'github', keys: { username: 'u', token: 't' } })).id;
        const [fastLive, fastGone, prismaLive, prismaGone] = [
          await made('rec-fast'),
          await made('rec-fast-gone'),
          await made('rec-prisma'),
          await made('rec-prisma-gone'),
        ];
        await server.services.credentials.delete(caller, fastGone);
        await server.services.credentials.delete(caller, prismaGone);
        const at = new Date('2026-12-07T10:11:12.345Z');
        const by = { actor: 'recorder', door: 'rest' as const };
        const records = (live: string, gone: string) => [
          { owner: me(), id: live, recipient: 'key abc client bench delivery x', at, by },
          { owner: me(), id: live, recipient: 'pairing p', at, by, version: 2 },
          { owner: me(), id: gone, recipient: 'pairing p', at, by },
          { owner: { kind: 'user' as const, id: other.userId }, id: live, recipient: 'pairing p', at, by },
        ];
        const fast = await storage.credentials.recordDeliveries(records(fastLive, fastGone));
        const slow = await viaPrisma.recordDeliveries(records(prismaLive, prismaGone));
        expect(fast).toEqual([true, true, false, false]);
        expect(slow).toEqual(fast);
        const columns = (id: string) =>
          plain
            .prepare(
              'SELECT "lastUsed", "lastChange", "changedBy", "changedVia", "changeDetail", "deleted" IS NOT NULL AS gone FROM "Credential" WHERE "id" = ?',
            )
            .get(id);
        expect(columns(fastLive)).toEqual(columns(prismaLive));
        expect(columns(fastLive)).toMatchObject({ lastUsed: '2026-12-07T10:11:12.345+00:00', lastChange: 'deliver', changeDetail: 'pairing p version 2' });
        expect(columns(fastGone)).toEqual(columns(prismaGone));
        // The trigger's rows (their time is the trigger's own clock; the first is each credential's create).
        const audit = (id: string) =>
          plain
            .prepare('SELECT "action", "actor", "door", "detail", "ownerUserId" FROM "AuditEvent" WHERE "targetId" = ? AND "action" = ? ORDER BY "id"')
            .all(id, 'credential.deliver');
        expect(audit(fastLive)).toEqual(audit(prismaLive));
        expect(audit(fastLive)).toEqual([
          { action: 'credential.deliver', actor: 'recorder', door: 'rest', detail: 'key abc client bench delivery x', ownerUserId: caller.userId },
          { action: 'credential.deliver', actor: 'recorder', door: 'rest', detail: 'pairing p version 2', ownerUserId: caller.userId },
        ]);
        expect(audit(fastGone)).toEqual([]);
        expect(audit(prismaGone)).toEqual([]);

        // Another connection holds the write lock: the prepared write does nothing and says so at once (the store
        // then writes through Prisma, which waits its turn).
        plain.exec('BEGIN IMMEDIATE');
        const started = performance.now();
        const run = {
          name: 'credential.deliver:user',
          sql: 'UPDATE "Credential" SET "lastUsed" = ? WHERE "id" = ?',
          params: ['2030-01-01T00:00:00.000+00:00', fastLive],
        };
        expect(statements.runInOneCommit([run])).toBeUndefined();
        expect(performance.now() - started).toBeLessThan(1000);
        plain.exec('ROLLBACK');
        expect((columns(fastLive) as { lastUsed: string }).lastUsed).toBe('2026-12-07T10:11:12.345+00:00');
        expect(statements.runInOneCommit([run])).toEqual([1]);
        expect((columns(fastLive) as { lastUsed: string }).lastUsed).toBe('2030-01-01T00:00:00.000+00:00');
      } finally {
        plain.close();
        await statements.close();
        await closeDatabase(db);
      }
    },
  );
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
