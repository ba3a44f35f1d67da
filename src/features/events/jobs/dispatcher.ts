/**
 * Sends webhook deliveries. The trigger of the events migration queues one
 * for every event and matching webhook, in the statement that writes the
 * event, and marks the webhook due; this dispatcher, on the one instance that
 * holds the dispatch lease, sends each at least once:
 *
 * - as the Standard Webhooks specification says: a JSON body
 *   `{type, timestamp, data}`, headers `webhook-id` (the same on every attempt:
 *   receivers deduplicate by it), `webhook-timestamp` (seconds) and
 *   `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`;
 * - through the SSRF guard (WEBHOOK_ALLOWED_HOSTS), with a deadline, no
 *   redirect followed, the answer read up to 64 KiB and never stored (only its
 *   status: a receiver's words could echo anything);
 * - in event order per target (a credential's events arrive in the order they
 *   happened: a later one waits for an earlier one still failing);
 * - fairly: at most 16 webhooks send at once, at most 2 of them answered for
 *   by one user (whatever the number of their workspaces or webhooks), and a
 *   free lane goes to the user who has waited longest; a webhook holds a lane
 *   for at most WEBHOOK_TIMEOUT_MS at a time, then queues again;
 * - backing off per endpoint: after a failure the webhook is tried again after
 *   as long as it has been failing (5 s, 5 s, 10 s, 20 s … at most an hour); a
 *   webhook failing for WEBHOOK_RETRY_FOR is disabled (audited
 *   `webhook.disable`: its owners hear of it) and its pending deliveries given
 *   up;
 * - only while its creator may still manage the context's webhooks: else it is
 *   paused (audited `webhook.pause`) until a current manager resumes it.
 *
 * Idle, it does nothing: it wakes on a write of this process (on PostgreSQL,
 * any instance's committed event), when a lane frees, when the next backoff
 * ends, and once a minute in case; each wake reads only the webhooks due by now
 * (one indexed read), never every webhook.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Leases } from '../../../core/ports.js';
import { ANY_PUBLIC_HOST, type GuardedHttp, ProbeRefused, ProbeUnreachable } from '../../../infra/guarded-http.js';
import type { Sealer } from '../../../platform/secrets/keyring.js';
import type { AuditEventView, AuditTrail } from '../../audit/index.js';
import type { DueDelivery, DueWebhook } from '../model.js';
import type { WebhookStore } from '../ports.js';
import { webhookSealingContext } from '../use-cases/webhooks.js';

export const DISPATCH_LEASE = 'webhook-dispatch';
const LEASE_MS = 15_000;
/** Pending deliveries looked at per webhook and turn (its oldest). */
const WINDOW = 100;
/** Webhooks sent to at once, in all; and of one user (one user's slow receivers never hold every lane). */
export const LANES = 16;
export const LANES_PER_OWNER = 2;
/** Due webhooks read per pass (the longest waiting first; at most LANES_PER_OWNER of each user's). */
const CANDIDATES = 1000;
const IDLE_POLL_MS = 60_000;
const FIRST_RETRY_MS = 5_000;
const MAX_RETRY_MS = 3_600_000;
/** Finished deliveries kept per webhook (its log), trimmed at most this often per webhook. */
export const DELIVERIES_KEPT = 1000;
const PRUNE_EVERY_MS = 10 * 60_000;
/** How long stopping waits for deliveries in flight. */
const STOP_WAIT_MS = 2000;

export type DeliveryResult = 'delivered' | 'failed' | 'refused';

export interface DispatcherOptions {
  retryForMs: number;
  /** How long one webhook may hold a lane at a time (its deliveries' time limit: WEBHOOK_TIMEOUT_MS). */
  turnMs: number;
  /** The time, in epoch milliseconds (a test's clock): the backoff and the retry window. */
  clock: () => number;
  /** Why the webhook's creator may no longer have it send (then it is paused), or undefined when they may. */
  creatorRefusal: (webhook: DueWebhook) => Promise<string | undefined>;
  onResult: (result: DeliveryResult) => void;
  onDisabled: (webhookId: string, reason: string) => void;
  onPaused: (webhookId: string, reason: string) => void;
  onError: (error: unknown) => void;
}

