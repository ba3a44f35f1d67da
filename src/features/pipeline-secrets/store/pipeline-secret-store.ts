/** The one owner of pipeline-secret storage (Prisma, SQLite or PostgreSQL). Never returns a sealed value but to rotation. */
import type { AuditActor, Owner } from '../../../core/caller.js';
import type { MaybePromise } from '../../../core/maybe.js';
import { Prisma } from '../../../generated/prisma/client.js';
import { type Database, isUniqueViolation } from '../../../platform/db/client.js';
import { dateOf, optionalDateOf, type PreparedStatements } from '../../../platform/db/prepared.js';
import type { NewPipelineSecret, PipelineSecretRecord, PipelineSecretVersionView } from '../model.js';
import type { DeletedRow, PipelineSecretStore } from '../ports.js';

const VISIBLE = { id: true, userId: true, workspaceId: true, name: true, dateCreated: true, lastUpdated: true, lastUsed: true } as const;

/**
 * A context's live secrets by name, as a prepared statement (the list is the hot read: up to
 * MAX_PIPELINE_SECRETS_PER_CONTEXT rows a request). A prefix is compared with substr, not LIKE (SQLite's LIKE
 * ignores case, and `_` is one of its wildcards); names compare as the database orders them.
 */
function listStatement(kind: Owner['kind'], after: boolean, prefix: boolean): { name: string; sql: string } {
  const where = [kind === 'user' ? '"userId" = ? AND "workspaceId" IS NULL' : '"workspaceId" = ?', '"deleted" IS NULL'];
  if (after) where.push('"name" > ?');
  if (prefix) where.push('substr("name", 1, ?) = ?');
  return {
    name: `pipeline-secret.list:${kind}:${after}:${prefix}`,
    sql: `SELECT "id", "userId", "workspaceId", "name", "dateCreated", "lastUpdated", "lastUsed" FROM "PipelineSecret" WHERE ${where.join(' AND ')} ORDER BY "name" LIMIT ?`,
  };
}

interface ListedRow {
  id: number | bigint | string;
  userId: string | null;
  workspaceId: number | null;
  name: string;
  dateCreated: string | Date;
  lastUpdated: string | Date;
  lastUsed: string | Date | null;
}

const recordOfListed = (row: ListedRow): PipelineSecretRecord => ({
  id: Number(row.id),
  owner: row.workspaceId === null ? { kind: 'user', id: row.userId! } : { kind: 'workspace', id: Number(row.workspaceId) },
  name: row.name,
  dateCreated: dateOf(row.dateCreated),
  lastUpdated: dateOf(row.lastUpdated),
  lastUsed: optionalDateOf(row.lastUsed),
});

interface VisibleRow {
  id: bigint;
  userId: string | null;
  workspaceId: number | null;
  name: string;
  dateCreated: Date;
  lastUpdated: Date;
  lastUsed: Date | null;
}

const recordOf = (row: VisibleRow): PipelineSecretRecord => ({
  id: Number(row.id),
  owner: row.workspaceId === null ? { kind: 'user', id: row.userId! } : { kind: 'workspace', id: row.workspaceId },
  name: row.name,
  dateCreated: row.dateCreated,
  lastUpdated: row.lastUpdated,
  lastUsed: row.lastUsed,
});

const ownerWhere = (owner: Owner) => (owner.kind === 'user' ? { userId: owner.id, workspaceId: null } : { workspaceId: owner.id });
/** A context's live secrets. */
const live = (owner: Owner) => ({ ...ownerWhere(owner), deleted: null });
const ofOwnerSql = (owner: Owner) =>
  owner.kind === 'user' ? Prisma.sql`"userId" = ${owner.id} AND "workspaceId" IS NULL` : Prisma.sql`"workspaceId" = ${owner.id}`;

export class PrismaPipelineSecretStore implements PipelineSecretStore {
  constructor(
    private readonly db: Database,
    private readonly statements: PreparedStatements,
  ) {}

