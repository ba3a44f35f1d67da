/**
 * Background re-validation (VALIDATE_EVERY): every credential is probed once
 * per period, the probes spread evenly over it rather than all at once. A
 * sweep walks the live credentials in id order, skipping those validated in
 * the last half period (by a person, or by another instance), and pauses
 * between probes so that the sweep lasts about one period. Several instances
 * on one database sweep one at a time: the sweeping instance holds a lease,
 * renewed before every step; another takes over once it expires (an instance
 * that died). The probes are the same as a person's, with the same timeouts;
 * their verdicts are recorded by the `background` door.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { AuditActor } from '../core/caller.js';
import { timestampOf } from '../core/time.js';
import type { CredentialStore } from '../db/credential-store.js';
import type { LeaseStore } from '../db/lease-store.js';
import type { CredentialValidation } from './service.js';

const LEASE = 'credential-validation';
const BACKGROUND: AuditActor = { actor: 'background', door: 'background' };
/** Credentials read per step of a sweep. */
const BATCH = 50;

export interface ScheduleOptions {
  everyMs: number;
  /** Each probe's time limit: the lease outlasts a probe. */
  probeTimeoutMs: number;
  onError: (error: unknown) => void;
}

export class ValidationSchedule {
  readonly #holder = `${hostname()}:${process.pid}:${randomUUID()}`;
  readonly #stop = new AbortController();
  #running: Promise<void> | undefined;

  constructor(
    private readonly store: CredentialStore,
    private readonly leases: LeaseStore,
    private readonly validation: CredentialValidation,
    private readonly options: ScheduleOptions,
  ) {}

  start(): void {
    this.#running ??= this.#loop();
  }

  /** Stops after the probe in progress, and gives the lease up. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#running;
    await this.leases.release(LEASE, this.#holder).catch(() => {});
  }

  get #stopped(): boolean {
    return this.#stop.signal.aborted;
  }

  /** How long another instance waits before retrying the lease. */
  get #retryMs(): number {
    return Math.min(Math.max(this.options.everyMs / 10, 1000), 60_000);
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      const started = Date.now();
      try {
        const swept = await this.#sweep(started);
        // A full sweep waits for the next period; an instance without the lease retries later.
        await this.#sleep(swept ? started + this.options.everyMs - Date.now() : this.#retryMs);
      } catch (error) {
        this.options.onError(error);
        await this.#sleep(this.#retryMs);
      }
    }
  }

  /** Takes or renews the lease for `forMs` more (plus a probe's time). */
  #hold(forMs: number): Promise<boolean> {
    const now = Date.now();
    return this.leases.acquire(LEASE, this.#holder, now, now + forMs + 2 * this.options.probeTimeoutMs + 1000);
  }

  /** One sweep over every live credential; false when another instance holds the lease (or it was lost). */
  async #sweep(started: number): Promise<boolean> {
    const total = await this.store.countLive();
    // The pause between two probes that spreads the sweep over one period.
    const pauseMs = this.options.everyMs / Math.max(total, 1);
    if (!(await this.#hold(pauseMs))) return false;
    const recent = timestampOf(new Date(started - this.options.everyMs / 2));
    let after = '';
    let visited = 0;
    for (;;) {
      const batch = await this.store.findLiveAfter(after, BATCH);
      for (const credential of batch) {
        if (this.#stopped) return true;
        if (!(await this.#hold(pauseMs))) return false;
        if (!credential.lastValidated || credential.lastValidated < recent) {
          await this.validation.revalidate(credential, BACKGROUND).catch(this.options.onError);
        }
        visited += 1;
        await this.#sleep(started + pauseMs * visited - Date.now());
      }
      if (batch.length < BATCH) break;
      after = batch[batch.length - 1]!.id;
    }
    return true;
  }

  #sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      const signal = this.#stop.signal;
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