/** How long an endpoint that has been failing since `failingSince` waits before its next attempt. */
export const retryDelay = (failingSince: number, now: number): number => Math.min(Math.max(now - failingSince, FIRST_RETRY_MS), MAX_RETRY_MS);

/** The Standard Webhooks signature of a message. */
export function signature(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}

/** What a receiver gets: the event as the audit trail shows it (names beside ids; never a secret). */
export const webhookBody = (event: AuditEventView): string => JSON.stringify({ type: event.action, timestamp: event.at.toISOString(), data: event });

/** Whose share of the lanes a webhook takes: the user who answers for it (an operator's: its context's). */
const shareOf = (webhook: DueWebhook): string =>
  webhook.creatorUserId !== null ? `user:${webhook.creatorUserId}` : `${webhook.owner.kind}:${webhook.owner.id}`;

/**
 * Which due webhooks get the `free` lanes: one per share in turn, the shares holding the fewest lanes first,
 * then those served longest ago; at most `perShare` lanes for a share (counting what it holds already).
 */
export function pickFairly(
  due: readonly DueWebhook[],
  free: number,
  held: ReadonlyMap<string, number>,
  servedAt: ReadonlyMap<string, number>,
  perShare: number,
): DueWebhook[] {
  const byShare = new Map<string, DueWebhook[]>();
  for (const webhook of due) {
    const share = shareOf(webhook);
    const list = byShare.get(share);
    if (list) list.push(webhook);
    else byShare.set(share, [webhook]);
  }
  const shares = [...byShare.keys()].sort((a, b) => (held.get(a) ?? 0) - (held.get(b) ?? 0) || (servedAt.get(a) ?? 0) - (servedAt.get(b) ?? 0));
  const taking = new Map(shares.map((s) => [s, held.get(s) ?? 0]));
  const picked: DueWebhook[] = [];
  for (let progress = true; picked.length < free && progress; ) {
    progress = false;
    for (const share of shares) {
      if (picked.length >= free) break;
      const next = taking.get(share)! < perShare ? byShare.get(share)!.shift() : undefined;
      if (!next) continue;
      picked.push(next);
      taking.set(share, taking.get(share)! + 1);
      progress = true;
    }
  }
  return picked;
}

export class WebhookDispatcher {
  readonly #holder = `${hostname()}:${process.pid}:${randomUUID()}`;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #started = false;
  #leaseUntil = 0;
  /** The webhooks sending now; the lanes each share holds; when each share was last given a lane (a counter). */
  readonly #sending = new Map<string, Promise<void>>();
  readonly #held = new Map<string, number>();
  readonly #servedAt = new Map<string, number>();
  #turns = 0;
  /** When each webhook's log was last trimmed (cleared every period: bounded by the webhooks sent to within it). */
  readonly #prunedAt = new Map<string, number>();
  #prunesClearedAt = 0;
  /** Whether an ACTIVE webhook exists (as of the last pass, or a creation here); undefined: not known yet. */
  #active: boolean | undefined;