  list(owner: Owner, options: { prefix?: string; afterName?: string; take: number }): MaybePromise<PipelineSecretRecord[]> {
    const { name, sql } = listStatement(owner.kind, options.afterName !== undefined, !!options.prefix);
    const params: unknown[] = [owner.id];
    if (options.afterName !== undefined) params.push(options.afterName);
    if (options.prefix) params.push(options.prefix.length, options.prefix);
    params.push(options.take);
    const rows = this.statements.all<ListedRow>(name, sql, params);
    return rows instanceof Promise ? rows.then((r) => r.map(recordOfListed)) : rows.map(recordOfListed);
  }

  count(owner: Owner): Promise<number> {
    return this.db.pipelineSecret.count({ where: live(owner) });
  }

  async find(owner: Owner, id: number): Promise<PipelineSecretRecord | null> {
    const row = await this.db.pipelineSecret.findFirst({ where: { id: BigInt(id), ...live(owner) }, select: VISIBLE });
    return row ? recordOf(row) : null;
  }

  async findByNames(owners: readonly Owner[], names: readonly string[]): Promise<PipelineSecretRecord[]> {
    if (owners.length === 0 || names.length === 0) return [];
    const rows = await this.db.pipelineSecret.findMany({ where: { OR: owners.map(live), name: { in: [...names] } }, select: VISIBLE });
    return rows.map(recordOf);
  }

  async nameTaken(owner: Owner, name: string): Promise<boolean> {
    return (await this.db.pipelineSecret.count({ where: { ...live(owner), name } })) > 0;
  }

  async insert(secret: NewPipelineSecret, limit: number): Promise<PipelineSecretRecord | 'name-taken' | 'id-taken' | 'full'> {
    const { owner, by } = secret;
    const column = Prisma.raw(owner.kind === 'user' ? '"userId"' : '"workspaceId"');
    try {
      // One statement: only while the context holds fewer than `limit` (counted in it), so two instances creating at
      // once never both pass the count, and the name's unique index decides between them (no transaction to upgrade).
      const id = BigInt(secret.id);
      // Both rows in one transaction; version 1 only if the secret went in.
      const [inserted] = await this.db.$transaction([
        this.db.$executeRaw`
          INSERT INTO "PipelineSecret" ("id", ${column}, "name", "activeName", "secret", "dateCreated", "lastUpdated", "lastChange", "changedBy", "changedVia")
          SELECT ${id}, ${owner.id}, ${secret.name}, ${secret.name}, ${secret.secret}, ${secret.at}, ${secret.at}, 'create', ${by.actor}, ${by.door}
          WHERE (SELECT count(*) FROM "PipelineSecret" WHERE ${ofOwnerSql(owner)} AND "deleted" IS NULL) < ${limit}`,
        this.db.$executeRaw`
          INSERT INTO "PipelineSecretVersion" ("secretId", "number", "value", "createdAt", "actor", "door")
          SELECT ${id}, 1, ${secret.versionSecret}, ${secret.at}, ${by.actor}, ${by.door}
          WHERE EXISTS (SELECT 1 FROM "PipelineSecret" WHERE "id" = ${id} AND "version" = 0 AND "valueVersion" = 1)`,
      ]);
      if (inserted === 0) return 'full';
      const stored = await this.find(owner, secret.id);
      if (!stored) throw new Error(`pipeline secret ${secret.id} not found after its insert`);
      return stored;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      return (await this.nameTaken(owner, secret.name)) ? 'name-taken' : 'id-taken';
    }
  }

  async valueVersion(owner: Owner, id: number): Promise<number | null> {
    const row = await this.db.pipelineSecret.findFirst({ where: { id: BigInt(id), ...live(owner) }, select: { valueVersion: true } });
    return row?.valueVersion ?? null;
  }

