/**
 * Webhooks: a context's events (a user's own, or a workspace's: its OWNERs
 * and ADMINs manage them) sent to a URL, signed per the Standard Webhooks
 * specification with a secret the service makes and shows once. The URL is
 * judged at creation as a delivery would judge it (the SSRF guard: https to a
 * public host, or a host the operator allows with WEBHOOK_ALLOWED_HOSTS; its
 * name resolved and every address checked), and again at every delivery.
 * Each webhook is answered for by the user who created it (or resumed it
 * last): it sends only while that user may manage the context's webhooks
 * (else it is paused until a current manager resumes it), and counts toward
 * that user's WEBHOOKS_PER_USER as well as the context's WEBHOOKS_PER_CONTEXT.
 * Managers see and control every webhook of their context, whoever made it.
 */
import { randomBytes } from 'node:crypto';
import { actorOf, type Caller, isOperator, type Owner, type Principal } from '../../../core/caller.js';
import { DomainError, LimitReached, ValidationError } from '../../../core/errors.js';
import { newId } from '../../../core/ids.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, pageOf, pageSize, positionOf } from '../../../core/paging.js';
import { quoted } from '../../../core/text.js';
import { ANY_PUBLIC_HOST, type GuardedHttp } from '../../../infra/guarded-http.js';
import type { Sealer } from '../../../platform/secrets/keyring.js';
import { AUDIT_ACTIONS } from '../../audit/index.js';
import type { WorkspaceAccess } from '../../workspaces/index.js';
import { WebhookNotFound, WebhookNotResumable } from '../errors.js';
import type { DeliveryRecord, WebhookRecord } from '../model.js';
import type { WebhookStore } from '../ports.js';

const MAX_URL_LENGTH = 2000;
export const MAX_DELIVERY_PAGE = MAX_PAGE_SIZE;

/** What a webhook's secret is sealed with: its id (a sealed secret moved to another row does not open). */
export const webhookSealingContext = (id: string): string => `webhook:${id}`;

/** A webhook as its managers see it: never its secret. */
export interface WebhookView {
  id: string;
  url: string;
  /** The kinds it receives; null: every kind. */
  kinds: string[] | null;
  workspaceId: number | null;
  status: WebhookRecord['status'];
  failingSince: Date | null;
  disabledAt: Date | null;
  pausedAt: Date | null;
  createdAt: Date;
  /** The user who answers for it: who created it, or resumed it last (null: the operator). */
  createdBy: string | null;
}

export interface WebhookLimits {
  /** Webhooks one context may have (WEBHOOKS_PER_CONTEXT). */
  perContext: number;
  /** Webhooks one user may answer for, in all their contexts (WEBHOOKS_PER_USER). */
  perUser: number;
}

export interface NewWebhookInput {
  url: string;
  kinds?: readonly string[];
}

/** Whose webhooks: a user's own or a workspace's. A user names it by their call (a workspace or not); the operator, here. */
export type WebhookContext = Owner | undefined;

/** One entry of a webhook's delivery log. */
export type WebhookDeliveryView = DeliveryRecord;

export interface DeliveryPage {
  items: WebhookDeliveryView[];
  hasNextPage: boolean;
}

const viewOf = (w: WebhookRecord): WebhookView => ({
  id: w.id,
  url: w.url,
  kinds: w.kinds ?? null,
  workspaceId: w.owner.kind === 'workspace' ? w.owner.id : null,
  status: w.status,
  failingSince: w.failingSince,
  disabledAt: w.disabledAt,
  pausedAt: w.pausedAt,
  createdAt: w.createdAt,
  createdBy: w.creatorUserId,
});

/** What the webhook use cases may raise besides the workspace's (ACCESS_ERRORS), for the doors that answer them as typed errors. */
export const WEBHOOK_ERRORS = {
  create: [ValidationError, LimitReached],
  resume: [WebhookNotFound, WebhookNotResumable, LimitReached],
  delete: [WebhookNotFound],
} as const;

export class Webhooks {
  constructor(
    private readonly store: WebhookStore,
    private readonly access: WorkspaceAccess,
    private readonly keys: Sealer,
    /** The guard deliveries go through (WEBHOOK_ALLOWED_HOSTS). */
    private readonly http: GuardedHttp,
    private readonly limits: WebhookLimits,
    private readonly clock: () => number = Date.now,
    /** Told of each webhook created or resumed here (the dispatcher: something to send now). */
    private readonly onCreated: () => void = () => {},
  ) {}

  /** Creates a webhook; its secret (`whsec_…`) is in the answer, and never again. */
  async create(caller: Principal, input: NewWebhookInput, context?: WebhookContext): Promise<{ webhook: WebhookView; secret: string }> {
    const owner = await this.#owner(caller, context);
    const url = await this.#checkedUrl(input.url);
    const kinds = checkedKinds(input.kinds);
    const id = newId();
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const record = await this.store.create(
      {
        id,
        owner,
        url: url.href,
        kinds,
        secret: this.keys.seal(secret, webhookSealingContext(id)),
        createdAt: new Date(this.clock()),
        by: actorOf(caller),
        creatorUserId: isOperator(caller) ? null : caller.userId,
        detail: url.host,
      },
      this.limits,
    );
    if (record === 'context') throw new LimitReached('webhooks in one context', this.limits.perContext, 'WEBHOOKS_PER_CONTEXT');
    if (record === 'user') throw new LimitReached('webhooks per user, in all their contexts', this.limits.perUser, 'WEBHOOKS_PER_USER');
    this.onCreated();
    return { webhook: viewOf(record), secret };
  }

