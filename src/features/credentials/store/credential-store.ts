/**
 * The one owner of credential storage: the columns, the row ↔ record mapping,
 * the audit columns, the hot reads (prepared statements, from the same column
 * list), the insert, the conditional updates, the soft delete and the re-seal
 * of key rotation, on SQLite and PostgreSQL alike. The credentials service and
 * key rotation are its only users.
 *
 * Every write takes the actor that makes it and sets the audit columns itself;
 * a database trigger copies them into AuditEvent in the same statement, so no
 * change is stored without its record. Another trigger bumps its owner's (user or workspace)
 * `credentialsVersion` in that statement too (see findVersion).
 */
import type { AuditActor, Owner } from '../../../core/caller.js';
import type { MaybePromise } from '../../../core/maybe.js';
import { Prisma } from '../../../generated/prisma/client.js';
import { type Database, isUniqueViolation } from '../../../platform/db/client.js';
import { KeptReads, optionalDateOf, optionalTimestampOfColumn, type PreparedStatements, timestampOfColumn } from '../../../platform/db/prepared.js';
import type { ExpiryColumns } from '../../providers/index.js';
import type {
  CredentialChanges,
  CredentialRecord,
  DeletedRecord,
  DeliveryRecord,
  NewCredential,
  NewVersion,
  PageQuery,
  SealedCredential,
  SealedSecret,
  SealedVersion,
  StoredKeys,
  UpdateOutcome,
  Validation,
  VersionRecord,
} from '../model.js';
import type { CredentialStore } from '../ports.js';

type Change = 'create' | 'update' | 'restore' | 'delete' | 'undelete' | 'purge' | 'expiring' | 'expire' | 'reseal' | 'deliver' | 'validate';

/** The columns the audit trigger copies into AuditEvent with the change (`detail`: what it concerned, if more). */
const auditColumns = (change: Change, by: AuditActor, detail: string | null = null) => ({
  lastChange: change,
  changedBy: by.actor,
  changedVia: by.door,
  changeDetail: detail,
});

/** The record's columns, in the order the record (and the REST wire) lists them. */
export const RECORD_COLUMNS = [
  'id',
  'userId',
  'workspaceId',
  'name',
  'description',
  'provider',
  'baseUrl',
  'category',
  'keys',
  'lastUsed',
  'dateCreated',
  'lastUpdated',
  'status',
  'message',
  'lastValidated',
  'expiresAt',
  'expiresAtSource',
  'keyVersion',
] as const;
const SELECT_RECORD = `SELECT ${RECORD_COLUMNS.map((c) => `"${c}"`).join(', ')} FROM "Credential"`;

/** A row as a driver returns it (dates as ISO text on SQLite, Date on PostgreSQL). */
type Row = { [K in (typeof RECORD_COLUMNS)[number]]: unknown };

/** The owner of a row: its user, else its workspace (a check in the database keeps exactly one). */
const ownerOf = (row: { userId: unknown; workspaceId: unknown }): Owner =>
  row.userId !== null ? { kind: 'user', id: row.userId as string } : { kind: 'workspace', id: Number(row.workspaceId) };

/** The owner's column and value, for statements. */
const ownerColumn = (owner: Owner) => (owner.kind === 'user' ? '"userId"' : '"workspaceId"');
/** The owner as a Prisma filter. */
const ownerFilter = (owner: Owner) => (owner.kind === 'user' ? { userId: owner.id } : { workspaceId: owner.id });

/** A row as a driver returns it → the record. */
function recordOfRow(row: Row): CredentialRecord {
  return {
    id: row.id as string,
    owner: ownerOf(row),
    name: row.name as string,
    description: row.description as string | null,
    provider: row.provider as string,
    baseUrl: row.baseUrl as string | null,
    category: row.category as string | null,
    keys: JSON.parse(row.keys as string) as StoredKeys,
    lastUsed: optionalTimestampOfColumn(row.lastUsed as string | Date | null),
    dateCreated: timestampOfColumn(row.dateCreated as string | Date),
    lastUpdated: timestampOfColumn(row.lastUpdated as string | Date),
    status: row.status as string,
    message: row.message as string | null,
    lastValidated: optionalTimestampOfColumn(row.lastValidated as string | Date | null),
    expiresAt: optionalTimestampOfColumn(row.expiresAt as string | Date | null),
    expiresAtSource: row.expiresAtSource as string | null,
    keyVersion: Number(row.keyVersion),
  };
}