  async replaceValue(
    owner: Owner,
    id: number,
    change: { from: number; secret: string; versionSecret: string; restoredFrom?: number; kept: number },
    at: Date,
    by: AuditActor,
  ): Promise<PipelineSecretRecord | null> {
    const number = change.from + 1;
    const changed = await this.db.$transaction(async (tx) => {
      // The row first (a write: the transaction holds the database's write lock from here on SQLite).
      const { count } = await tx.pipelineSecret.updateMany({
        where: { id: BigInt(id), ...live(owner), valueVersion: change.from },
        data: {
          secret: change.secret,
          valueVersion: number,
          lastUpdated: at,
          version: { increment: 1 },
          lastChange: change.restoredFrom === undefined ? 'update' : 'restore',
          changedBy: by.actor,
          changedVia: by.door,
        },
      });
      if (count === 0) return false;
      await tx.pipelineSecretVersion.create({
        data: {
          secretId: BigInt(id),
          number,
          value: change.versionSecret,
          createdAt: at,
          actor: by.actor,
          door: by.door,
          restoredFrom: change.restoredFrom ?? null,
        },
      });
      await tx.pipelineSecretVersion.deleteMany({ where: { secretId: BigInt(id), number: { lte: number - change.kept } } });
      return true;
    });
    return changed ? this.find(owner, id) : null;
  }

  async versions(owner: Owner, id: number, take: number): Promise<PipelineSecretVersionView[]> {
    if (!(await this.find(owner, id))) return [];
    return this.db.pipelineSecretVersion.findMany({
      where: { secretId: BigInt(id) },
      select: { number: true, createdAt: true, actor: true, door: true, restoredFrom: true },
      orderBy: { number: 'desc' },
      take,
    });
  }

  async versionValue(owner: Owner, id: number, number: number): Promise<string | null> {
    if (!(await this.find(owner, id))) return null;
    const row = await this.db.pipelineSecretVersion.findUnique({ where: { secretId_number: { secretId: BigInt(id), number } }, select: { value: true } });
    return row?.value ?? null;
  }

  async remove(owner: Owner, id: number, at: Date, by: AuditActor): Promise<boolean> {
    const { count } = await this.db.pipelineSecret.updateMany({
      where: { id: BigInt(id), ...live(owner) },
      data: { deleted: at, activeName: null, version: { increment: 1 }, lastChange: 'delete', changedBy: by.actor, changedVia: by.door },
    });
    return count === 1;
  }

  async deleted(owner: Owner, take: number): Promise<DeletedRow[]> {
    const rows = await this.db.pipelineSecret.findMany({
      where: { ...ownerWhere(owner), deleted: { not: null }, purged: null },
      select: { ...VISIBLE, deleted: true },
      orderBy: [{ deleted: 'desc' }, { id: 'asc' }],
      take,
    });
    return rows.map((row) => ({ ...recordOf(row), deleted: row.deleted! }));
  }

  async undelete(owner: Owner, id: number, name: string, at: Date, by: AuditActor, limit: number): Promise<'undeleted' | 'name-taken' | 'full' | 'not-found'> {
    const of = ofOwnerSql(owner);
    try {
      // One statement, counting the context's live secrets in it (as the create does).
      const count = await this.db.$executeRaw`
        UPDATE "PipelineSecret" SET "deleted" = NULL, "activeName" = ${name}, "name" = ${name}, "lastUpdated" = ${at}, "version" = "version" + 1,
          "lastChange" = 'undelete', "changedBy" = ${by.actor}, "changedVia" = ${by.door}
        WHERE "id" = ${BigInt(id)} AND ${of} AND "deleted" IS NOT NULL AND "purged" IS NULL
          AND (SELECT count(*) FROM "PipelineSecret" WHERE ${of} AND "deleted" IS NULL) < ${limit}`;
      if (count === 1) return 'undeleted';
    } catch (error) {
      if (isUniqueViolation(error)) return 'name-taken';
      throw error;
    }
    const there = await this.db.pipelineSecret.count({ where: { id: BigInt(id), ...ownerWhere(owner), deleted: { not: null }, purged: null } });
    return there === 1 ? 'full' : 'not-found';
  }