  constructor(
    private readonly store: WebhookStore,
    private readonly leases: Leases,
    private readonly trail: AuditTrail,
    private readonly keys: Sealer,
    private readonly http: GuardedHttp,
    private readonly options: DispatcherOptions,
  ) {}

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#schedule(0);
  }

  /** Something may have been queued or become due: a pass soon (one at a time; a wake during a pass runs another after it). */
  wake(): void {
    if (!this.#started) return;
    if (this.#running) this.#again = true;
    else this.#schedule(10);
  }

  /** A write of this process committed: a pass, unless no webhook is ACTIVE (then nothing can have been queued). */
  wakeAfterWrite(): void {
    if (this.#active !== false) this.wake();
  }

  /** A webhook was created (or resumed) here. */
  noteCreated(): void {
    this.#active = true;
    this.wake();
  }

  async stop(): Promise<void> {
    this.#started = false;
    clearTimeout(this.#timer);
    await this.#running?.catch(() => {});
    // Deliveries in flight get a moment to finish; one still unanswered then is sent again later (at least once).
    await Promise.race([Promise.all(this.#sending.values()), new Promise((resolve) => setTimeout(resolve, STOP_WAIT_MS).unref())]);
    if (this.#leaseUntil > 0) await this.leases.release(DISPATCH_LEASE, this.#holder).catch(() => {});
  }

  /** One pass now: the due webhooks given the free lanes. Resolves when the pass is over (not the sends it started). */
  run(): Promise<void> {
    this.#running ??= this.#pass()
      .catch(this.options.onError)
      .finally(() => {
        this.#running = undefined;
      });
    return this.#running;
  }

  #schedule(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(
      () => {
        void this.run().then(() => {
          if (!this.#started) return;
          if (this.#again) {
            this.#again = false;
            this.#schedule(0);
          }
        });
      },
      Math.max(0, Math.min(ms, IDLE_POLL_MS)),
    );
    this.#timer.unref();
  }

  async #pass(): Promise<void> {
    let next: number | undefined = IDLE_POLL_MS;
    try {
      const now = this.options.clock();
      // Webhooks sending now, and those of users whose lanes are all taken, wait for a lane's end (which wakes this).
      const except = {
        ids: [...this.#sending.keys()],
        creators: [...this.#held].filter(([share, n]) => n >= LANES_PER_OWNER && share.startsWith('user:')).map(([share]) => share.slice(5)),
      };
      const due = this.#sending.size >= LANES ? [] : await this.store.dueWebhooks(now, LANES_PER_OWNER, CANDIDATES, except);
      if (due.length === 0) {
        // Nothing else to send now: sleep until the next backoff ends (a wake comes sooner for anything new).
        const at = this.#sending.size >= LANES ? undefined : await this.store.nextDueAt(except);
        this.#active = at !== undefined || this.#sending.size > 0 || (await this.store.anyActive());
        next = at === undefined ? IDLE_POLL_MS : Math.max(at - now, 1_000);
        return;
      }
      this.#active = true;
      if (!(await this.#holdLease())) {
        // Another instance sends: look again once its lease could have lapsed.
        next = LEASE_MS / 2;
        return;
      }
      const picked = pickFairly(due, LANES - this.#sending.size, this.#held, this.#servedAt, LANES_PER_OWNER);
      // Due webhooks left waiting for a lane: a lane's end wakes the dispatcher.
      next = picked.length < due.length ? undefined : IDLE_POLL_MS;
      for (const webhook of picked) this.#startTurn(webhook);
    } finally {
      if (this.#started && !this.#again && next !== undefined) this.#schedule(next);
    }
  }

  /** Gives a webhook a lane: its turn runs without holding up the pass (a slow receiver holds its own lane only). */
  #startTurn(webhook: DueWebhook): void {
    const share = shareOf(webhook);
    this.#held.set(share, (this.#held.get(share) ?? 0) + 1);
    this.#servedAt.set(share, ++this.#turns);
    const turn = this.#turn(webhook)
      .catch(async (error) => {
        this.options.onError(error);
        // A turn that failed (the database, a bug) is not taken again at once: the webhook waits as a failed send would.
        await this.store.settle(webhook.id, this.options.clock() + FIRST_RETRY_MS, webhook.queued).catch(() => {});
      })
      .finally(() => {
        this.#sending.delete(webhook.id);
        const left = (this.#held.get(share) ?? 1) - 1;
        if (left > 0) this.#held.set(share, left);
        else this.#held.delete(share);
        // Bounded: a share's last turn is remembered only while some lane was given since the others' (see pickFairly).
        if (this.#servedAt.size > 10_000) this.#servedAt.clear();
        // Its later deliveries, or another webhook waiting for a lane.
        this.wake();
      });
    this.#sending.set(webhook.id, turn);
  }

  /**
   * One webhook's turn: its creator's right checked, its due deliveries sent in order until one fails or the
   * turn's time is up, and when it is next due recorded.
   */
  async #turn(webhook: DueWebhook): Promise<void> {
    const startedAt = Date.now();
    const refusal = await this.options.creatorRefusal(webhook);
    if (refusal !== undefined) {
      if (await this.store.pause(webhook.id, new Date(this.options.clock()), refusal)) this.options.onPaused(webhook.id, refusal);
      return;
    }
    const { due, more } = await this.store.dueDeliveries(webhook.id, WINDOW);
    const views = new Map((await this.trail.views(due.map((d) => d.event))).map((v) => [v.id, v]));
    let failingSince = webhook.failingSince?.getTime();
    let unsent = false;
    for (const delivery of due) {
      if (!(await this.#holdLease())) return;
      const view = views.get(delivery.event.id);
      if (!view) continue;
      const outcome = await this.#send(webhook, delivery, view, failingSince);
      if (outcome !== 'delivered') return; // the endpoint backs off: #send recorded when it is due again
      failingSince = undefined;
      if (Date.now() - startedAt >= this.options.turnMs) {
        unsent = true;
        break;
      }
    }
    // Sent what was due: due again at once while more waits (behind these, or past the turn), else when queued.
    const pending = unsent || more || (await this.store.hasPending(webhook.id));
    await this.store.settle(webhook.id, pending ? 0 : null, webhook.queued);
    this.#prune(webhook.id);
  }

  /** Trims the webhook's log, at most once a period per webhook (an idle service trims nothing). */
  #prune(webhookId: string): void {
    const now = Date.now();
    if (now - this.#prunesClearedAt > PRUNE_EVERY_MS) {
      this.#prunedAt.clear();
      this.#prunesClearedAt = now;
    }
    if (this.#prunedAt.has(webhookId)) return;
    this.#prunedAt.set(webhookId, now);
    void this.store.prune(webhookId, DELIVERIES_KEPT).catch(this.options.onError);
  }

  /** Takes or renews the dispatch lease when less than two thirds of it are left; false: another instance has it. */
  async #holdLease(): Promise<boolean> {
    const now = Date.now();
    if (this.#leaseUntil - now > (2 * LEASE_MS) / 3) return true;
    if (!(await this.leases.acquire(DISPATCH_LEASE, this.#holder, now, now + LEASE_MS))) {
      this.#leaseUntil = 0;
      return false;
    }
    this.#leaseUntil = now + LEASE_MS;
    return true;
  }

  /** Sends one delivery and records the outcome (a failure: when the endpoint is tried again, or its end). */
  async #send(webhook: DueWebhook, delivery: DueDelivery, view: AuditEventView, failingSince: number | undefined): Promise<DeliveryResult> {
    const at = new Date(this.options.clock());
    let failure: { status: number | null; error: string; result: DeliveryResult };
    try {
      const body = webhookBody(view);
      const id = `evt_${delivery.event.id}`;
      // The receiver compares the timestamp with its own clock: the real time, whatever the scheduling clock says.
      const timestamp = Math.floor(Date.now() / 1000);
      const secret = this.keys.open(webhook.secret, webhookSealingContext(webhook.id));
      const response = await this.http.request(new URL(webhook.url), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'credentials-service-webhooks',
          'webhook-id': id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signature(secret, id, timestamp, body),
        },
        body,
        publicHosts: ANY_PUBLIC_HOST,
      });
      if (response.status >= 200 && response.status < 300) {
        await this.store.delivered(delivery, at, response.status);
        this.options.onResult('delivered');
        return 'delivered';
      }
      failure = { status: response.status, error: `the receiver answered HTTP ${response.status}`, result: 'failed' };
    } catch (error) {
      if (error instanceof ProbeRefused) failure = { status: null, error: `refused: ${error.message}`, result: 'refused' };
      else if (error instanceof ProbeUnreachable) failure = { status: null, error: error.message, result: 'failed' };
      else throw error;
    }
    this.options.onResult(failure.result);
    const now = at.getTime();
    const since = failingSince ?? now;
    await this.store.failed(delivery, at, now + retryDelay(since, now), failure.status, failure.error.slice(0, 500));
    if (now - since >= this.options.retryForMs) {
      const reason = `its deliveries failed from ${new Date(since).toISOString()} for longer than WEBHOOK_RETRY_FOR (last: ${failure.error.slice(0, 200)})`;
      if (await this.store.disable(webhook.id, new Date(now - this.options.retryForMs), at, reason)) this.options.onDisabled(webhook.id, reason);
    }
    return failure.result;
  }
}
