/**
 * The one owner of webhooks and their deliveries. Deliveries are queued by a
 * trigger on AuditEvent (the events_migration), in the statement that writes
 * the event; this store reads them for the dispatcher, records each attempt,
 * and keeps each webhook's log bounded.
 */
import type { AuditActor, Owner } from '../../../core/caller.js';
import type { Database } from '../../../platform/db/client.js';
import { optionalDateOf, type PreparedStatements } from '../../../platform/db/prepared.js';
import type { DeliveryRecord, DeliveryStatus, DueDelivery, DueExceptions, DueWebhook, NewWebhook, WebhookRecord, WebhookStatus } from '../model.js';
import type { WebhookStore } from '../ports.js';

const NO_EXCEPTIONS: DueExceptions = { ids: [], creators: [] };
const exceptions = (except: DueExceptions) => ({
  ...(except.ids.length > 0 ? { id: { notIn: [...except.ids] } } : {}),
  ...(except.creators.length > 0 ? { OR: [{ creatorUserId: null }, { creatorUserId: { notIn: [...except.creators] } }] } : {}),
});

const contextColumns = (owner: Owner) => (owner.kind === 'user' ? { ownerUserId: owner.id, workspaceId: null } : { workspaceId: owner.id });

type WebhookRow = {
  id: string;
  ownerUserId: string | null;
  workspaceId: number | null;
  url: string;
  kinds: string | null;
  status: string;
  failingSince: Date | null;
  disabledAt: Date | null;
  pausedAt: Date | null;
  createdAt: Date;
  creatorUserId: string | null;
};

const ownerOf = (row: { ownerUserId: string | null; workspaceId: number | null }): Owner =>
  row.workspaceId === null ? { kind: 'user', id: row.ownerUserId! } : { kind: 'workspace', id: row.workspaceId };

function webhookOf(row: WebhookRow): WebhookRecord {
  return {
    id: row.id,
    owner: ownerOf(row),
    url: row.url,
    kinds: row.kinds === null ? undefined : row.kinds.split(',').filter(Boolean),
    status: row.status as WebhookStatus,
    failingSince: row.failingSince,
    disabledAt: row.disabledAt,
    pausedAt: row.pausedAt,
    createdAt: row.createdAt,
    creatorUserId: row.creatorUserId,
  };
}

const WEBHOOK_COLUMNS = {
  id: true,
  ownerUserId: true,
  workspaceId: true,
  url: true,
  kinds: true,
  status: true,
  failingSince: true,
  disabledAt: true,
  pausedAt: true,
  createdAt: true,
  creatorUserId: true,
} as const;

/**
 * The due webhooks, at most `perShare` of each user's (who answers for them; an operator's webhooks: their
 * context's), the longest waiting first: the rows read grow with the users waiting, not with their webhooks.
 */
const DUE_WEBHOOKS_SQL = `SELECT "id", "ownerUserId", "workspaceId", "creatorUserId", "url", "secret", "failingSince", "queued" FROM (
  SELECT "id", "ownerUserId", "workspaceId", "creatorUserId", "url", "secret", "failingSince", "queued", "dueAt",
    ROW_NUMBER() OVER (PARTITION BY CASE WHEN "creatorUserId" IS NOT NULL THEN 'user:' || "creatorUserId"
      WHEN "workspaceId" IS NOT NULL THEN 'workspace:' || CAST("workspaceId" AS TEXT) ELSE 'user:' || "ownerUserId" END
      ORDER BY "dueAt", "id") AS "turn"
  FROM "Webhook" WHERE "status" = 'ACTIVE' AND "dueAt" <= ?
) AS "due" WHERE "turn" <= ? ORDER BY "dueAt", "id" LIMIT ?`;
type DueWebhookRow = Omit<DueWebhook, 'owner' | 'failingSince'> & {
  ownerUserId: string | null;
  workspaceId: number | null;
  failingSince: string | Date | null;
};

export class PrismaWebhookStore implements WebhookStore {
  constructor(
    private readonly db: Database,
    private readonly statements: PreparedStatements,
  ) {}