/** A sealed credential from a Prisma row. */
function sealedOf(row: Parameters<typeof fromPrisma>[0] & { secret: string | null; version: number } & ExpiryColumns): SealedCredential {
  return {
    ...fromPrisma(row),
    secret: row.secret,
    version: row.version,
    userExpiresAt: row.userExpiresAt,
    derivedExpiresAt: row.derivedExpiresAt,
    derivedExpirySource: row.derivedExpirySource,
  };
}

/** A version's row: its columns from what to record. */
const versionRow = (credentialId: string, v: NewVersion) => ({
  credentialId,
  number: v.number,
  keys: JSON.stringify(v.keys),
  baseUrl: v.baseUrl,
  secret: v.secret,
  changed: JSON.stringify(v.changed),
  createdAt: v.at,
  actor: v.by?.actor ?? null,
  door: v.by?.door ?? null,
  restoredFrom: v.restoredFrom,
});

const versionRecordOf = (row: {
  number: number;
  changed: string;
  createdAt: Date;
  actor: string | null;
  door: string | null;
  restoredFrom: number | null;
}): VersionRecord => ({
  number: row.number,
  changed: JSON.parse(row.changed) as string[],
  createdAt: timestampOfColumn(row.createdAt),
  actor: row.actor,
  door: row.door,
  restoredFrom: row.restoredFrom,
});

/** A record from a Prisma row (dates already Date, keys JSON text). */
function fromPrisma(row: { userId: string | null; workspaceId: number | null; keys: string } & Record<string, unknown>): CredentialRecord {
  return recordOfRow(row as unknown as Row);
}

/** The insert's columns and values, audit included. */
function insertRow(c: NewCredential, by: AuditActor) {
  return {
    id: c.id,
    userId: c.owner.kind === 'user' ? c.owner.id : null,
    workspaceId: c.owner.kind === 'workspace' ? c.owner.id : null,
    name: c.name,
    activeName: c.name,
    description: c.description,
    provider: c.provider,
    baseUrl: c.baseUrl,
    category: c.category,
    keys: JSON.stringify(c.keys),
    secret: c.secret,
    dateCreated: c.at,
    lastUpdated: c.at,
    ...auditColumns('create', by, 'version 1'),
    idempotencyKey: c.idempotencyKey,
    requestFingerprint: c.requestFingerprint,
    keyVersion: 1,
    ...c.expiry,
  };
}
const NO_EXPIRY: ExpiryColumns = { userExpiresAt: null, derivedExpiresAt: null, derivedExpirySource: null, expiresAt: null, expiresAtSource: null };
const INSERT_COLUMNS = Object.keys(
  insertRow({ keys: {}, owner: { kind: 'user', id: '' }, expiry: NO_EXPIRY } as NewCredential, { actor: '', door: 'cli' }),
) as (keyof ReturnType<typeof insertRow>)[];
const INSERT_COLUMN_LIST = Prisma.raw(INSERT_COLUMNS.map((c) => `"${c}"`).join(', '));
const VERSION_COLUMNS = Object.keys(versionRow('', { keys: {}, changed: [] } as unknown as NewVersion)) as (keyof ReturnType<typeof versionRow>)[];
const VERSION_COLUMN_LIST = Prisma.raw(VERSION_COLUMNS.map((c) => `"${c}"`).join(', '));

/** The page statement of one shape (owner kind, provider count, cursor, limit): one prepared statement per shape. */
function pageStatement(owner: Owner, providerCount: number | undefined, after: boolean, limited: boolean) {
  const where = [`${ownerColumn(owner)} = ?`, '"deleted" IS NULL'];
  if (providerCount !== undefined) where.push(providerCount === 0 ? 'FALSE' : `"provider" IN (${Array(providerCount).fill('?').join(', ')})`);
  if (after) where.push('("dateCreated" > ? OR ("dateCreated" = ? AND "id" > ?))');
  return {
    name: `credential.page:${owner.kind}:${providerCount ?? '-'}:${after}:${limited}`,
    sql: `${SELECT_RECORD} WHERE ${where.join(' AND ')} ORDER BY "dateCreated", "id"${limited ? ' LIMIT ?' : ''}`,
  };
}

