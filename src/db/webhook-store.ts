/**
 * The one owner of webhooks and their deliveries. Deliveries are queued by a
 * trigger on AuditEvent (the events_migration), in the statement that writes
 * the event; this store reads them for the dispatcher, records each attempt,
 * and keeps each webhook's log bounded.
 */
import type { AuditActor, Owner } from '../core/caller.js';
import type { AuditRecord } from './audit-store.js';
import type { Database } from './client.js';

export type WebhookStatus = 'ACTIVE' | 'DISABLED';
export type DeliveryStatus = 'PENDING' | 'DELIVERED' | 'FAILED';

export interface WebhookRecord {
  id: string;
  owner: Owner;
  url: string;
  /** The kinds it receives; undefined: every kind. */
  kinds: string[] | undefined;
  status: WebhookStatus;
  failingSince: Date | null;
  disabledAt: Date | null;
  createdAt: Date;
  createdBy: string | null;
}

export interface NewWebhook {
  id: string;
  owner: Owner;
  url: string;
  kinds: readonly string[] | undefined;
  /** Sealed. */
  secret: string;
  createdAt: Date;
  by: AuditActor;
  /** What the audit row says of it (the URL's host: a URL may hold a token). */
  detail: string;
}

export interface DeliveryRecord {
  id: number;
  webhookId: string;
  eventId: number;
  action: string | null;
  targetId: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  lastAttemptAt: Date | null;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: Date | null;
}

/** A pending delivery with what sending it takes: the webhook's URL and sealed secret, and the event. */
export interface DueDelivery {
  id: number;
  webhookId: string;
  /** The webhook's context (`user:<id>`, `workspace:<id>`): one context's webhooks share its sending lanes. */
  context: string;
  url: string;
  secret: string;
  attempts: number;
  failingSince: Date | null;
  event: AuditRecord;
}

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
  createdAt: Date;
  lastChange: string | null;
  changedBy: string | null;
};

