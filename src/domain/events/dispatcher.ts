/**
 * Sends webhook deliveries. The trigger of the events migration queues one
 * for every event and matching webhook, in the statement that writes the
 * event; this dispatcher, on the one instance that holds the dispatch lease,
 * sends each at least once:
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
 * - retried with exponential backoff (5 s doubling, at most an hour apart);
 *   a webhook whose deliveries have failed for WEBHOOK_RETRY_FOR is disabled
 *   (audited `webhook.disable`: its owners hear of it) and its pending
 *   deliveries given up.
 *
 * It runs when woken (a write of this process; on PostgreSQL, any instance's
 * committed event), while deliveries are pending every `pollMs`, and at least
 * once a minute. Webhooks send independently — at most 16 at once, at most 2
 * of one context — so a slow receiver delays only its own webhook.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { LeaseStore } from '../../db/lease-store.js';
import type { DueDelivery, WebhookStore } from '../../db/webhook-store.js';
import { ANY_PUBLIC_HOST, type GuardedHttp, ProbeRefused, ProbeUnreachable } from '../../infra/guarded-http.js';
import type { Sealer } from '../../secrets/keyring.js';
import type { AuditEventView, AuditTrail } from '../audit/trail.js';
import { webhookSealingContext } from './webhooks.js';

export const DISPATCH_LEASE = 'webhook-dispatch';
const LEASE_MS = 15_000;
/** Pending deliveries looked at per webhook and pass (its oldest). */
const WINDOW = 100;
/** Webhooks sent to at once, in all; and of one context (one user's slow receivers never hold every lane). */
const LANES = 16;
const LANES_PER_CONTEXT = 2;
const IDLE_POLL_MS = 60_000;
const FIRST_RETRY_MS = 5_000;
const MAX_RETRY_MS = 3_600_000;
/** Finished deliveries kept per webhook (its log). */
export const DELIVERIES_KEPT = 1000;
const PRUNE_EVERY_MS = 10 * 60_000;
/** How long stopping waits for deliveries in flight. */
const STOP_WAIT_MS = 2000;

export type DeliveryResult = 'delivered' | 'failed' | 'refused';

export interface DispatcherOptions {
  pollMs: number;
  retryForMs: number;
  /** The time, in epoch milliseconds (a test's clock): the backoff and the retry window. */
  clock: () => number;
  onResult: (result: DeliveryResult) => void;
  onDisabled: (webhookId: string, reason: string) => void;
  onError: (error: unknown) => void;
}

/** The delay before the attempt after `attempts` failed ones. */
export const retryDelay = (attempts: number): number => Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1), MAX_RETRY_MS);

/** The Standard Webhooks signature of a message. */
export function signature(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}

/** What a receiver gets: the event as the audit trail shows it (names beside ids; never a secret). */
export const webhookBody = (event: AuditEventView): string => JSON.stringify({ type: event.action, timestamp: event.at.toISOString(), data: event });

export class WebhookDispatcher {
  readonly #holder = `${hostname()}:${process.pid}:${randomUUID()}`;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #started = false;
  #leaseUntil = 0;
  #prunedAt = 0;
  /** The webhooks sending now, and how many of each context. */
  readonly #sending = new Map<string, Promise<void>>();
  readonly #perContext = new Map<string, number>();
  /** Sends finished so far, and the number of each webhook's last: a pass whose read is older skips that webhook. */
  #finishes = 0;
  readonly #finishedAt = new Map<string, number>();
  /** Whether an ACTIVE webhook exists (as of the last pass, or a creation here); undefined: not known yet. */
  #active: boolean | undefined;

