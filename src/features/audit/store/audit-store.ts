/**
 * Reading the audit trail. Its rows are written by database triggers (see the
 * audit_trail migration), and by the operator's database commands (backup,
 * restore), which change no row a trigger watches.
 */
import type { Database } from '../../../platform/db/client.js';
import type { AuditPageQuery, AuditQuery, AuditRecord, DatabaseEvent, ExchangeEvent, ReadEvent } from '../model.js';
import type { AuditStore } from '../ports.js';

export class PrismaAuditStore implements AuditStore {
  constructor(private readonly db: Database) {}

  /** A page of events matching the query (an index on (ownerUserId, id) and (workspaceId, id) serves the contexts). */
  page(q: AuditPageQuery): Promise<AuditRecord[]> {
    return this.db.auditEvent.findMany({
      where: {
        ...(q.ownerUserId !== undefined ? { ownerUserId: q.ownerUserId } : {}),
        ...(q.workspaceId !== undefined ? { workspaceId: q.workspaceId } : {}),
        ...(q.since || q.until ? { at: { ...(q.since ? { gte: q.since } : {}), ...(q.until ? { lt: q.until } : {}) } } : {}),
        ...(q.actor !== undefined ? { actor: q.actor } : {}),
        ...(q.actions ? { action: { in: [...q.actions] } } : {}),
        ...(q.cursor !== undefined ? { id: q.order === 'asc' ? { gt: q.cursor } : { lt: q.cursor } } : {}),
      },
      orderBy: { id: q.order },
      take: q.take,
    });
  }

  /** The names of these users (by id), for showing who acted. */
  async userNames(ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.user.findMany({ where: { id: { in: [...ids] } }, select: { id: true, name: true } });
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  /** The full names (`org/ws`) of these workspaces, by id. */
  async workspaceNames(ids: readonly number[]): Promise<Map<number, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.workspace.findMany({
      where: { id: { in: [...ids] } },
      select: { id: true, name: true, organization: { select: { name: true } } },
    });
    return new Map(rows.map((r) => [r.id, `${r.organization.name}/${r.name}`]));
  }

  /** The names and providers of these credentials (by id; deleted ones too), for showing what an event concerned. */
  async credentialNames(ids: readonly string[]): Promise<Map<string, { name: string; provider: string }>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.credential.findMany({ where: { id: { in: [...ids] } }, select: { id: true, name: true, provider: true } });
    return new Map(rows.map((r) => [r.id, { name: r.name, provider: r.provider }]));
  }

  /** Events after the id `after`, in id order (at most `take`). */
  after(after: number, take: number): Promise<AuditRecord[]> {
    return this.db.auditEvent.findMany({ where: { id: { gt: after } }, orderBy: { id: 'asc' }, take });
  }

  /** These events, in id order. */
  byIds(ids: readonly number[]): Promise<AuditRecord[]> {
    return this.db.auditEvent.findMany({ where: { id: { in: [...ids] } }, orderBy: { id: 'asc' } });
  }

  /** The id of the latest event (0: none): every event ever written, on every instance. */
  async lastId(): Promise<number> {
    const row = await this.db.auditEvent.findFirst({ orderBy: { id: 'desc' }, select: { id: true } });
    return row?.id ?? 0;
  }

  /** Records reads of credentials (AUDIT_READS): describe (`credential.read`) or list (`credential.list`). */
  async recordReads(events: readonly ReadEvent[]): Promise<void> {
    if (events.length === 0) return;
    const at = new Date();
    await this.db.auditEvent.createMany({ data: events.map((e) => ({ at, targetType: 'credential', ...e })) });
  }

  /** Records a database command's event (backup, restore). */
  async record(event: DatabaseEvent): Promise<void> {
    await this.db.auditEvent.create({ data: { at: new Date(), targetType: 'database', ...event } });
  }

  /**
   * A machine's OIDC token exchanged for an access token (`token.exchange`, of the token made), or refused for
   * a reason the operator must see (`token.refuse`, of the user it would have acted as): the rule (actor) and
   * the claims that matched (detail).
   */
  async recordExchange(event: ExchangeEvent): Promise<void> {
    await this.db.auditEvent.create({
      data: {
        at: new Date(),
        action: event.action,
        targetType: event.action === 'token.exchange' ? 'token' : 'user',
        targetId: event.targetId,
        ownerUserId: event.userId,
        actor: event.actor,
        door: event.door,
        detail: event.detail,
      },
    });
  }

  /** The latest events, newest first. */
  latest({ targetId, ownerUserId, workspaceId, limit }: AuditQuery): Promise<AuditRecord[]> {
    return this.db.auditEvent.findMany({
      where: { ...(targetId ? { targetId } : {}), ...(ownerUserId ? { ownerUserId } : {}), ...(workspaceId !== undefined ? { workspaceId } : {}) },
      orderBy: { id: 'desc' },
      take: limit,
    });
  }
}
