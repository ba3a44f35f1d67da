/** The one owner of pipeline-secret storage (Prisma, SQLite or PostgreSQL). Never returns a sealed value but to rotation. */
import type { AuditActor, Owner } from '../../../core/caller.js';
import { Prisma } from '../../../generated/prisma/client.js';
import { type Database, isUniqueViolation } from '../../../platform/db/client.js';
import type { NewPipelineSecret, PipelineSecretRecord } from '../model.js';
import type { PipelineSecretStore } from '../ports.js';

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

export class PrismaPipelineSecretStore implements PipelineSecretStore {
  constructor(private readonly db: Database) {}

  async list(owner: Owner, options: { prefix?: string; afterName?: string; take: number }): Promise<PipelineSecretRecord[]> {
    const name = { ...(options.prefix ? { startsWith: options.prefix } : {}), ...(options.afterName === undefined ? {} : { gt: options.afterName }) };
    const rows = await this.db.pipelineSecret.findMany({
      where: { ...ownerWhere(owner), ...(Object.keys(name).length > 0 ? { name } : {}) },
      select: VISIBLE,
      orderBy: { name: 'asc' },
      take: options.take,
    });
    return rows.map(recordOf);
  }

  count(owner: Owner): Promise<number> {
    return this.db.pipelineSecret.count({ where: ownerWhere(owner) });
  }

  async find(owner: Owner, id: number): Promise<PipelineSecretRecord | null> {
    const row = await this.db.pipelineSecret.findFirst({ where: { id: BigInt(id), ...ownerWhere(owner) }, select: VISIBLE });
    return row ? recordOf(row) : null;
  }

  async findByNames(owners: readonly Owner[], names: readonly string[]): Promise<PipelineSecretRecord[]> {
    if (owners.length === 0 || names.length === 0) return [];
    const rows = await this.db.pipelineSecret.findMany({ where: { OR: owners.map(ownerWhere), name: { in: [...names] } }, select: VISIBLE });
    return rows.map(recordOf);
  }

  async nameTaken(owner: Owner, name: string): Promise<boolean> {
    return (await this.db.pipelineSecret.count({ where: { ...ownerWhere(owner), name } })) > 0;
  }

  async insert(secret: NewPipelineSecret, limit: number): Promise<PipelineSecretRecord | 'name-taken' | 'id-taken' | 'full'> {
    const { owner, by } = secret;
    const column = Prisma.raw(owner.kind === 'user' ? '"userId"' : '"workspaceId"');
    const ofOwner = owner.kind === 'user' ? Prisma.sql`"userId" = ${owner.id} AND "workspaceId" IS NULL` : Prisma.sql`"workspaceId" = ${owner.id}`;
    try {
      // One statement: only while the context holds fewer than `limit` (counted in it), so two instances creating at
      // once never both pass the count, and the name's unique index decides between them (no transaction to upgrade).
      const inserted = await this.db.$executeRaw`
        INSERT INTO "PipelineSecret" ("id", ${column}, "name", "secret", "dateCreated", "lastUpdated", "lastChange", "changedBy", "changedVia")
        SELECT ${BigInt(secret.id)}, ${owner.id}, ${secret.name}, ${secret.secret}, ${secret.at}, ${secret.at}, 'create', ${by.actor}, ${by.door}
        WHERE (SELECT count(*) FROM "PipelineSecret" WHERE ${ofOwner}) < ${limit}`;
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
      where: { id: BigInt(id), ...ownerWhere(owner) },
      data: { secret, lastUpdated: at, version: { increment: 1 }, lastChange: 'update', changedBy: by.actor, changedVia: by.door },
    });
    return count === 1 ? this.find(owner, id) : null;
  }

  async remove(owner: Owner, id: number, by: AuditActor): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      // Who deletes, in the row first (the delete's trigger records it); this update records nothing itself.
      const { count } = await tx.pipelineSecret.updateMany({
        where: { id: BigInt(id), ...ownerWhere(owner) },
        data: { lastChange: 'delete', changedBy: by.actor, changedVia: by.door },
      });
      if (count === 0) return false;
      await tx.pipelineSecret.deleteMany({ where: { id: BigInt(id) } });
      return true;
    });
  }

  async secretsNotStartingWith(prefixes: readonly string[]): Promise<{ id: string; secret: string }[]> {
    const rows = await this.db.pipelineSecret.findMany({
      where: { NOT: prefixes.map((p) => ({ secret: { startsWith: p } })) },
      select: { id: true, secret: true },
    });
    return rows.map((r) => ({ id: String(r.id), secret: r.secret }));
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
