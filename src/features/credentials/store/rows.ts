/**
 * Credential rows: the columns (one list for the record, the reads and the
 * wire), the row ↔ record mapping, the audit columns of each change and the
 * statements of the hot reads, on SQLite and PostgreSQL alike.
 */
import type { AuditActor, Owner } from '../../../core/caller.js';
import { Prisma } from '../../../generated/prisma/client.js';
import { optionalDateOf, optionalTimestampOfColumn, timestampOfColumn } from '../../../platform/db/prepared.js';
import type { ExpiryColumns } from '../../providers/index.js';
import type { CredentialRecord, CredentialStatus, NewCredential, NewVersion, SealedCredential, StoredKeys, VersionRecord } from '../model.js';

type Change = 'create' | 'update' | 'restore' | 'delete' | 'undelete' | 'purge' | 'expiring' | 'expire' | 'reseal' | 'deliver' | 'validate';

/** The columns the audit trigger copies into AuditEvent with the change (`detail`: what it concerned, if more). */
export const auditColumns = (change: Change, by: AuditActor, detail: string | null = null) => ({
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
export const SELECT_RECORD = `SELECT ${RECORD_COLUMNS.map((c) => `"${c}"`).join(', ')} FROM "Credential"`;

/** A row as a driver returns it (dates as ISO text on SQLite, Date on PostgreSQL). */
export type Row = { [K in (typeof RECORD_COLUMNS)[number]]: unknown };

/** The owner of a row: its user, else its workspace (a check in the database keeps exactly one). */
export const ownerOf = (row: { userId: unknown; workspaceId: unknown }): Owner =>
  row.userId !== null ? { kind: 'user', id: row.userId as string } : { kind: 'workspace', id: Number(row.workspaceId) };

/** The owner's column and value, for statements. */
export const ownerColumn = (owner: Owner) => (owner.kind === 'user' ? '"userId"' : '"workspaceId"');
/** The owner as a Prisma filter. */
export const ownerFilter = (owner: Owner) => (owner.kind === 'user' ? { userId: owner.id } : { workspaceId: owner.id });

/** A row as a driver returns it → the record. */
export function recordOfRow(row: Row): CredentialRecord {
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
    status: row.status as CredentialStatus,
    message: row.message as string | null,
    lastValidated: optionalTimestampOfColumn(row.lastValidated as string | Date | null),
    expiresAt: optionalTimestampOfColumn(row.expiresAt as string | Date | null),
    expiresAtSource: row.expiresAtSource as string | null,
    keyVersion: Number(row.keyVersion),
  };
}

/** A sealed credential from a Prisma row. */
export function sealedOf(row: Parameters<typeof fromPrisma>[0] & { secret: string | null; version: number } & ExpiryColumns): SealedCredential {
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
export const versionRow = (credentialId: string, v: NewVersion) => ({
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

export const versionRecordOf = (row: {
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
export function fromPrisma(row: { userId: string | null; workspaceId: number | null; keys: string } & Record<string, unknown>): CredentialRecord {
  return recordOfRow(row as unknown as Row);
}

/** The insert's columns and values, audit included. */
export function insertRow(c: NewCredential, by: AuditActor) {
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
export const NO_EXPIRY: ExpiryColumns = { userExpiresAt: null, derivedExpiresAt: null, derivedExpirySource: null, expiresAt: null, expiresAtSource: null };
export const INSERT_COLUMNS = Object.keys(
  insertRow({ keys: {}, owner: { kind: 'user', id: '' }, expiry: NO_EXPIRY } as NewCredential, { actor: '', door: 'cli' }),
) as (keyof ReturnType<typeof insertRow>)[];
export const INSERT_COLUMN_LIST = Prisma.raw(INSERT_COLUMNS.map((c) => `"${c}"`).join(', '));
export const VERSION_COLUMNS = Object.keys(versionRow('', { keys: {}, changed: [] } as unknown as NewVersion)) as (keyof ReturnType<typeof versionRow>)[];
export const VERSION_COLUMN_LIST = Prisma.raw(VERSION_COLUMNS.map((c) => `"${c}"`).join(', '));

/** The page statement of one shape (owner kind, provider count, cursor, limit): one prepared statement per shape. */
export function pageStatement(owner: Owner, providerCount: number | undefined, after: boolean, limited: boolean) {
  const where = [`${ownerColumn(owner)} = ?`, '"deleted" IS NULL'];
  if (providerCount !== undefined) where.push(providerCount === 0 ? 'FALSE' : `"provider" IN (${Array(providerCount).fill('?').join(', ')})`);
  if (after) where.push('("dateCreated" > ? OR ("dateCreated" = ? AND "id" > ?))');
  return {
    name: `credential.page:${owner.kind}:${providerCount ?? '-'}:${after}:${limited}`,
    sql: `${SELECT_RECORD} WHERE ${where.join(' AND ')} ORDER BY "dateCreated", "id"${limited ? ' LIMIT ?' : ''}`,
  };
}

export const LIVE_SQL = {
  user: `${SELECT_RECORD} WHERE "id" = ? AND "userId" = ? AND "deleted" IS NULL`,
  workspace: `${SELECT_RECORD} WHERE "id" = ? AND "workspaceId" = ? AND "deleted" IS NULL`,
};
/** The live credential with what a change, a probe or a delivery needs besides the record: its sealed secret, row version, expiry's sources. */
export const SEALED_COLUMNS = ['secret', 'version', 'userExpiresAt', 'derivedExpiresAt', 'derivedExpirySource'] as const;
export const SELECT_SEALED = `SELECT ${[...RECORD_COLUMNS, ...SEALED_COLUMNS].map((c) => `"${c}"`).join(', ')} FROM "Credential"`;
export const SEALED_SQL = {
  user: `${SELECT_SEALED} WHERE "id" = ? AND "userId" = ? AND "deleted" IS NULL`,
  workspace: `${SELECT_SEALED} WHERE "id" = ? AND "workspaceId" = ? AND "deleted" IS NULL`,
};
/** The same, by the live credential's name (the unique index of owner and active name). */
export const SEALED_BY_NAME_SQL = {
  user: `${SELECT_SEALED} WHERE "activeName" = ? AND "userId" = ? AND "deleted" IS NULL`,
  workspace: `${SELECT_SEALED} WHERE "activeName" = ? AND "workspaceId" = ? AND "deleted" IS NULL`,
};
/** A delivery's record: the live credential's last use and audit columns (the trigger writes its audit row). */
export const RECORD_DELIVERY_SQL = {
  user: `UPDATE "Credential" SET "lastUsed" = ?, "lastChange" = ?, "changedBy" = ?, "changedVia" = ?, "changeDetail" = ? WHERE "id" = ? AND "userId" = ? AND "deleted" IS NULL`,
  workspace: `UPDATE "Credential" SET "lastUsed" = ?, "lastChange" = ?, "changedBy" = ?, "changedVia" = ?, "changeDetail" = ? WHERE "id" = ? AND "workspaceId" = ? AND "deleted" IS NULL`,
};
export type SealedRow = Row & { [K in (typeof SEALED_COLUMNS)[number]]: unknown };
export const sealedOfRow = (row: SealedRow): SealedCredential => ({
  ...recordOfRow(row),
  secret: row.secret as string | null,
  version: Number(row.version),
  userExpiresAt: optionalDateOf(row.userExpiresAt as string | Date | null),
  derivedExpiresAt: optionalDateOf(row.derivedExpiresAt as string | Date | null),
  derivedExpirySource: row.derivedExpirySource as string | null,
});
/** Credentials described recently, kept while the database is unchanged (SQLite): at most this many. */
export const LIVE_KEPT = 2000;
export const VERSION_SQL = {
  user: 'SELECT "credentialsVersion" AS "v" FROM "User" WHERE "id" = ?',
  workspace: 'SELECT "credentialsVersion" AS "v" FROM "Workspace" WHERE "id" = ?',
};

export const notStartingWith = (prefixes: readonly string[]) => ({
  secret: { not: null },
  NOT: prefixes.map((prefix) => ({ secret: { startsWith: prefix } })),
});
