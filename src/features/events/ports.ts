/** What the use cases of events need from storage: the store implements these; a use case takes the slice it uses. */
import type { AuditActor, Owner } from '../../core/caller.js';
import type { DeliveryRecord, DueDelivery, DueExceptions, DueWebhook, NewWebhook, WebhookRecord } from './model.js';

export interface WebhookStore {
  /**
   * Creates the webhook (audited `webhook.create` by the trigger), unless its context holds `limits.perContext`
   * webhooks ('context') or its creator answers for `limits.perUser` ('user'): counted and written in one
   * transaction, the context's and the creator's rows locked first (two made at once are counted one after the other).
   */
  create(w: NewWebhook, limits: { perContext: number; perUser: number }): Promise<WebhookRecord | 'context' | 'user'>;
  count(owner: Owner): Promise<number>;
  /** The webhooks a user answers for, in every context. */
  countByCreator(userId: string): Promise<number>;
  list(owner: Owner): Promise<WebhookRecord[]>;
  find(owner: Owner, id: string): Promise<WebhookRecord | null>;
  findById(id: string): Promise<WebhookRecord | null>;
  /** Deletes the webhook and its log (audited `webhook.delete`, as `by`'s). False: no such webhook of the owner. */
  delete(owner: Owner, id: string, by: AuditActor): Promise<boolean>;
  /** A page of the webhook's log, newest first, before the delivery id `before`. */
  deliveries(webhookId: string, take: number, before?: number): Promise<DeliveryRecord[]>;
  /**
   * Resumes a PAUSED or DISABLED webhook (audited `webhook.resume`, by `by`): it receives events again, its
   * pending deliveries are due now, and `creatorUserId` answers for it from now on — unless they answer for
   * `perUser` webhooks already ('user'). Else the webhook's status ('ACTIVE', or 'gone'), when it was neither.
   */
  resume(owner: Owner, id: string, by: AuditActor, creatorUserId: string | null, perUser: number): Promise<true | 'user' | string>;
  /** Is any webhook ACTIVE (anywhere)? */
  anyActive(): Promise<boolean>;
  /**
   * ACTIVE webhooks whose next delivery may be due by `now`, at most `perShare` of each user's (who answers
   * for them), at most `take` in all, the longest waiting first; none of those `except` names (sending already;
   * of a user whose lanes are all taken). One read (a prepared statement) of a few rows per user waiting,
   * whatever the number of their webhooks or of pending deliveries.
   */
  dueWebhooks(now: number, perShare: number, take: number, except?: DueExceptions): Promise<DueWebhook[]>;
  /** When the next ACTIVE webhook's delivery may be due (epoch ms), but for those `except` names; undefined: none pending. */
  nextDueAt(except?: DueExceptions): Promise<number | undefined>;
  /**
   * A webhook's deliveries to send now: of its oldest `window` pending ones, each target's first (a later one
   * waits for it: one target's events arrive in order), in id order. `more`: whether others wait behind them.
   */
  dueDeliveries(webhookId: string, window: number): Promise<{ due: DueDelivery[]; more: boolean }>;
  /** Does the webhook have a pending delivery? */
  hasPending(webhookId: string): Promise<boolean>;
  /**
   * After the dispatcher served a webhook: its next delivery due at `dueAt` (epoch ms; 0: at once), or nothing
   * pending (null) — then only if no delivery was queued since it read `queued` (a new one keeps it due).
   */
  settle(webhookId: string, dueAt: number | null, queued: number): Promise<void>;
  /** The receiver took it: the delivery is done, and the webhook no longer failing. */
  delivered(delivery: { id: number; webhookId: string }, at: Date, status: number): Promise<void>;
  /**
   * An attempt failed: the delivery and its webhook (the endpoint backs off as a whole) are tried again at
   * `retryAt` (epoch ms); the webhook failing since `at`, unless it was already.
   */
  failed(delivery: { id: number; webhookId: string }, at: Date, retryAt: number, status: number | null, error: string): Promise<void>;
  /**
   * Disables a webhook that has failed since before `failingBefore` (audited
   * `webhook.disable`, by `background`, with the reason); its pending deliveries
   * are given up (FAILED). False: it was not failing that long (or is gone).
   */
  disable(webhookId: string, failingBefore: Date, at: Date, reason: string): Promise<boolean>;
  /**
   * Pauses an ACTIVE webhook whose creator may no longer manage the context's webhooks (audited
   * `webhook.pause`, by `background`, with the reason): it receives no events and sends nothing until a current
   * manager resumes it; what was pending stays pending. False: it was not ACTIVE.
   */
  pause(webhookId: string, at: Date, reason: string): Promise<boolean>;
  /** Is the user disabled (or gone)? (A webhook they answer for sends nothing.) */
  creatorDisabled(userId: string): Promise<boolean>;
  /** Keeps a webhook's log to its newest `kept` finished deliveries (pending ones stay). How many were removed. */
  prune(webhookId: string, kept: number): Promise<number>;
  /** The sealed secrets of webhooks not sealed under any of these prefixes (at most `take`). */
  secretsNotStartingWith(prefixes: readonly string[], take?: number): Promise<{ id: string; secret: string }[]>;
  countSecretsStartingWith(prefix: string): Promise<number>;
  /** Replaces a sealed secret if it is still `expected`. */
  replaceSecret(id: string, expected: string, secret: string): Promise<boolean>;
}
