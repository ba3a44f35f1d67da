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
import type { AuditActor, Owner } from '../core/caller.js';
import type { MaybePromise } from '../core/maybe.js';
import type { Timestamp } from '../core/time.js';
import { Prisma } from '../generated/prisma/client.js';
import { type Database, isUniqueViolation } from './client.js';
import { optionalTimestampOfColumn, type PreparedStatements, timestampOfColumn } from './prepared.js';

/** Stored key values: returned fields as JSON in `keys`, secret ones sealed together in `secret`. */
export type StoredKeys = Record<string, string | boolean>;

/** A credential as the app reads it: every column but the sealed secret and bookkeeping. */
export interface CredentialRecord {
  id: string;
  /** A user (personal context) or a workspace. */
  owner: Owner;
  name: string;
  description: string | null;
  provider: string;
  baseUrl: string | null;
  category: string | null;
  /** The returned (non-secret) key fields. */
  keys: StoredKeys;
  lastUsed: Timestamp | null;
  dateCreated: Timestamp;
  lastUpdated: Timestamp;
  /** Validation: AVAILABLE (the last probe succeeded, or none yet) or INVALID, with the provider's message. */
  status: string;
  message: string | null;
  lastValidated: Timestamp | null;
}

/** A live credential read for a change: with its sealed secret and its row version. */
export interface SealedCredential extends CredentialRecord {
  secret: string | null;
  version: number;
}

export type NewCredential = Omit<CredentialRecord, 'lastUsed' | 'dateCreated' | 'lastUpdated' | 'status' | 'message' | 'lastValidated'> & {
  secret: string | null;
  /** When it is created. */
  at: Date;
  /** The client's key for retrying the create, and a keyed fingerprint of its request. */
  idempotencyKey: string | null;
  requestFingerprint: string | null;
};

/** What an update replaces. */
export type CredentialChanges = Pick<NewCredential, 'name' | 'description' | 'baseUrl' | 'category' | 'keys' | 'secret' | 'at'> & {
  /** The keys or base URL changed: the last validation's verdict no longer holds. */
  probedChanged: boolean;
};

export interface PageQuery {
  owner: Owner;
  /** Only these providers (undefined: all). */
  providers?: readonly string[];
  /** Strictly after this position in (dateCreated, id) order. */
  after?: { dateCreated: Timestamp; id: string };
  /** At most this many rows (undefined: all). */
  take?: number;
}

/** A secret as key rotation sees it: which credential, sealed how. */
export interface SealedSecret {
  id: string;
  owner: Owner;
  provider: string;
  secret: string;
}

type Change = 'create' | 'update' | 'delete' | 'reseal' | 'deliver' | 'validate';

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
  };
}

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
    ...auditColumns('create', by),
    idempotencyKey: c.idempotencyKey,
    requestFingerprint: c.requestFingerprint,
  };
}
const INSERT_COLUMNS = Object.keys(insertRow({ keys: {}, owner: { kind: 'user', id: '' } } as NewCredential, { actor: '', door: 'cli' })) as (keyof ReturnType<
  typeof insertRow
>)[];
const INSERT_COLUMN_LIST = Prisma.raw(INSERT_COLUMNS.map((c) => `"${c}"`).join(', '));

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
const VERSION_SQL = {
  user: 'SELECT "credentialsVersion" AS "v" FROM "User" WHERE "id" = ?',
  workspace: 'SELECT "credentialsVersion" AS "v" FROM "Workspace" WHERE "id" = ?',
};

/** A validation's verdict: the status, the provider's message (INVALID), and when a probe decided it (not for a forced one). */
export interface Validation {
  status: 'AVAILABLE' | 'INVALID';
  message: string | null;
  at: Date | null;
}

/** What a conditional update did. */
export type UpdateOutcome = 'updated' | 'changed' | 'duplicate';

export class CredentialStore {
  constructor(
    private readonly db: Database,
    private readonly statements: PreparedStatements,
  ) {}

  // ---- The reads of every request (prepared statements) --------------------

  /** The owner's credential if it is live (not deleted). */
  findLive(owner: Owner, id: string): MaybePromise<CredentialRecord | null> {
    const row = this.statements.get<Row>(`credential.live:${owner.kind}`, LIVE_SQL[owner.kind], [id, owner.id]);
    return row instanceof Promise ? row.then((r) => (r ? recordOfRow(r) : null)) : row ? recordOfRow(row) : null;
  }

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

  // ---- Reads for a change (Prisma) ------------------------------------------