  async list(caller: Principal, context?: WebhookContext): Promise<WebhookView[]> {
    return (await this.store.list(await this.#owner(caller, context))).map(viewOf);
  }

  /** Deletes a webhook and its delivery log; what is pending is not sent. */
  async delete(caller: Principal, id: string): Promise<void> {
    const owner = await this.#ownerOf(caller, id);
    if (!(await this.store.delete(owner, id, actorOf(caller)))) throw new WebhookNotFound(id);
  }

  /**
   * Resumes a PAUSED or DISABLED webhook of a context the caller manages: it receives events again, and the
   * caller answers for it from now on (the operator: no one). Returns it.
   */
  async resume(caller: Principal, id: string): Promise<WebhookView> {
    const owner = await this.#ownerOf(caller, id);
    const creator = isOperator(caller) ? null : caller.userId;
    const resumed = await this.store.resume(owner, id, actorOf(caller), creator, this.limits.perUser);
    if (resumed === 'user') throw new LimitReached('webhooks per user, in all their contexts', this.limits.perUser, 'WEBHOOKS_PER_USER');
    if (resumed !== true) throw new WebhookNotResumable(id, resumed);
    this.onCreated();
    return viewOf((await this.store.findById(id))!);
  }

  /**
   * Why a webhook may no longer send, for the user who answers for it, or undefined when it may: they were
   * disabled or removed, or may no longer manage its context's webhooks (the dispatcher asks before each turn).
   */
  async creatorRefusal(webhook: { owner: Owner; creatorUserId: string | null }): Promise<string | undefined> {
    const userId = webhook.creatorUserId;
    if (userId === null) return undefined;
    if (await this.store.creatorDisabled(userId)) return `the user who answers for it (${userId}) is disabled or removed`;
    if (webhook.owner.kind === 'user') return webhook.owner.id === userId ? undefined : `the user who answers for it (${userId}) does not own it`;
    try {
      await this.access.context({ userId, door: 'graphql', scope: 'all', workspaceId: String(webhook.owner.id) }, 'manageWebhooks');
      return undefined;
    } catch (error) {
      if (error instanceof DomainError && (error.kind === 'forbidden' || error.kind === 'not-found')) {
        return `the user who answers for it (${userId}) may no longer manage workspace ${webhook.owner.id}'s webhooks`;
      }
      throw error;
    }
  }

  /** A page of a webhook's delivery log, newest first (`after`: the id of the last delivery of the previous page). */
  async deliveries(caller: Principal, id: string, options: { first?: number; after?: number } = {}): Promise<DeliveryPage> {
    const first = pageSize(options.first, DEFAULT_PAGE_SIZE, MAX_DELIVERY_PAGE);
    const after = positionOf(options.after);
    await this.#ownerOf(caller, id);
    return pageOf(await this.store.deliveries(id, first + 1, after), first);
  }

  /** The context the caller manages webhooks of: their own, or a workspace where their role allows it; the operator's, named. */
  async #owner(principal: Principal, context: WebhookContext): Promise<Owner> {
    if (isOperator(principal)) {
      if (!context) throw ValidationError.of('', 'name whose webhooks: a user or a workspace');
      return context;
    }
    const caller: Caller = principal;
    return (await this.access.context(caller, 'manageWebhooks')).owner;
  }

  /** The owner of the webhook `id`, if the principal may manage it (the operator: any webhook). */
  async #ownerOf(principal: Principal, id: string): Promise<Owner> {
    if (isOperator(principal)) {
      const found = await this.store.findById(id);
      if (!found) throw new WebhookNotFound(id);
      return found.owner;
    }
    const owner = await this.#owner(principal, undefined);
    if (!(await this.store.find(owner, id))) throw new WebhookNotFound(id);
    return owner;
  }

  async #checkedUrl(raw: string): Promise<URL> {
    if (raw.length > MAX_URL_LENGTH) throw ValidationError.of('url', `at most ${MAX_URL_LENGTH} characters`);
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw ValidationError.of('url', `${quoted(raw, 60)} is not a URL`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw ValidationError.of('url', 'must be an https URL');
    if (url.username || url.password) throw ValidationError.of('url', 'must not hold a user or password (deliveries are signed instead)');
    if (url.hash) throw ValidationError.of('url', 'must not have a fragment');
    const refusal = await this.http.check(url, ANY_PUBLIC_HOST);
    if (refusal) throw ValidationError.of('url', refusal);
    return url;
  }
}

function checkedKinds(kinds: readonly string[] | undefined): string[] | undefined {
  if (kinds === undefined) return undefined;
  if (kinds.length === 0) throw ValidationError.of('kinds', 'name at least one kind, or leave it out for every kind');
  const unknown = kinds.find((k) => !(AUDIT_ACTIONS as readonly string[]).includes(k));
  if (unknown !== undefined) throw ValidationError.of('kinds', `unknown kind ${quoted(unknown, 40)}; known: ${AUDIT_ACTIONS.join(', ')}`);
  return [...new Set(kinds)];
}
