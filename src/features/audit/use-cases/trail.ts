/**
 * Reading the audit trail (its rows are written by database triggers, in the
 * statement of each change): the operator's latest events, and the events of
 * one context for the people who manage it — a user's own (their credentials
 * and tokens), a workspace's for its OWNERs and ADMINs — filtered by time,
 * actor and kind, paged, or streamed whole for export (constant memory: a page
 * at a time). Events show names beside ids (who acted, which credential), and
 * Seqera's event type where one matches. Never a secret: the trail holds none.
 */
import { type Caller, isOperator, type Principal } from '../../../core/caller.js';
import { ValidationError } from '../../../core/errors.js';
import { MAX_PAGE_SIZE, pageOf, pageSize, positionOf } from '../../../core/paging.js';
import { quoted } from '../../../core/text.js';
import type { WorkspaceAccess } from '../../workspaces/index.js';
import type { AuditEventView, AuditQuery, AuditRecord } from '../model.js';
import type { AuditStore } from '../ports.js';

/** A user's id (as the trail's actor): 22 base62 characters. */
const USER_ID = /^[0-9A-Za-z]{22}$/;

/** Every action the trail records (the triggers' and the database commands'). */
export const AUDIT_ACTIONS = [
  'credential.create',
  'credential.update',
  'credential.restore',
  'credential.delete',
  'credential.undelete',
  'credential.purge',
  'credential.expiring',
  'credential.expire',
  'credential.reseal',
  'credential.deliver',
  'credential.validate',
  'credential.read',
  'credential.list',
  'pipeline_secret.create',
  'pipeline_secret.update',
  'pipeline_secret.restore',
  'pipeline_secret.delete',
  'pipeline_secret.undelete',
  'pipeline_secret.purge',
  'pipeline_secret.deliver',
  'pipeline_secret.reseal',
  'token.create',
  'token.revoke',
  'token.exchange',
  'token.refuse',
  'user.create',
  'user.remove',
  'user.disable',
  'user.enable',
  'session.end',
  'organization.create',
  'member.add',
  'member.remove',
  'workspace.create',
  'workspace.direct_delivery',
  'participant.add',
  'participant.role',
  'participant.remove',
  'pairing.add',
  'pairing.remove',
  'webhook.create',
  'webhook.disable',
  'webhook.pause',
  'webhook.resume',
  'webhook.delete',
  'database.backup',
  'database.restore',
] as const;

/** Seqera Platform's audit event types (API 1.187, `/admin/audit-logs-v2`) where an action matches one. */
export const SEQERA_TYPES: Readonly<Partial<Record<(typeof AUDIT_ACTIONS)[number], string>>> = {
  'credential.create': 'credentials_created',
  'credential.update': 'credentials_updated',
  'credential.delete': 'credentials_deleted',
};

export interface AuditFilter {
  since?: Date;
  until?: Date;
  /** A user id, `operator` or `background`. */
  actor?: string;
  kinds?: readonly string[];
  /** The operator's choice of context (a user's own, a workspace); ignored for anyone else. */
  context?: { ownerUserId?: string; workspaceId?: number };
}

export interface AuditPage {
  items: AuditEventView[];
  hasNextPage: boolean;
}

export const MAX_AUDIT_PAGE = MAX_PAGE_SIZE;
/** Events read per statement of an export. */
const EXPORT_BATCH = 500;
const MAX_KINDS = AUDIT_ACTIONS.length;

export class AuditTrail {
  constructor(
    private readonly store: AuditStore,
    private readonly access: WorkspaceAccess,
  ) {}

  /** The latest events, newest first (the operator's `audit`). */
  latest(query: AuditQuery): Promise<AuditRecord[]> {
    return this.store.latest(query);
  }

  /** A page of a context's events, newest first (`after`: the id of the last event of the previous page). */
  async events(principal: Principal, filter: AuditFilter, options: { first?: number; after?: number } = {}): Promise<AuditPage> {
    const first = pageSize(options.first, MAX_AUDIT_PAGE, MAX_AUDIT_PAGE);
    const after = positionOf(options.after);
    const context = await this.#context(principal, filter);
    const page = pageOf(await this.store.page({ ...context, ...checked(filter), cursor: after, order: 'desc', take: first + 1 }), first);
    return { items: await this.views(page.items), hasNextPage: page.hasNextPage };
  }