  async purge(owner: Owner | undefined, id: number, at: Date, by: AuditActor): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      const { count } = await tx.pipelineSecret.updateMany({
        where: { id: BigInt(id), ...(owner ? ownerWhere(owner) : {}), deleted: { not: null }, purged: null },
        data: { secret: null, purged: at, version: { increment: 1 }, lastChange: 'purge', changedBy: by.actor, changedVia: by.door },
      });
      // Every version's value goes with it.
      if (count === 1) await tx.pipelineSecretVersion.deleteMany({ where: { secretId: BigInt(id) } });
      return count === 1;
    });
  }

  async findPurgeable(before: Date, take: number): Promise<number[]> {
    const rows = await this.db.pipelineSecret.findMany({
      where: { purged: null, deleted: { lt: before } },
      select: { id: true },
      orderBy: { deleted: 'asc' },
      take,
    });
    return rows.map((r) => Number(r.id));
  }

  async sealedValues(owners: readonly Owner[], ids: readonly number[]): Promise<Map<number, string>> {
    if (owners.length === 0 || ids.length === 0) return new Map();
    const rows = await this.db.pipelineSecret.findMany({
      where: { OR: owners.map(live), id: { in: ids.map((id) => BigInt(id)) }, secret: { not: null } },
      select: { id: true, secret: true },
    });
    return new Map(rows.map((r) => [Number(r.id), r.secret!]));
  }

  async recordDelivered(ids: readonly number[], at: Date, by: AuditActor, recipient: string): Promise<number[]> {
    const delivered: number[] = [];
    // One statement each (each its own audit row); in one transaction: a delivery is recorded whole or not at all.
    await this.db.$transaction(async (tx) => {
      for (const id of ids) {
        const { count } = await tx.pipelineSecret.updateMany({
          where: { id: BigInt(id), deleted: null },
          data: { lastUsed: at, lastChange: 'deliver', changedBy: by.actor, changedVia: by.door, changeDetail: recipient.slice(0, 300) },
        });
        if (count === 1) delivered.push(id);
      }
    });
    return delivered;
  }

  async secretsNotStartingWith(prefixes: readonly string[]): Promise<{ id: string; secret: string }[]> {
    const rows = await this.db.pipelineSecret.findMany({
      where: { secret: { not: null }, NOT: prefixes.map((p) => ({ secret: { startsWith: p } })) },
      select: { id: true, secret: true },
    });
    return rows.map((r) => ({ id: String(r.id), secret: r.secret! }));
  }

  countSecretsStartingWith(prefix: string): Promise<number> {
    return this.db.pipelineSecret.count({ where: { secret: { startsWith: prefix } } });
  }

  async replaceSecret(id: string, expected: string, secret: string): Promise<boolean> {
    const { count } = await this.db.pipelineSecret.updateMany({
      where: { id: BigInt(id), secret: expected },
      data: { secret, version: { increment: 1 }, lastChange: 'reseal', changedBy: 'operator', changedVia: 'cli' },
    });
    return count === 1;
  }
}

/** Versions' sealed values, for key rotation (features/keys: OtherSealed): each named `<secret id>#<number>`. */
export class PrismaPipelineSecretVersionStore {
  constructor(private readonly db: Database) {}

  async secretsNotStartingWith(prefixes: readonly string[]): Promise<{ id: string; secret: string }[]> {
    const rows = await this.db.pipelineSecretVersion.findMany({
      where: { value: { not: null }, NOT: prefixes.map((p) => ({ value: { startsWith: p } })) },
      select: { secretId: true, number: true, value: true },
    });
    return rows.map((r) => ({ id: `${r.secretId}#${r.number}`, secret: r.value! }));
  }

  countSecretsStartingWith(prefix: string): Promise<number> {
    return this.db.pipelineSecretVersion.count({ where: { value: { startsWith: prefix } } });
  }

  async replaceSecret(id: string, expected: string, secret: string): Promise<boolean> {
    const [secretId, number] = id.split('#');
    const { count } = await this.db.pipelineSecretVersion.updateMany({
      where: { secretId: BigInt(secretId!), number: Number(number), value: expected },
      data: { value: secret },
    });
    return count === 1;
  }
}