function webhookOf(row: WebhookRow): WebhookRecord {
  return {
    id: row.id,
    owner: row.workspaceId === null ? { kind: 'user', id: row.ownerUserId! } : { kind: 'workspace', id: row.workspaceId },
    url: row.url,
    kinds: row.kinds === null ? undefined : row.kinds.split(',').filter(Boolean),
    status: row.status as WebhookStatus,
    failingSince: row.failingSince,
    disabledAt: row.disabledAt,
    createdAt: row.createdAt,
    createdBy: row.lastChange === 'create' ? row.changedBy : null,
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
  createdAt: true,
  lastChange: true,
  changedBy: true,
} as const;

export class WebhookStore {
  constructor(private readonly db: Database) {}

  /** Creates the webhook (audited `webhook.create` by the trigger). */
  async create(w: NewWebhook): Promise<WebhookRecord> {
    const row = await this.db.webhook.create({
      data: {
        id: w.id,
        ...contextColumns(w.owner),
        url: w.url,
        kinds: w.kinds === undefined ? null : `,${w.kinds.join(',')},`,
        secret: w.secret,
        createdAt: w.createdAt,
        lastChange: 'create',
        changedBy: w.by.actor,
        changedVia: w.by.door,
        changeDetail: w.detail,
      },
      select: WEBHOOK_COLUMNS,
    });
    return webhookOf(row);
  }

  count(owner: Owner): Promise<number> {
    return this.db.webhook.count({ where: contextColumns(owner) });
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

  // ---- The dispatcher ----------------------------------------------------------------

  /** Is any webhook ACTIVE (anywhere)? */
  async anyActive(): Promise<boolean> {
    return (await this.db.webhook.findFirst({ where: { status: 'ACTIVE' }, select: { id: true } })) !== null;
  }

  /**
   * Deliveries to send now: of each ACTIVE webhook's oldest `window` pending
   * ones (each webhook its own window: one receiver down, with thousands
   * waiting, never holds up another's), each target's first (a later one waits
   * for it: one target's events arrive in order), if its next attempt is due by
   * `now`. `pending`: whether any delivery waits at all.
   */
  async due(now: number, window: number): Promise<{ due: DueDelivery[]; pending: boolean }> {
    const webhooks = await this.db.webhook.findMany({
      where: { status: 'ACTIVE', deliveries: { some: { status: 'PENDING' } } },
      select: { id: true, url: true, secret: true, failingSince: true, ownerUserId: true, workspaceId: true },
    });
    if (webhooks.length === 0) return { due: [], pending: false };
    const due: { id: number; webhookId: string; eventId: number; attempts: number }[] = [];
    for (const webhook of webhooks) {
      const pending = await this.db.webhookDelivery.findMany({
        where: { webhookId: webhook.id, status: 'PENDING' },
        orderBy: { id: 'asc' },
        take: window,
        select: { id: true, eventId: true, targetId: true, attempts: true, nextAttemptAt: true },
      });
      const heads = new Set<string>();
      for (const d of pending) {
        if (heads.has(d.targetId)) continue;
        heads.add(d.targetId);
        if (Number(d.nextAttemptAt) <= now) due.push({ id: d.id, webhookId: webhook.id, eventId: d.eventId, attempts: d.attempts });
      }
    }
    if (due.length === 0) return { due: [], pending: true };
    const webhookById = new Map(webhooks.map((w) => [w.id, w]));
    const events = new Map((await this.db.auditEvent.findMany({ where: { id: { in: due.map((d) => d.eventId) } } })).map((e) => [e.id, e]));
    return {
      due: due.flatMap((d) => {
        const webhook = webhookById.get(d.webhookId)!;
        const event = events.get(d.eventId);
        if (!event) return [];
        const context = webhook.workspaceId === null ? `user:${webhook.ownerUserId}` : `workspace:${webhook.workspaceId}`;
        return [
          {
            id: d.id,
            webhookId: d.webhookId,
            context,
            url: webhook.url,
            secret: webhook.secret,
            attempts: d.attempts,
            failingSince: webhook.failingSince,
            event,
          },
        ];
      }),
      pending: true,
    };
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

  /** An attempt failed: the next one at `nextAttemptAt` (epoch ms); the webhook failing since `at`, unless it was already. */
  async failed(delivery: { id: number; webhookId: string }, at: Date, nextAttemptAt: number, status: number | null, error: string): Promise<void> {
    await this.db.$transaction([
      this.db.webhookDelivery.updateMany({
        where: { id: delivery.id, status: 'PENDING' },
        data: { attempts: { increment: 1 }, nextAttemptAt: BigInt(Math.ceil(nextAttemptAt)), lastAttemptAt: at, lastStatus: status, lastError: error },
      }),
      this.db.webhook.updateMany({ where: { id: delivery.webhookId, failingSince: null }, data: { failingSince: at } }),
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
        data: { status: 'DISABLED', disabledAt: at, lastChange: 'disable', changedBy: 'background', changedVia: 'background', changeDetail: reason },
      });
      if (count === 0) return false;
      await tx.webhookDelivery.updateMany({ where: { webhookId, status: 'PENDING' }, data: { status: 'FAILED', lastError: `given up: ${reason}` } });
      return true;
    });
  }

  /** Keeps each webhook's log to its newest `kept` finished deliveries (pending ones stay). How many were removed. */
  async prune(kept: number): Promise<number> {
    let removed = 0;
    for (const { id } of await this.db.webhook.findMany({ select: { id: true } })) {
      const oldest = await this.db.webhookDelivery.findFirst({
        where: { webhookId: id, status: { not: 'PENDING' } },
        orderBy: { id: 'desc' },
        skip: kept,
        select: { id: true },
      });
      if (!oldest) continue;
      const { count } = await this.db.webhookDelivery.deleteMany({ where: { webhookId: id, status: { not: 'PENDING' }, id: { lte: oldest.id } } });
      removed += count;
    }
    return removed;
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
