/** The one owner of pipeline-secret storage (Prisma, SQLite or PostgreSQL). Never returns a sealed value but to rotation. */
import type { AuditActor, Owner } from '../../../core/caller.js';
import { Prisma } from '../../../generated/prisma/client.js';
import { type Database, isUniqueViolation } from '../../../platform/db/client.js';
import type { NewPipelineSecret, PipelineSecretRecord } from '../model.js';
import type { DeletedRow, PipelineSecretStore } from '../ports.js';

const VISIBLE = { id: true, userId: true, workspaceId: true, name: true, dateCreated: true, lastUpdated: true, lastUsed: true } as const;

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
  constructor(private readonly db: Database) {}

  async list(owner: Owner, options: { prefix?: string; afterName?: string; take: number }): Promise<PipelineSecretRecord[]> {
    const name = { ...(options.prefix ? { startsWith: options.prefix } : {}), ...(options.afterName === undefined ? {} : { gt: options.afterName }) };
    const rows = await this.db.pipelineSecret.findMany({
      where: { ...live(owner), ...(Object.keys(name).length > 0 ? { name } : {}) },
      select: VISIBLE,
      orderBy: { name: 'asc' },
      take: options.take,
    });
    return rows.map(recordOf);
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
      const inserted = await this.db.$executeRaw`
        INSERT INTO "PipelineSecret" ("id", ${column}, "name", "activeName", "secret", "dateCreated", "lastUpdated", "lastChange", "changedBy", "changedVia")
        SELECT ${BigInt(secret.id)}, ${owner.id}, ${secret.name}, ${secret.name}, ${secret.secret}, ${secret.at}, ${secret.at}, 'create', ${by.actor}, ${by.door}
        WHERE (SELECT count(*) FROM "PipelineSecret" WHERE ${ofOwnerSql(owner)} AND "deleted" IS NULL) < ${limit}`;
      if (inserted === 0) return 'full';
      const stored = await this.find(owner, secret.id);
      if (!stored) throw new Error(`pipeline secret ${secret.id} not found after its insert`);
      return stored;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      return (await this.nameTaken(owner, secret.name)) ? 'name-taken' : 'id-taken';
    }
  }

  async replaceValue(owner: Owner, id: number, secret: string, at: Date, by: AuditActor): Promise<PipelineSecretRecord | null> {
    const { count } = await this.db.pipelineSecret.updateMany({
      where: { id: BigInt(id), ...live(owner) },
      data: { secret, lastUpdated: at, version: { increment: 1 }, lastChange: 'update', changedBy: by.actor, changedVia: by.door },
    });
    return count === 1 ? this.find(owner, id) : null;
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
    const { count } = await this.db.pipelineSecret.updateMany({
      where: { id: BigInt(id), ...(owner ? ownerWhere(owner) : {}), deleted: { not: null }, purged: null },
      data: { secret: null, purged: at, version: { increment: 1 }, lastChange: 'purge', changedBy: by.actor, changedVia: by.door },
    });
    return count === 1;
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
