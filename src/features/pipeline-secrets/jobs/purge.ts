/**
 * The recovery window's end for pipeline secrets: once a minute, on one instance at a time (a lease), the values of
 * secrets deleted longer ago than CREDENTIAL_RECOVERY_WINDOW are destroyed (audited `pipeline_secret.purge`, by
 * `background`); their rows stay, marked purged, so the trail keeps naming them.
 */
import type { AuditActor } from '../../../core/caller.js';
import { LeasedJob, type Leases } from '../../../core/leased-job.js';
import type { PipelineSecretStore } from '../ports.js';

export const PURGE_LEASE = 'pipeline-secret-purge';
/** Secrets purged per run at most (the next run takes the rest). */
const BATCH = 500;
const BACKGROUND: AuditActor = { actor: 'background', door: 'background' };

export class PipelineSecretPurge {
  readonly #job: LeasedJob<number>;

  constructor(
    private readonly store: Pick<PipelineSecretStore, 'findPurgeable' | 'purge'>,
    leases: Leases,
    private readonly options: { everyMs: number; recoveryWindowMs: number; clock: () => number; onError: (error: unknown) => void },
  ) {
    this.#job = new LeasedJob(leases, PURGE_LEASE, options.everyMs, () => this.#run(), options.onError);
  }

  start(): void {
    this.#job.start();
  }

  stop(): Promise<void> {
    return this.#job.stop();
  }

  /** One run now (waits for one in progress); how many values it destroyed (0 when another instance holds the lease). */
  async run(): Promise<number> {
    return (await this.#job.run()) ?? 0;
  }

  async #run(): Promise<number> {
    const now = this.options.clock();
    let purged = 0;
    for (const id of await this.store.findPurgeable(new Date(now - this.options.recoveryWindowMs), BATCH)) {
      if (await this.store.purge(undefined, id, new Date(now), BACKGROUND)) purged++;
    }
    return purged;
  }
}