const LIVE_SQL = {
  user: `${SELECT_RECORD} WHERE "id" = ? AND "userId" = ? AND "deleted" IS NULL`,
  workspace: `${SELECT_RECORD} WHERE "id" = ? AND "workspaceId" = ? AND "deleted" IS NULL`,
};
/** The live credential with what a change, a probe or a delivery needs besides the record: its sealed secret, row version, expiry's sources. */
const SEALED_COLUMNS = ['secret', 'version', 'userExpiresAt', 'derivedExpiresAt', 'derivedExpirySource'] as const;
const SELECT_SEALED = `SELECT ${[...RECORD_COLUMNS, ...SEALED_COLUMNS].map((c) => `"${c}"`).join(', ')} FROM "Credential"`;
const SEALED_SQL = {
  user: `${SELECT_SEALED} WHERE "id" = ? AND "userId" = ? AND "deleted" IS NULL`,
  workspace: `${SELECT_SEALED} WHERE "id" = ? AND "workspaceId" = ? AND "deleted" IS NULL`,
};
type SealedRow = Row & { [K in (typeof SEALED_COLUMNS)[number]]: unknown };
const sealedOfRow = (row: SealedRow): SealedCredential => ({
  ...recordOfRow(row),
  secret: row.secret as string | null,
  version: Number(row.version),
  userExpiresAt: optionalDateOf(row.userExpiresAt as string | Date | null),
  derivedExpiresAt: optionalDateOf(row.derivedExpiresAt as string | Date | null),
  derivedExpirySource: row.derivedExpirySource as string | null,
});
/** Credentials described recently, kept while the database is unchanged (SQLite): at most this many. */
const LIVE_KEPT = 2000;
const VERSION_SQL = {
  user: 'SELECT "credentialsVersion" AS "v" FROM "User" WHERE "id" = ?',
  workspace: 'SELECT "credentialsVersion" AS "v" FROM "Workspace" WHERE "id" = ?',
};

export class PrismaCredentialStore implements CredentialStore {
  constructor(
    private readonly db: Database,
    private readonly statements: PreparedStatements,
    private readonly provider: 'sqlite' | 'postgresql' = 'sqlite',
  ) {
    this.#live = new KeptReads(statements, LIVE_KEPT);
  }

