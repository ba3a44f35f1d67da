/**
 * Wave pairings renewed before Wave's lease (a day by default) runs out: once
 * a minute, one instance at a time (a lease), every `wave` pairing last
 * confirmed longer ago than WAVE_PAIRING_RENEW_EVERY is asked for again (see
 * Pairings.renewWave). A Wave that cannot be reached is logged and tried again
 * the next minute.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { LeaseStore } from '../../db/lease-store.js';
import type { Pairings } from './pairings.js';

export const RENEWAL_LEASE = 'wave-pairing-renewal';
const EVERY_MS = 60_000;

export interface RenewalOptions {
  renewEveryMs: number;
  graceMs: number;
  onFailure: (pairingId: string, reason: string) => void;
  onError: (error: unknown) => void;
}

export class WavePairingRenewal {
  readonly #holder = `${hostname()}:${process.pid}:${randomUUID()}`;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;

  constructor(
    private readonly pairings: Pairings,
    private readonly leases: LeaseStore,
    private readonly options: RenewalOptions,
  ) {}

  start(): void {
    if (this.#timer) return;
    const tick = () => void this.run().catch(this.options.onError);
    this.#timer = setInterval(tick, EVERY_MS);
    this.#timer.unref();
    tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => {});
    await this.leases.release(RENEWAL_LEASE, this.#holder).catch(() => {});
  }

  /** One run now (a call during a run waits for it); undefined: another instance holds the lease. */
  run(): Promise<{ renewed: number; replaced: number } | undefined> {
    this.#running ??= (async () => {
      if (!(await this.leases.acquire(RENEWAL_LEASE, this.#holder, Date.now(), Date.now() + 3 * EVERY_MS))) return undefined;
      return this.pairings.renewWave(this.options.renewEveryMs, this.options.graceMs, this.options.onFailure);
    })().finally(() => {
      this.#running = undefined;
    });
    return this.#running as Promise<{ renewed: number; replaced: number } | undefined>;
  }
}