  /** Every event of a context matching the filter, oldest first, a batch at a time (for export). */
  async *export(principal: Principal, filter: AuditFilter): AsyncGenerator<AuditEventView> {
    const context = await this.#context(principal, filter);
    const valid = checked(filter);
    let cursor: number | undefined;
    for (;;) {
      const rows = await this.store.page({ ...context, ...valid, cursor, order: 'asc', take: EXPORT_BATCH });
      for (const view of await this.views(rows)) yield view;
      if (rows.length < EXPORT_BATCH) return;
      cursor = rows[rows.length - 1]!.id;
    }
  }

  /** Whose events the principal may read: the operator, all; a user, their own or a workspace's they manage. */
  async #context(principal: Principal, filter: AuditFilter): Promise<{ ownerUserId?: string; workspaceId?: number }> {
    if (isOperator(principal)) return filter.context ?? {};
    const caller: Caller = principal;
    if (caller.workspaceId === undefined) return { ownerUserId: caller.userId };
    const { owner } = await this.access.context(caller, 'manageCredentials');
    return owner.kind === 'workspace' ? { workspaceId: owner.id } : { ownerUserId: owner.id };
  }

  /** Rows with the names of their actors, owners, workspaces and credentials (three statements a page, whatever its length). */
  async views(rows: readonly AuditRecord[]): Promise<AuditEventView[]> {
    const userIds = rows.flatMap((r) => [r.actor, r.ownerUserId]).filter((id): id is string => id !== null && USER_ID.test(id));
    const users = await this.store.userNames([...new Set(userIds)]);
    const credentials = await this.store.credentialNames([...new Set(rows.filter((r) => r.targetType === 'credential').map((r) => r.targetId))]);
    const workspaces = await this.store.workspaceNames([...new Set(rows.map((r) => r.workspaceId).filter((id): id is number => id !== null))]);
    return rows.map((r) => ({
      id: r.id,
      at: r.at,
      action: r.action,
      seqeraType: SEQERA_TYPES[r.action as keyof typeof SEQERA_TYPES] ?? null,
      targetType: r.targetType,
      targetId: r.targetId,
      // A pipeline secret's name never changes: its rows carry it as their detail.
      targetName:
        r.targetType === 'credential'
          ? (credentials.get(r.targetId)?.name ?? null)
          : r.targetType === 'pipeline_secret'
            ? (r.detail?.split(' ', 1)[0] ?? null)
            : null,
      provider: r.targetType === 'credential' ? (credentials.get(r.targetId)?.provider ?? null) : null,
      ownerUserId: r.ownerUserId,
      ownerName: r.ownerUserId === null ? null : (users.get(r.ownerUserId) ?? '(removed user)'),
      workspaceId: r.workspaceId,
      workspaceName: r.workspaceId === null ? null : (workspaces.get(r.workspaceId) ?? null),
      actor: r.actor,
      // A user removed since: shown as such (their id stays in the trail).
      actorName: r.actor === null ? null : (users.get(r.actor) ?? (USER_ID.test(r.actor) ? '(removed user)' : null)),
      door: r.door,
      detail: r.detail,
    }));
  }
}

/** The filter, checked: a time range in order, a bounded actor, known kinds only. */
function checked(filter: AuditFilter): { since?: Date; until?: Date; actor?: string; actions?: readonly string[] } {
  const { since, until, actor, kinds } = filter;
  for (const [name, date] of [
    ['since', since],
    ['until', until],
  ] as const) {
    if (date !== undefined && Number.isNaN(date.getTime())) throw ValidationError.of(name, 'must be an ISO 8601 date-time');
  }
  if (since && until && since >= until) throw ValidationError.of('until', 'must be after since');
  if (actor !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(actor)) throw ValidationError.of('actor', 'must be a user id, operator or background');
  if (kinds !== undefined) {
    if (kinds.length > MAX_KINDS) throw ValidationError.of('kinds', `at most ${MAX_KINDS}`);
    const unknown = kinds.find((k) => !(AUDIT_ACTIONS as readonly string[]).includes(k));
    if (unknown !== undefined) throw ValidationError.of('kinds', `unknown kind ${quoted(unknown, 40)}; known: ${AUDIT_ACTIONS.join(', ')}`);
  }
  return { since, until, actor, actions: kinds };
}