  constructor(
    private readonly store: WebhookStore,
    private readonly leases: LeaseStore,
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

  /** Something may have been queued: a pass soon (one at a time; a wake during a pass runs another after it). */
  wake(): void {
    if (!this.#started) return;
    if (this.#running) this.#again = true;
    else this.#schedule(10);
  }

  /** A write of this process committed: a pass, unless no webhook is ACTIVE (then nothing can have been queued). */
  wakeAfterWrite(): void {
    if (this.#active !== false) this.wake();
  }

  /** A webhook was created here. */
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

  /** One pass now: every due delivery sent once. Resolves when it is over. */
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
    this.#timer = setTimeout(() => {
      void this.run().then(() => {
        if (!this.#started) return;
        if (this.#again) {
          this.#again = false;
          this.#schedule(0);
        }
      });
    }, ms);
    this.#timer.unref();
  }

  async #pass(): Promise<void> {
    let pending = false;
    try {
      const now = this.options.clock();
      // A send that finishes after this read has made it stale for its webhook (what it sent may still read as pending).
      const readAfter = this.#finishes;
      // Every send noted so far finished before this read: none can skip a webhook in this pass or a later one
      // (passes run one at a time), so the map holds only sends that finish during this pass.
      this.#finishedAt.clear();
      const found = await this.store.due(now, WINDOW);
      pending = found.pending;
      if (found.due.length === 0) {
        if (!pending) this.#active = await this.store.anyActive();
        return;
      }
      this.#active = true;
      if (!(await this.#holdLease())) return;
      const byWebhook = new Map<string, DueDelivery[]>();
      for (const d of found.due) byWebhook.set(d.webhookId, [...(byWebhook.get(d.webhookId) ?? []), d]);
      // Each webhook's deliveries go out in order, one webhook sending at most once at a time; a pass starts what
      // lanes allow and does not wait for it (a slow receiver holds its own lane, never the next pass).
      for (const list of byWebhook.values()) {
        const { webhookId, context } = list[0]!;
        if (this.#sending.has(webhookId) || (this.#finishedAt.get(webhookId) ?? 0) > readAfter) continue;
        if (this.#sending.size >= LANES || (this.#perContext.get(context) ?? 0) >= LANES_PER_CONTEXT) continue;
        this.#perContext.set(context, (this.#perContext.get(context) ?? 0) + 1);
        const sending = this.#sendAll(list)
          .catch(this.options.onError)
          .finally(() => {
            this.#finishedAt.set(webhookId, ++this.#finishes);
            this.#sending.delete(webhookId);
            const left = (this.#perContext.get(context) ?? 1) - 1;
            if (left > 0) this.#perContext.set(context, left);
            else this.#perContext.delete(context);
            // Its later deliveries, or another webhook waiting for a lane.
            this.wake();
          });
        this.#sending.set(webhookId, sending);
      }
      if (now - this.#prunedAt > PRUNE_EVERY_MS) {
        this.#prunedAt = now;
        await this.store.prune(DELIVERIES_KEPT);
      }
    } finally {
      // While deliveries wait, look again soon; else when woken (and once a minute, in case).
      if (this.#started && !this.#again) this.#schedule(pending ? this.options.pollMs : IDLE_POLL_MS);
    }
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

  /** One webhook's due deliveries, in order; the first failure stops the rest (they wait for the next pass). */
  async #sendAll(list: DueDelivery[]): Promise<void> {
    const views = new Map((await this.trail.views(list.map((d) => d.event))).map((v) => [v.id, v]));
    for (const delivery of list) {
      if (!(await this.#holdLease())) return;
      const view = views.get(delivery.event.id);
      if (!view || !(await this.#send(delivery, view))) return;
    }
  }

  /** Sends one delivery and records the outcome; true: the receiver took it. */
  async #send(delivery: DueDelivery, view: AuditEventView): Promise<boolean> {
    const at = new Date(this.options.clock());
    let failure: { status: number | null; error: string; result: DeliveryResult };
    try {
      const body = webhookBody(view);
      const id = `evt_${delivery.event.id}`;
      // The receiver compares the timestamp with its own clock: the real time, whatever the scheduling clock says.
      const timestamp = Math.floor(Date.now() / 1000);
      const secret = this.keys.open(delivery.secret, webhookSealingContext(delivery.webhookId));
      const response = await this.http.request(new URL(delivery.url), {
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
        return true;
      }
      failure = { status: response.status, error: `the receiver answered HTTP ${response.status}`, result: 'failed' };
    } catch (error) {
      if (error instanceof ProbeRefused) failure = { status: null, error: `refused: ${error.message}`, result: 'refused' };
      else if (error instanceof ProbeUnreachable) failure = { status: null, error: error.message, result: 'failed' };
      else throw error;
    }
    this.options.onResult(failure.result);
    const now = at.getTime();
    await this.store.failed(delivery, at, now + retryDelay(delivery.attempts + 1), failure.status, failure.error.slice(0, 500));
    const failingSince = delivery.failingSince?.getTime() ?? now;
    if (now - failingSince >= this.options.retryForMs) {
      const reason = `its deliveries failed from ${new Date(failingSince).toISOString()} for longer than WEBHOOK_RETRY_FOR (last: ${failure.error.slice(0, 200)})`;
      if (await this.store.disable(delivery.webhookId, new Date(now - this.options.retryForMs), at, reason))
        this.options.onDisabled(delivery.webhookId, reason);
    }
    return false;
  }
}