  /** The owner's live credential with its sealed secret and row version. */
  async findForChange(owner: Owner, id: string): Promise<SealedCredential | null> {
    const row = await this.db.credential.findFirst({ where: { id, ...ownerFilter(owner), deleted: null } });
    return row ? { ...fromPrisma(row), secret: row.secret, version: row.version } : null;
  }

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
    try {
      if (limit === undefined) {
        await this.db.$executeRaw`INSERT INTO "Credential" (${INSERT_COLUMN_LIST}) VALUES (${values})`;
        return 'inserted';
      }
      // Only while the owner holds fewer than `limit` live credentials (counted in the same statement).
      const inserted = await this.db.$executeRaw`
        INSERT INTO "Credential" (${INSERT_COLUMN_LIST}) SELECT ${values}
        WHERE (SELECT count(*) FROM "Credential" WHERE ${Prisma.raw(ownerColumn(owner))} = ${owner.id} AND "deleted" IS NULL) < ${limit}`;
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
  async update(owner: Owner, id: string, version: number, changes: CredentialChanges, by: AuditActor): Promise<UpdateOutcome> {
    try {
      const { count } = await this.db.credential.updateMany({
        where: { id, ...ownerFilter(owner), deleted: null, version },
        data: {
          name: changes.name,
          activeName: changes.name,
          description: changes.description,
          baseUrl: changes.baseUrl,
          category: changes.category,
          keys: JSON.stringify(changes.keys),
          secret: changes.secret,
          lastUpdated: changes.at,
          // New keys have not been probed: the verdict on the old ones no longer holds.
          ...(changes.probedChanged ? { status: 'AVAILABLE', message: null, lastValidated: null } : {}),
          version: { increment: 1 },
          ...auditColumns('update', by),
        },
      });
      return count === 1 ? 'updated' : 'changed';
    } catch (error) {
      if (isUniqueViolation(error)) return 'duplicate';
      throw error;
    }
  }

  /** Soft delete: the row stays, marked deleted, its secret wiped and its name freed. False: no such live credential. */
  async softDelete(owner: Owner, id: string, at: Date, by: AuditActor): Promise<boolean> {
    const { count } = await this.db.credential.updateMany({
      where: { id, ...ownerFilter(owner), deleted: null },
      data: { deleted: at, lastUpdated: at, activeName: null, secret: null, version: { increment: 1 }, ...auditColumns('delete', by) },
    });
    return count === 1;
  }

  /**
   * Records a delivery of the credential's keys: its last use, and (by the
   * trigger) an audit row naming the pairing they went to. False: no such live credential.
   */
  async recordDelivery(owner: Owner, id: string, pairingId: string, at: Date, by: AuditActor): Promise<boolean> {
    const { count } = await this.db.credential.updateMany({
      where: { id, ...ownerFilter(owner), deleted: null },
      data: { lastUsed: at, ...auditColumns('deliver', by, `pairing ${pairingId}`) },
    });
    return count === 1;
  }

  /**
   * Records a validation's verdict (status, the provider's message, when), only
   * if the credential is still live and at `version` (the keys that were
   * probed). False: it changed or was deleted meanwhile, and nothing was recorded.
   */
  async recordValidation(owner: Owner, id: string, version: number, verdict: Validation, by: AuditActor): Promise<boolean> {
    const { count } = await this.db.credential.updateMany({
      where: { id, ...ownerFilter(owner), deleted: null, version },
      data: {
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
    return rows.map((row) => ({ ...fromPrisma(row), secret: row.secret, version: row.version }));
  }

  /** How many live credentials there are, in every context. */
  countLive(): Promise<number> {
    return this.db.credential.count({ where: { deleted: null } });
  }

  // ---- Sealed secrets, for key rotation ----------------------------------------
  // (A sealed value starts with the id of the key that sealed it: the key ring says how.)

  /** How many stored secrets start with `prefix`. */
  countSecretsStartingWith(prefix: string): Promise<number> {
    return this.db.credential.count({ where: { secret: { startsWith: prefix } } });
  }

  /** How many stored secrets start with none of `prefixes`. */
  countSecretsNotStartingWith(prefixes: readonly string[]): Promise<number> {
    return this.db.credential.count({ where: notStartingWith(prefixes) });
  }

  /** Stored secrets that start with none of `prefixes`, in id order, skipping `excluded`; at most `take` (undefined: all). */
  async findSecretsNotStartingWith(prefixes: readonly string[], excluded: readonly string[] = [], take?: number): Promise<SealedSecret[]> {
    const rows = await this.db.credential.findMany({
      where: { ...notStartingWith(prefixes), ...(excluded.length ? { id: { notIn: [...excluded] } } : {}) },
      select: { id: true, userId: true, workspaceId: true, provider: true, secret: true },
      orderBy: { id: 'asc' },
      ...(take === undefined ? {} : { take }),
    });
    return rows.map((r) => ({ id: r.id, owner: ownerOf(r), provider: r.provider, secret: r.secret! }));
  }

  /**
   * Replaces a sealed secret, only if the row still holds `expected`. False: an
   * update re-sealed it meanwhile (under the primary key already), or it was deleted.
   */
  async replaceSecret(id: string, expected: string, secret: string, by: AuditActor): Promise<boolean> {
    const { count } = await this.db.credential.updateMany({ where: { id, secret: expected }, data: { secret, ...auditColumns('reseal', by) } });
    return count === 1;
  }
}

const notStartingWith = (prefixes: readonly string[]) => ({
  secret: { not: null },
  NOT: prefixes.map((prefix) => ({ secret: { startsWith: prefix } })),
});