  /**
   * Creates the webhook (audited `webhook.create` by the trigger), unless its context holds `limits.perContext`
   * webhooks ('context') or its creator answers for `limits.perUser` ('user'): counted and written in one
   * transaction, the context's and the creator's rows locked first (two made at once are counted one after the other).
   */
  async create(w: NewWebhook, limits: { perContext: number; perUser: number }): Promise<WebhookRecord | 'context' | 'user'> {
    return this.db.$transaction(async (tx) => {
      if (w.owner.kind === 'user') await tx.$executeRaw`UPDATE "User" SET "id" = "id" WHERE "id" = ${w.owner.id}`;
      else await tx.$executeRaw`UPDATE "Workspace" SET "id" = "id" WHERE "id" = ${w.owner.id}`;
      if (w.creatorUserId !== null) await tx.$executeRaw`UPDATE "User" SET "id" = "id" WHERE "id" = ${w.creatorUserId}`;
      if ((await tx.webhook.count({ where: contextColumns(w.owner) })) >= limits.perContext) return 'context' as const;
      if (w.creatorUserId !== null && (await tx.webhook.count({ where: { creatorUserId: w.creatorUserId } })) >= limits.perUser) return 'user' as const;
      const row = await tx.webhook.create({
        data: {
          id: w.id,
          ...contextColumns(w.owner),
          url: w.url,
          kinds: w.kinds === undefined ? null : `,${w.kinds.join(',')},`,
          secret: w.secret,
          createdAt: w.createdAt,
          creatorUserId: w.creatorUserId,
          lastChange: 'create',
          changedBy: w.by.actor,
          changedVia: w.by.door,
          changeDetail: w.detail,
        },
        select: WEBHOOK_COLUMNS,
      });
      return webhookOf(row);
    });
  }

  count(owner: Owner): Promise<number> {
    return this.db.webhook.count({ where: contextColumns(owner) });
  }

  /** The webhooks a user answers for, in every context. */
  countByCreator(userId: string): Promise<number> {
    return this.db.webhook.count({ where: { creatorUserId: userId } });
  }

  async list(owner: Owner): Promise<WebhookRecord[]> {
    const rows = await this.db.webhook.findMany({ where: contextColumns(owner), select: WEBHOOK_COLUMNS, orderBy: { createdAt: 'asc' } });
    return rows.map(webhookOf);
  }

  async find(owner: Owner, id: string): Promise<WebhookRecord | null> {
    const row = await this.db.webhook.findFirst({ where: { id, ...contextColumns(owner) }, select: WEBHOOK_COLUMNS });
    return row ? webhookOf(row) : null;
  }

  async findById(id: string): Promise<WebhookRecord | null> {
    const row = await this.db.webhook.findUnique({ where: { id }, select: WEBHOOK_COLUMNS });
    return row ? webhookOf(row) : null;
  }

