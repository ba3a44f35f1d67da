/**
 * A background job that runs every so often on one instance at a time: each
 * run first takes (or extends) a named lease for three periods, so another
 * instance's run waits until this one stops or dies. A run asked for during a
 * run waits for that run. Used by the jobs that must not run twice at once
 * (Wave pairing renewal, the OIDC signing-key rotation).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/** The leases a job takes (the lease store). */
export interface Leases {
  acquire(name: string, holder: string, now: number, until: number): Promise<boolean>;
  release(name: string, holder: string): Promise<void>;
}

export class LeasedJob<T> {
  readonly #holder = `${hostname()}:${process.pid}:${randomUUID()}`;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<T | undefined> | undefined;

  constructor(
    private readonly leases: Leases,
    private readonly lease: string,
    private readonly everyMs: number,
    private readonly work: () => Promise<T>,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    if (this.#timer) return;
    const tick = () => void this.run().catch(this.onError);
    this.#timer = setInterval(tick, this.everyMs);
    this.#timer.unref();
    tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => {});
    await this.leases.release(this.lease, this.#holder).catch(() => {});
  }

  /** One run now; undefined: another instance holds the lease. */
  run(): Promise<T | undefined> {
    this.#running ??= (async () => {
      if (!(await this.leases.acquire(this.lease, this.#holder, Date.now(), Date.now() + 3 * this.everyMs))) return undefined;
      return this.work();
    })().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }
}