  /**
   * Makes destroyed material leave the files: on SQLite, secure_delete has
   * zeroed it in the database pages; a checkpoint that truncates the
   * write-ahead log drops the older page images holding it (a reader in the
   * middle of a read can make it wait for the next run). On PostgreSQL deleted
   * rows are reclaimed by VACUUM (autovacuum): see docs/operating.md.
   */
  async forgetDestroyed(): Promise<void> {
    if (this.provider !== 'sqlite' || !this.#destroyed) return;
    this.#destroyed = false;
    await this.db.$queryRawUnsafe('PRAGMA wal_checkpoint(TRUNCATE)');
  }

  /** Sealed material was destroyed by this process since the last forgetDestroyed (a purge, versions beyond the kept ones). */
  #destroyed = false;

  // ---- The reads of every request (prepared statements) --------------------

  /**
   * The owner's credential if it is live (not deleted). On SQLite one found is
   * kept with the database's data version and reused while nothing has been
   * committed since (prepared.ts: any change, by any process, reads it again).
   */
  findLive(owner: Owner, id: string): MaybePromise<CredentialRecord | null> {
    return this.#live.get(`${owner.kind}:${owner.id}:${id}`, () => {
      const row = this.statements.get<Row>(`credential.live:${owner.kind}`, LIVE_SQL[owner.kind], [id, owner.id]);
      if (row instanceof Promise) return row.then((r) => (r ? recordOfRow(r) : null));
      if (!row) return null;
      const record = recordOfRow(row);
      Object.freeze(record.keys); // (kept and shared: frozen, so no request changes it for the others)
      return record;
    });
  }

  /** Live credentials read by findLive, kept while the database is unchanged (SQLite). */
  readonly #live: KeptReads<CredentialRecord>;

  /** The owner's live credentials in (dateCreated, id) order. */
  findPage({ owner, providers, after, take }: PageQuery): MaybePromise<CredentialRecord[]> {
    const { name, sql } = pageStatement(owner, providers?.length, after !== undefined, take !== undefined);
    const params: unknown[] = [owner.id, ...(providers ?? [])];
    if (after) {
      const at = this.statements.date(new Date(after.dateCreated));
      params.push(at, at, after.id);
    }
    if (take !== undefined) params.push(take);
    const rows = this.statements.all<Row>(name, sql, params);
    return rows instanceof Promise ? rows.then((r) => r.map(recordOfRow)) : rows.map(recordOfRow);
  }

  /**
   * The counter that every change to the owner's credentials bumps (a trigger
   * does, in the statement of the change): equal values mean nothing changed.
   */
  findVersion(owner: Owner): MaybePromise<number> {
    const row = this.statements.get<{ v: number }>(`credential.version:${owner.kind}`, VERSION_SQL[owner.kind], [owner.id]);
    return row instanceof Promise ? row.then((r) => r?.v ?? 0) : (row?.v ?? 0);
  }

  /**
   * The owner's live credential with its sealed secret and row version (read
   * before a change, a probe, a delivery: each change is conditional on the
   * version read here).
   */
  findForChange(owner: Owner, id: string): MaybePromise<SealedCredential | null> {
    const row = this.statements.get<SealedRow>(`credential.sealed:${owner.kind}`, SEALED_SQL[owner.kind], [id, owner.id]);
    return row instanceof Promise ? row.then((r) => (r ? sealedOfRow(r) : null)) : row ? sealedOfRow(row) : null;
  }

  // ---- Reads for a change (Prisma) ------------------------------------------

  /** The credential an earlier create with this idempotency key made (deleted or not), with that request's fingerprint. */
  async findByIdempotencyKey(
    owner: Owner,
    idempotencyKey: string,
  ): Promise<{ record: CredentialRecord; deleted: boolean; requestFingerprint: string | null } | null> {
    const row = await this.db.credential.findFirst({ where: { ...ownerFilter(owner), idempotencyKey }, omit: { secret: true } });
    return row ? { record: fromPrisma(row), deleted: row.deleted !== null, requestFingerprint: row.requestFingerprint } : null;
  }

  /** True when a live credential of the owner has this name. */
  async isNameTaken(owner: Owner, name: string): Promise<boolean> {
    const row = await this.db.credential.findFirst({ where: { ...ownerFilter(owner), activeName: name }, select: { id: true } });
    return row !== null;
  }

  // ---- Writes -----------------------------------------------------------------

  /**
   * Inserts a credential. One parameterised raw statement (0.9 ms here against
   * 1.5 ms for Prisma's `create`, which plans the query and reads the row back;
   * the caller has every value). 'duplicate': a unique index (live name, or
   * idempotency key) refused it and nothing was stored; 'limit': the owner
   * holds `limit` live credentials already (nothing stored; no limit when undefined).
   */
  async insert(credential: NewCredential, by: AuditActor, limit?: number): Promise<'inserted' | 'duplicate' | 'limit'> {
    const row = insertRow(credential, by);
    const { owner } = credential;
    const values = Prisma.join(INSERT_COLUMNS.map((c) => row[c]));
    const version = versionRow(credential.id, credential.firstVersion);
    const versionValues = Prisma.join(VERSION_COLUMNS.map((c) => version[c]));
    try {
      // Only while the owner holds fewer than `limit` live credentials (counted in the same statement).
      const room =
        limit === undefined
          ? Prisma.empty
          : Prisma.sql`WHERE (SELECT count(*) FROM "Credential" WHERE ${Prisma.raw(ownerColumn(owner))} = ${owner.id} AND "deleted" IS NULL) < ${limit}`;
      let inserted: number;
      if (this.provider === 'postgresql') {
        // One statement, one round trip: the version is inserted from the credential's row, so only with it.
        inserted = await this.db.$executeRaw`
          WITH "c" AS (INSERT INTO "Credential" (${INSERT_COLUMN_LIST}) SELECT ${values} ${room} RETURNING "id")
          INSERT INTO "CredentialVersion" (${VERSION_COLUMN_LIST}) SELECT ${versionValues} FROM "c"`;
      } else {
        // SQLite (in-process, no round trips): a two-statement transaction, the version only if the credential went in.
        [inserted] = await this.db.$transaction([
          this.db.$executeRaw`INSERT INTO "Credential" (${INSERT_COLUMN_LIST}) SELECT ${values} ${room}`,
          this.db.$executeRaw`
            INSERT INTO "CredentialVersion" (${VERSION_COLUMN_LIST}) SELECT ${versionValues}
            WHERE EXISTS (SELECT 1 FROM "Credential" WHERE "id" = ${credential.id} AND "keyVersion" = 1 AND "version" = 0)`,
        ]);
      }
      return inserted === 1 ? 'inserted' : 'limit';
    } catch (error) {
      if (isUniqueViolation(error)) return 'duplicate';
      throw error;
    }
  }

  /**
   * Replaces the credential's fields, only if it is still live and at `version`
   * (one conditional statement: optimistic concurrency, no transaction held).
   * 'changed': it changed or was deleted since it was read; 'duplicate': another
   * live credential of the owner has the new name.
   */
  async update(owner: Owner, id: string, version: number, changes: CredentialChanges, by: AuditActor, keep: number): Promise<UpdateOutcome> {
    const latest = changes.versions.at(-1);
    const data = {
      name: changes.name,
      activeName: changes.name,
      description: changes.description,
      baseUrl: changes.baseUrl,
      category: changes.category,
      keys: JSON.stringify(changes.keys),
      secret: changes.secret,
      lastUpdated: changes.at,
      ...changes.expiry,
      // New keys have not been probed: the verdict on the old ones no longer holds.
      ...(changes.probedChanged ? { status: 'AVAILABLE', message: null, lastValidated: null } : {}),
      ...(latest ? { keyVersion: latest.number } : {}),
      version: { increment: 1 },
      ...auditColumns(changes.change ?? 'update', by, changes.detail ?? (latest ? `version ${latest.number}` : null)),
    };
    const where = { id, ...ownerFilter(owner), deleted: null, version };
    try {
      if (!latest) {
        const { count } = await this.db.credential.updateMany({ where, data });
        return count === 1 ? 'updated' : 'changed';
      }
      // The row and its new versions in one transaction; versions beyond the last `keep` destroyed in it.
      return await this.db.$transaction(async (tx) => {
        const { count } = await tx.credential.updateMany({ where, data });
        if (count !== 1) return 'changed' as const;
        await tx.credentialVersion.createMany({ data: changes.versions.map((v) => versionRow(id, v)) });
        const { count: destroyed } = await tx.credentialVersion.deleteMany({ where: { credentialId: id, number: { lte: latest.number - keep } } });
        if (destroyed > 0) this.#destroyed = true;
        return 'updated' as const;
      });
    } catch (error) {
      if (isUniqueViolation(error)) return 'duplicate';
      throw error;
    }
  }

  /**
   * Soft delete: the row stays, marked deleted, its name freed; its sealed
   * material is kept for the recovery window (see purge). False: no such live credential.
   */
  async softDelete(owner: Owner, id: string, at: Date, by: AuditActor): Promise<boolean> {
    const { count } = await this.db.credential.updateMany({
      where: { id, ...ownerFilter(owner), deleted: null },
      data: { deleted: at, lastUpdated: at, activeName: null, version: { increment: 1 }, ...auditColumns('delete', by) },
    });
    return count === 1;
  }

  /**
   * Destroys a deleted credential's sealed material: its secret and every
   * version (their rows deleted; on SQLite, secure_delete overwrites the freed
   * bytes). The row stays as a tombstone (name, non-secret keys, dates), marked purged.
   * False: no such deleted, unpurged credential of the owner (undefined owner: of any).
   */
  async purge(owner: Owner | undefined, id: string, at: Date, by: AuditActor, detail: string | null = null): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      const { count } = await tx.credential.updateMany({
        where: { id, ...(owner ? ownerFilter(owner) : {}), deleted: { not: null }, purged: null },
        data: { secret: null, purged: at, version: { increment: 1 }, ...auditColumns('purge', by, detail) },
      });
      if (count !== 1) return false;
      await tx.credentialVersion.deleteMany({ where: { credentialId: id } });
      this.#destroyed = true;
      return true;
    });
  }

  /** Ids of credentials deleted before `before` and not yet purged, at most `take`: the purge's work. */
  async findPurgeable(before: Date, take: number): Promise<string[]> {
    const rows = await this.db.credential.findMany({
      where: { deleted: { lt: before }, purged: null },
      select: { id: true },
      orderBy: { deleted: 'asc' },
      take,
    });
    return rows.map((r) => r.id);
  }

  /** The owner's (undefined: every context's) deleted credentials still in their recovery window, the most recently deleted first (at most `take`). */
  async findDeleted(owner: Owner | undefined, take: number): Promise<DeletedRecord[]> {
    const rows = await this.db.credential.findMany({
      where: { ...(owner ? ownerFilter(owner) : {}), deleted: { not: null }, purged: null },
      omit: { secret: true },
      orderBy: [{ deleted: 'desc' }, { id: 'asc' }],
      take,
    });
    return rows.map((row) => ({ ...fromPrisma(row), deleted: timestampOfColumn(row.deleted!) }));
  }

  /** The owner's (undefined: any context's) deleted, unpurged credential with its sealed secret (for an undelete). */
  async findDeletedForChange(owner: Owner | undefined, id: string): Promise<SealedCredential | null> {
    const row = await this.db.credential.findFirst({ where: { id, ...(owner ? ownerFilter(owner) : {}), deleted: { not: null }, purged: null } });
    return row ? sealedOf(row) : null;
  }

  /**
   * Brings a deleted credential back under `name`, only if it is still deleted
   * and unpurged at `version`, and the owner holds fewer than `limit` live
   * credentials (counted in the same statement; no limit when undefined).
   * 'duplicate': a live credential of the owner has that name.
   */
  async undelete(owner: Owner, id: string, version: number, name: string, at: Date, by: AuditActor, limit?: number): Promise<UpdateOutcome | 'limit'> {
    const column = Prisma.raw(ownerColumn(owner));
    const room =
      limit === undefined ? Prisma.empty : Prisma.sql`AND (SELECT count(*) FROM "Credential" WHERE ${column} = ${owner.id} AND "deleted" IS NULL) < ${limit}`;
    try {
      const count = await this.db.$executeRaw`
        UPDATE "Credential" SET "deleted" = NULL, "name" = ${name}, "activeName" = ${name}, "lastUpdated" = ${at}, "version" = "version" + 1,
          "lastChange" = 'undelete', "changedBy" = ${by.actor}, "changedVia" = ${by.door}, "changeDetail" = NULL
        WHERE "id" = ${id} AND ${column} = ${owner.id} AND "deleted" IS NOT NULL AND "purged" IS NULL AND "version" = ${version} ${room}`;
      if (count === 1) return 'updated';
      if (limit !== undefined && (await this.db.credential.count({ where: { ...ownerFilter(owner), deleted: null } })) >= limit) return 'limit';
      return 'changed';
    } catch (error) {
      if (isUniqueViolation(error)) return 'duplicate';
      throw error;
    }
  }

  // ---- Versions ------------------------------------------------------------------

  /** The credential's versions, newest first, those numbered below `before` (undefined: from the newest), at most `take`. */
  async findVersions(credentialId: string, before: number | undefined, take: number): Promise<VersionRecord[]> {
    const rows = await this.db.credentialVersion.findMany({
      where: { credentialId, ...(before === undefined ? {} : { number: { lt: before } }) },
      omit: { secret: true, keys: true, baseUrl: true },
      orderBy: { number: 'desc' },
      take,
    });
    return rows.map(versionRecordOf);
  }

  /** One version with its sealed material, or null when it was never recorded or is destroyed. */
  async findKeyVersion(credentialId: string, number: number): Promise<SealedVersion | null> {
    const row = await this.db.credentialVersion.findUnique({ where: { credentialId_number: { credentialId, number } } });
    return row ? { ...versionRecordOf(row), keys: JSON.parse(row.keys) as StoredKeys, baseUrl: row.baseUrl, secret: row.secret } : null;
  }

  // ---- Expiry -----------------------------------------------------------------------

  /**
   * Marks INVALID every live credential whose expiry has passed by `now` and
   * that no probe has found valid since it expired (the rule of docs/api-graphql.md).
   * How many it marked.
   */
  async markExpired(now: Date, message: string, by: AuditActor): Promise<number> {
    const { count } = await this.db.credential.updateMany({
      where: {
        expiresAt: { lte: now },
        deleted: null,
        status: 'AVAILABLE',
        OR: [{ lastValidated: null }, { lastValidated: { lt: this.db.credential.fields.expiresAt } }],
      },
      data: { status: 'INVALID', message, version: { increment: 1 }, ...auditColumns('expire', by) },
    });
    return count;
  }

  /**
   * Writes the expiry notices due by `now` (audited `credential.expiring`,
   * detail `7d` or `1d`): one of each per expiry date, for live credentials
   * expiring within `withinMs` (7 days) or `lastMs` (1 day). A notice once
   * written for an expiry is not written again; a new expiry date gets its own.
   * How many it wrote.
   */
  async markExpiring(now: Date, notices: readonly { notice: string; withinMs: number }[], by: AuditActor): Promise<number> {
    let written = 0;
    // The nearest notice first: a credential a day from expiry gets `1d`, not `7d` and then `1d`.
    const sorted = [...notices].sort((a, b) => a.withinMs - b.withinMs);
    for (const [index, { notice, withinMs }] of sorted.entries()) {
      const nearer = sorted.slice(0, index).map((n) => n.notice);
      const where = {
        deleted: null,
        expiresAt: { gt: now, lte: new Date(now.getTime() + withinMs) },
        OR: [
          { expiryNoticeFor: null },
          { expiryNoticeFor: { lt: this.db.credential.fields.expiresAt } },
          { expiryNoticeFor: { gt: this.db.credential.fields.expiresAt } },
          { expiryNotice: { notIn: [notice, ...nearer] } },
        ],
      };
      const due = await this.db.credential.findMany({ where, select: { id: true, expiresAt: true }, orderBy: { expiresAt: 'asc' }, take: 500 });
      let count = 0;
      // One statement each, conditional on the expiry read: a credential changed meanwhile is left for the next run.
      for (const { id, expiresAt } of due) {
        const changed = await this.db.credential.updateMany({
          where: { ...where, id, expiresAt },
          data: { expiryNotice: notice, expiryNoticeFor: expiresAt, ...auditColumns('expiring', by, notice) },
        });
        count += changed.count;
      }
      written += count;
    }
    return written;
  }

  /** How many live credentials expire before `before` (expired ones included). */
  countExpiringBefore(before: Date): Promise<number> {
    return this.db.credential.count({ where: { deleted: null, expiresAt: { lt: before } } });
  }

  /**
   * Live credentials expiring before `before` (expired ones included), the
   * soonest first, after the position `after` in (expiresAt, id) order: of the
   * owner, or of every context (undefined).
   */
  async findExpiring(
    owner: Owner | undefined,
    before: Date,
    take: number,
    options: { providers?: readonly string[]; after?: { expiresAt: Date; id: string } } = {},
  ): Promise<CredentialRecord[]> {
    const { providers, after } = options;
    const rows = await this.db.credential.findMany({
      where: {
        ...(owner ? ownerFilter(owner) : {}),
        deleted: null,
        expiresAt: { lt: before },
        ...(providers ? { provider: { in: [...providers] } } : {}),
        ...(after ? { OR: [{ expiresAt: { gt: after.expiresAt } }, { expiresAt: after.expiresAt, id: { gt: after.id } }] } : {}),
      },
      omit: { secret: true },
      orderBy: [{ expiresAt: 'asc' }, { id: 'asc' }],
      take,
    });
    return rows.map(fromPrisma);
  }

  /**
   * Records deliveries (each credential's last use, and through the trigger its
   * audit row naming the pairing), all in one transaction: one commit. For each,
   * false if the credential was deleted meanwhile (nothing recorded for it).
   */
  async recordDeliveries(deliveries: readonly DeliveryRecord[]): Promise<boolean[]> {
    // Raw statements (still through Prisma, in its transaction): a batch of N updateMany is compiled anew for each N.
    const counts = await this.db.$transaction(
      deliveries.map(({ owner, id, pairingId, at, by, version }) => {
        const audit = auditColumns('deliver', by, `pairing ${pairingId}${version === undefined ? '' : ` version ${version}`}`);
        return this.db.$executeRaw`
          UPDATE "Credential" SET "lastUsed" = ${at}, "lastChange" = ${audit.lastChange}, "changedBy" = ${audit.changedBy},
            "changedVia" = ${audit.changedVia}, "changeDetail" = ${audit.changeDetail}
          WHERE "id" = ${id} AND ${Prisma.raw(ownerColumn(owner))} = ${owner.id} AND "deleted" IS NULL`;
      }),
    );
    return counts.map((count) => count === 1);
  }

  /**
   * Records a validation's verdict (status, the provider's message, when), only
   * if the credential is still live and at `version` (the keys that were
   * probed), and the expiry the provider's answer told (`expiry`). False: it
   * changed or was deleted meanwhile, and nothing was recorded.
   */
  async recordValidation(owner: Owner, id: string, version: number, verdict: Validation, by: AuditActor, expiry?: ExpiryColumns): Promise<boolean> {
    const { count } = await this.db.credential.updateMany({
      where: { id, ...ownerFilter(owner), deleted: null, version },
      data: {
        ...expiry,
        status: verdict.status,
        message: verdict.message,
        ...(verdict.at ? { lastValidated: verdict.at } : {}),
        ...auditColumns('validate', by, verdict.status),
      },
    });
    return count === 1;
  }

  /** How many live credentials of each provider are INVALID. */
  async countInvalidByProvider(): Promise<Map<string, number>> {
    const rows = await this.db.credential.groupBy({ by: ['provider'], where: { status: 'INVALID', deleted: null }, _count: { _all: true } });
    return new Map(rows.map((r) => [r.provider, r._count._all]));
  }

  /** Live credentials after `afterId` in id order (with their sealed secrets), at most `take`: a walk over all of them. */
  async findLiveAfter(afterId: string, take: number): Promise<SealedCredential[]> {
    const rows = await this.db.credential.findMany({ where: { deleted: null, id: { gt: afterId } }, orderBy: { id: 'asc' }, take });
    return rows.map(sealedOf);
  }

  /** How many live credentials there are, in every context. */
  countLive(): Promise<number> {
    return this.db.credential.count({ where: { deleted: null } });
  }

  // ---- Sealed secrets, for key rotation ----------------------------------------
  // (A sealed value starts with the id of the key that sealed it: the key ring says how.)

  // Every sealed value counts: the live rows' and the versions' (of deleted credentials too, until purged).

  /** How many stored secrets start with `prefix`. */
  async countSecretsStartingWith(prefix: string): Promise<number> {
    const where = { secret: { startsWith: prefix } };
    return (await this.db.credential.count({ where })) + (await this.db.credentialVersion.count({ where }));
  }

  /** How many stored secrets start with none of `prefixes`. */
  async countSecretsNotStartingWith(prefixes: readonly string[]): Promise<number> {
    const where = notStartingWith(prefixes);
    return (await this.db.credential.count({ where })) + (await this.db.credentialVersion.count({ where }));
  }

  /**
   * Stored secrets that start with none of `prefixes`: live rows in id order,
   * then versions in (id, number) order, skipping the slots `excluded` (see
   * slotOf); at most `take` (undefined: all).
   */
  async findSecretsNotStartingWith(prefixes: readonly string[], excluded: readonly string[] = [], take?: number): Promise<SealedSecret[]> {
    const skip = new Set(excluded);
    const live = excluded.filter((slot) => !slot.includes('#'));
    const rows = await this.db.credential.findMany({
      where: { ...notStartingWith(prefixes), ...(live.length ? { id: { notIn: live } } : {}) },
      select: { id: true, userId: true, workspaceId: true, provider: true, secret: true },
      orderBy: { id: 'asc' },
      ...(take === undefined ? {} : { take }),
    });
    const found: SealedSecret[] = rows.map((r) => ({ id: r.id, owner: ownerOf(r), provider: r.provider, version: null, secret: r.secret! }));
    if (take !== undefined && found.length >= take) return found;
    // Versions: read past the skipped ones (few: those that could not be opened).
    const versions = await this.db.credentialVersion.findMany({
      where: notStartingWith(prefixes),
      select: { credentialId: true, number: true, secret: true, credential: { select: { userId: true, workspaceId: true, provider: true } } },
      orderBy: [{ credentialId: 'asc' }, { number: 'asc' }],
      ...(take === undefined ? {} : { take: take - found.length + skip.size }),
    });
    for (const v of versions) {
      if (skip.has(`${v.credentialId}#${v.number}`)) continue;
      if (take !== undefined && found.length >= take) break;
      found.push({ id: v.credentialId, owner: ownerOf(v.credential), provider: v.credential.provider, version: v.number, secret: v.secret! });
    }
    return found;
  }

  /**
   * Replaces a sealed secret (the live row's, or a version's), only if it still
   * holds `expected`. False: an update re-sealed it meanwhile (under the primary
   * key already), or it was deleted or destroyed.
   */
  async replaceSecret(slot: Pick<SealedSecret, 'id' | 'version'>, expected: string, secret: string, by: AuditActor): Promise<boolean> {
    if (slot.version === null) {
      const { count } = await this.db.credential.updateMany({ where: { id: slot.id, secret: expected }, data: { secret, ...auditColumns('reseal', by) } });
      return count === 1;
    }
    const { count } = await this.db.credentialVersion.updateMany({
      where: { credentialId: slot.id, number: slot.version, secret: expected },
      data: { secret },
    });
    return count === 1;
  }
}

const notStartingWith = (prefixes: readonly string[]) => ({
  secret: { not: null },
  NOT: prefixes.map((prefix) => ({ secret: { startsWith: prefix } })),
});