  /** Deletes the webhook and its log (audited `webhook.delete`, as `by`'s). False: no such webhook of the owner. */
  async delete(owner: Owner, id: string, by: AuditActor): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      const { count } = await tx.webhook.updateMany({
        where: { id, ...contextColumns(owner) },
        data: { lastChange: 'delete', changedBy: by.actor, changedVia: by.door, changeDetail: null },
      });
      if (count === 0) return false;
      await tx.webhook.delete({ where: { id } });
      return true;
    });
  }

  /** A page of the webhook's log, newest first, before the delivery id `before`. */
  async deliveries(webhookId: string, take: number, before?: number): Promise<DeliveryRecord[]> {
    const rows = await this.db.webhookDelivery.findMany({
      where: { webhookId, ...(before !== undefined ? { id: { lt: before } } : {}) },
      orderBy: { id: 'desc' },
      take,
    });
    const actions = new Map(
      (await this.db.auditEvent.findMany({ where: { id: { in: rows.map((r) => r.eventId) } }, select: { id: true, action: true } })).map((e) => [
        e.id,
        e.action,
      ]),
    );
    return rows.map((r) => ({
      id: r.id,
      webhookId: r.webhookId,
      eventId: r.eventId,
      action: actions.get(r.eventId) ?? null,
      targetId: r.targetId,
      status: r.status as DeliveryStatus,
      attempts: r.attempts,
      nextAttemptAt: Number(r.nextAttemptAt),
      lastAttemptAt: r.lastAttemptAt,
      lastStatus: r.lastStatus,
      lastError: r.lastError,
      deliveredAt: r.deliveredAt,
    }));
  }

  /**
   * Resumes a PAUSED or DISABLED webhook (audited `webhook.resume`, by `by`): it receives events again, its
   * pending deliveries are due now, and `creatorUserId` answers for it from now on — unless they answer for
   * `perUser` webhooks already ('user'). Else the webhook's status ('ACTIVE', or 'gone'), when it was neither.
   */
  async resume(owner: Owner, id: string, by: AuditActor, creatorUserId: string | null, perUser: number): Promise<true | 'user' | string> {
    return this.db.$transaction(async (tx) => {
      const found = await tx.webhook.findFirst({ where: { id, ...contextColumns(owner) }, select: { status: true, creatorUserId: true } });
      if (!found || found.status === 'ACTIVE') return found?.status ?? 'gone';
      if (creatorUserId !== null && found.creatorUserId !== creatorUserId) {
        await tx.$executeRaw`UPDATE "User" SET "id" = "id" WHERE "id" = ${creatorUserId}`;
        if ((await tx.webhook.count({ where: { creatorUserId } })) >= perUser) return 'user' as const;
      }
      const { count } = await tx.webhook.updateMany({
        where: { id, status: found.status },
        data: {
          status: 'ACTIVE',
          creatorUserId,
          pausedAt: null,
          disabledAt: null,
          failingSince: null,
          dueAt: 0n,
          lastChange: 'resume',
          changedBy: by.actor,
          changedVia: by.door,
          changeDetail: null,
        },
      });
      return count === 1 ? true : 'gone';
    });
  }

  // ---- The dispatcher ----------------------------------------------------------------

  /** Is any webhook ACTIVE (anywhere)? */
  async anyActive(): Promise<boolean> {
    return (await this.db.webhook.findFirst({ where: { status: 'ACTIVE' }, select: { id: true } })) !== null;
  }

  /**
   * ACTIVE webhooks whose next delivery may be due by `now`, at most `perShare` of each user's (who answers
   * for them), at most `take` in all, the longest waiting first; none of those `except` names (sending already;
   * of a user whose lanes are all taken). One read (a prepared statement) of a few rows per user waiting,
   * whatever the number of their webhooks or of pending deliveries.
   */
  async dueWebhooks(now: number, perShare: number, take: number, except: DueExceptions = NO_EXCEPTIONS): Promise<DueWebhook[]> {
    const rows = await this.statements.all<DueWebhookRow>('webhook.due', DUE_WEBHOOKS_SQL, [now, perShare, take]);
    const ids = new Set(except.ids);
    const creators = new Set(except.creators);
    return rows
      .filter((r) => !ids.has(r.id) && (r.creatorUserId === null || !creators.has(r.creatorUserId)))
      .map((r) => ({ ...r, queued: Number(r.queued), owner: ownerOf(r), failingSince: optionalDateOf(r.failingSince) }));
  }

  /** When the next ACTIVE webhook's delivery may be due (epoch ms), but for those `except` names; undefined: none pending. */
  async nextDueAt(except: DueExceptions = NO_EXCEPTIONS): Promise<number | undefined> {
    const found = await this.db.webhook.aggregate({ where: { status: 'ACTIVE', dueAt: { not: null }, ...exceptions(except) }, _min: { dueAt: true } });
    return found._min.dueAt === null ? undefined : Number(found._min.dueAt);
  }

  /**
   * A webhook's deliveries to send now: of its oldest `window` pending ones, each target's first (a later one
   * waits for it: one target's events arrive in order), in id order. `more`: whether others wait behind them.
   */
  async dueDeliveries(webhookId: string, window: number): Promise<{ due: DueDelivery[]; more: boolean }> {
    const pending = await this.db.webhookDelivery.findMany({
      where: { webhookId, status: 'PENDING' },
      orderBy: { id: 'asc' },
      take: window,
      select: { id: true, eventId: true, targetId: true, attempts: true },
    });
    const heads = new Set<string>();
    const due: { id: number; eventId: number; attempts: number }[] = [];
    for (const d of pending) {
      if (heads.has(d.targetId)) continue;
      heads.add(d.targetId);
      due.push(d);
    }
    const events = new Map((await this.db.auditEvent.findMany({ where: { id: { in: due.map((d) => d.eventId) } } })).map((e) => [e.id, e]));
    // (An event is never deleted; a delivery whose event is gone anyway is given up, not retried for ever.)
    const orphans = due.filter((d) => !events.has(d.eventId)).map((d) => d.id);
    if (orphans.length > 0) {
      await this.db.webhookDelivery.updateMany({
        where: { id: { in: orphans }, status: 'PENDING' },
        data: { status: 'FAILED', lastError: 'its event is gone' },
      });
    }
    return {
      due: due.flatMap((d) => {
        const event = events.get(d.eventId);
        return event ? [{ id: d.id, webhookId, attempts: d.attempts, event }] : [];
      }),
      more: pending.length > due.length,
    };
  }

  /** Does the webhook have a pending delivery? */
  async hasPending(webhookId: string): Promise<boolean> {
    return (await this.db.webhookDelivery.findFirst({ where: { webhookId, status: 'PENDING' }, select: { id: true } })) !== null;
  }

  /**
   * After the dispatcher served a webhook: its next delivery due at `dueAt` (epoch ms; 0: at once), or nothing
   * pending (null) — then only if no delivery was queued since it read `queued` (a new one keeps it due).
   */
  async settle(webhookId: string, dueAt: number | null, queued: number): Promise<void> {
    if (dueAt === null) await this.db.webhook.updateMany({ where: { id: webhookId, queued, status: 'ACTIVE' }, data: { dueAt: null } });
    else await this.db.webhook.updateMany({ where: { id: webhookId }, data: { dueAt: BigInt(Math.ceil(dueAt)) } });
  }

  /** The receiver took it: the delivery is done, and the webhook no longer failing. */
  async delivered(delivery: { id: number; webhookId: string }, at: Date, status: number): Promise<void> {
    await this.db.$transaction([
      this.db.webhookDelivery.updateMany({
        where: { id: delivery.id, status: 'PENDING' },
        data: { status: 'DELIVERED', attempts: { increment: 1 }, lastAttemptAt: at, lastStatus: status, lastError: null, deliveredAt: at },
      }),
      this.db.webhook.updateMany({ where: { id: delivery.webhookId, failingSince: { not: null } }, data: { failingSince: null } }),
    ]);
  }

  /**
   * An attempt failed: the delivery and its webhook (the endpoint backs off as a whole) are tried again at
   * `retryAt` (epoch ms); the webhook failing since `at`, unless it was already.
   */
  async failed(delivery: { id: number; webhookId: string }, at: Date, retryAt: number, status: number | null, error: string): Promise<void> {
    const next = BigInt(Math.ceil(retryAt));
    await this.db.$transaction([
      this.db.webhookDelivery.updateMany({
        where: { id: delivery.id, status: 'PENDING' },
        data: { attempts: { increment: 1 }, nextAttemptAt: next, lastAttemptAt: at, lastStatus: status, lastError: error },
      }),
      this.db.webhook.updateMany({ where: { id: delivery.webhookId, failingSince: null }, data: { failingSince: at } }),
      this.db.webhook.updateMany({ where: { id: delivery.webhookId, status: 'ACTIVE' }, data: { dueAt: next } }),
    ]);
  }

  /**
   * Disables a webhook that has failed since before `failingBefore` (audited
   * `webhook.disable`, by `background`, with the reason); its pending deliveries
   * are given up (FAILED). False: it was not failing that long (or is gone).
   */
  async disable(webhookId: string, failingBefore: Date, at: Date, reason: string): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      const { count } = await tx.webhook.updateMany({
        where: { id: webhookId, status: 'ACTIVE', failingSince: { lte: failingBefore } },
        data: {
          status: 'DISABLED',
          disabledAt: at,
          dueAt: null,
          lastChange: 'disable',
          changedBy: 'background',
          changedVia: 'background',
          changeDetail: reason,
        },
      });
      if (count === 0) return false;
      await tx.webhookDelivery.updateMany({ where: { webhookId, status: 'PENDING' }, data: { status: 'FAILED', lastError: `given up: ${reason}` } });
      return true;
    });
  }

  /**
   * Pauses an ACTIVE webhook whose creator may no longer manage the context's webhooks (audited
   * `webhook.pause`, by `background`, with the reason): it receives no events and sends nothing until a current
   * manager resumes it; what was pending stays pending. False: it was not ACTIVE.
   */
  async pause(webhookId: string, at: Date, reason: string): Promise<boolean> {
    const { count } = await this.db.webhook.updateMany({
      where: { id: webhookId, status: 'ACTIVE' },
      data: { status: 'PAUSED', pausedAt: at, lastChange: 'pause', changedBy: 'background', changedVia: 'background', changeDetail: reason },
    });
    return count === 1;
  }

  /** Is the user disabled (or gone)? (A webhook they answer for sends nothing.) */
  async creatorDisabled(userId: string): Promise<boolean> {
    const user = await this.db.user.findUnique({ where: { id: userId }, select: { disabledAt: true } });
    return !user || user.disabledAt !== null;
  }

  /** Keeps a webhook's log to its newest `kept` finished deliveries (pending ones stay). How many were removed. */
  async prune(webhookId: string, kept: number): Promise<number> {
    const oldest = await this.db.webhookDelivery.findFirst({
      where: { webhookId, status: { not: 'PENDING' } },
      orderBy: { id: 'desc' },
      skip: kept,
      select: { id: true },
    });
    if (!oldest) return 0;
    const { count } = await this.db.webhookDelivery.deleteMany({ where: { webhookId, status: { not: 'PENDING' }, id: { lte: oldest.id } } });
    return count;
  }

  // ---- Key rotation ------------------------------------------------------------------

  /** The sealed secrets of webhooks not sealed under any of these prefixes (at most `take`). */
  secretsNotStartingWith(prefixes: readonly string[], take = 1000): Promise<{ id: string; secret: string }[]> {
    return this.db.webhook.findMany({ where: { NOT: prefixes.map((p) => ({ secret: { startsWith: p } })) }, select: { id: true, secret: true }, take });
  }

  countSecretsStartingWith(prefix: string): Promise<number> {
    return this.db.webhook.count({ where: { secret: { startsWith: prefix } } });
  }

  /** Replaces a sealed secret if it is still `expected`. */
  async replaceSecret(id: string, expected: string, secret: string): Promise<boolean> {
    const { count } = await this.db.webhook.updateMany({ where: { id, secret: expected }, data: { secret } });
    return count === 1;
  }
}
