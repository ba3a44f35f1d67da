/**
 * Background re-validation (VALIDATE_EVERY): every credential is probed once
 * per period, the probes spread evenly over it rather than all at once. A
 * sweep walks the live credentials in id order, skipping those validated in
 * the last half period (by a person, or by another instance) and those backing
 * off, and starts a probe at each step so that the sweep lasts about one
 * period. Up to `concurrency` probes run at once, each with its own deadline,
 * at most half of them of one owner's credentials: a user's never-answering
 * credentials hold one lane, not the sweep. A credential whose probes fail
 * transiently (timeout, DNS, 5xx) backs off: one period, doubled after each
 * failure in a row, at most a week; kept in the database, so a restart or
 * another instance keeps to it. Several instances on one database sweep one
 * at a time: the sweeping instance holds a lease, renewed before it could run
 * out; another takes over once it expires (an instance that died). The
 * schedule always yields to the event loop between steps (a signal, a request
 * is never kept waiting). The probes are the same as a person's, with the same
 * timeouts; their verdicts are recorded by the `background` door.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { AuditActor } from '../../../core/caller.js';
import type { Leases } from '../../../core/ports.js';
import { timestampOf } from '../../../core/time.js';
import type { CredentialStore, SealedCredential } from '../../credentials/index.js';
import type { Backoff } from '../model.js';
import type { BackoffStore } from '../ports.js';
import { ProbeSlots } from '../rules/slots.js';
import { type CredentialProbing, ownerKey } from '../use-cases/service.js';

const LEASE = 'credential-validation';
const BACKGROUND: AuditActor = { actor: 'background', door: 'background' };
/** Credentials read per step of a sweep. */
const BATCH = 50;
/** The longest back-off of a credential that keeps failing transiently (unless the period is longer). */
const MAX_BACKOFF_MS = 7 * 86_400_000;

export interface ScheduleOptions {
  everyMs: number;
  /** Each probe's time limit: the lease outlasts a probe. */
  probeTimeoutMs: number;
  /** Probes a sweep runs at once. */
  concurrency: number;
  onError: (error: unknown) => void;
}

/** When a credential may be probed again after `failures` transient failures in a row. */
export function retryAt(now: number, everyMs: number, failures: number): number {
  return now + Math.min(everyMs * 2 ** Math.min(failures - 1, 30), Math.max(everyMs, MAX_BACKOFF_MS));
}

export class ValidationSchedule {
  readonly #holder = `${hostname()}:${process.pid}:${randomUUID()}`;
  readonly #stop = new AbortController();
  #running: Promise<void> | undefined;
  /** When the lease held must be renewed (epoch ms); 0: not held. */
  #renewBy = 0;

  constructor(
    private readonly store: Pick<CredentialStore, 'countLive' | 'findLiveAfter'>,
    private readonly leases: Leases,
    private readonly backoffs: BackoffStore,
    private readonly validation: CredentialProbing,
    private readonly options: ScheduleOptions,
  ) {}

  start(): void {
    this.#running ??= this.#loop();
  }

  /** Stops after the probes in progress, and gives the lease up. */
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

  /**
   * Takes the lease, or renews it when it would not last until after the next
   * step (a pause and a probe's time): a write every few seconds at most, not
   * one per probe. False: another instance holds it.
   */
  async #hold(pauseMs: number): Promise<boolean> {
    const now = Date.now();
    if (now < this.#renewBy) return true;
    const step = pauseMs + 2 * this.options.probeTimeoutMs;
    const until = now + 2 * step + 10_000;
    if (!(await this.leases.acquire(LEASE, this.#holder, now, until))) {
      this.#renewBy = 0;
      return false;
    }
    this.#renewBy = until - step - 5_000;
    return true;
  }

  /** One sweep over every live credential; false when another instance holds the lease (or it was lost). */
  async #sweep(started: number): Promise<boolean> {
    const total = await this.store.countLive();
    // The pause between two probes that spreads the sweep over one period.
    const pauseMs = this.options.everyMs / Math.max(total, 1);
    if (!(await this.#hold(pauseMs))) return false;
    const recent = timestampOf(new Date(started - this.options.everyMs / 2));
    const lanes = new ProbeSlots(this.options.concurrency, Math.max(1, Math.floor(this.options.concurrency / 2)));
    const probing = new Set<Promise<void>>();
    const start = (credential: SealedCredential, backoff: Backoff | undefined, release: () => void) => {
      const probe: Promise<void> = this.#probe(credential, backoff).finally(() => {
        release();
        probing.delete(probe);
      });
      probing.add(probe);
    };
    // Credentials whose owner has its share of the lanes already: probed once the walk is over, so that
    // they hold up no one else's.
    const deferred: [SealedCredential, Backoff | undefined][] = [];
    let after = '';
    let visited = 0;
    try {
      for (;;) {
        const batch = await this.store.findLiveAfter(after, BATCH);
        const backoffs = await this.backoffs.find(batch.map((c) => c.id));
        for (const credential of batch) {
          if (this.#stopped) return true;
          if (!(await this.#hold(pauseMs))) return false;
          const backoff = backoffs.get(credential.id);
          const current = backoff?.version === credential.version ? backoff : undefined;
          const due = (!credential.lastValidated || credential.lastValidated < recent) && !(current && current.retryAt > Date.now());
          if (due) {
            const owner = ownerKey(credential.owner);
            let release = lanes.tryTake(owner);
            if (!release && lanes.inFlight < lanes.capacity) deferred.push([credential, current]);
            else {
              release ??= await lanes.take(owner, this.#stop.signal);
              if (!release) return true;
              start(credential, current, release);
            }
          }
          visited += 1;
          await this.#sleep(started + pauseMs * visited - Date.now());
        }
        if (batch.length < BATCH) break;
        after = batch[batch.length - 1]!.id;
      }
      for (const [credential, backoff] of deferred) {
        if (!(await this.#hold(pauseMs))) return false;
        const release = await lanes.take(ownerKey(credential.owner), this.#stop.signal);
        if (!release) return true;
        start(credential, backoff, release);
      }
      return true;
    } finally {
      await Promise.all(probing);
    }
  }

  /** Probes one credential; a transient failure backs it off, a verdict ends its back-off. */
  async #probe(credential: SealedCredential, backoff: Backoff | undefined): Promise<void> {
    try {
      const result = await this.validation.revalidate(credential, BACKGROUND);
      if (!result) return;
      if (result.transientError) {
        const failures = (backoff?.failures ?? 0) + 1;
        await this.backoffs.record(credential.id, { version: credential.version, failures, retryAt: retryAt(Date.now(), this.options.everyMs, failures) });
      } else if (backoff) {
        await this.backoffs.clear(credential.id);
      }
    } catch (error) {
      this.options.onError(error);
    }
  }

  /** Waits `ms` (or until stopped); always yields to the event loop, even for nothing. */
  #sleep(ms: number): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(ms, 0));
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
