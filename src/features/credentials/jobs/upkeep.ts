/**
 * The credentials' upkeep, in the background of every server: once a minute
 * (CREDENTIAL_RECOVERY_WINDOW's purge and the expiry rule),
 *
 * - deleted credentials whose recovery window has passed are purged: their
 *   sealed secret and every version destroyed, audited (`credential.purge`,
 *   by `background`);
 * - on SQLite, the write-ahead log is checkpointed and truncated, so bytes
 *   destroyed since (purges, versions beyond CREDENTIAL_VERSIONS_KEPT) leave
 *   the WAL file too (secure_delete has overwritten them in the database file);
 * - live credentials whose expiry has passed, and that no validation since
 *   has found valid, are marked INVALID (`credential.expire`);
 * - live credentials expiring within 7 days, then within 1 day, get a notice
 *   each (`credential.expiring`, detail `7d` or `1d`: webhooks hear of it).
 *
 * Several instances on one database: one runs it at a time, under a lease
 * (another takes over when the holder dies). Every step is a conditional
 * statement, so a step run twice does nothing the second time.
 */
import type { AuditActor } from '../../../core/caller.js';
import { LeasedJob, type Leases } from '../../../core/leased-job.js';
import type { CredentialStore } from '../ports.js';

/** The lease of the upkeep: held by a running server (restore refuses while it is). */
export const UPKEEP_LEASE = 'credential-upkeep';
/** The status message of a credential past its expiry (the rule of docs/api-graphql.md). */
export const EXPIRED_MESSAGE = 'Expired: its expiresAt has passed, and no validation since has found it valid';
const BACKGROUND: AuditActor = { actor: 'background', door: 'background' };
/** Credentials purged per statement batch (each purge is its own transaction). */
const PURGE_BATCH = 100;

export interface UpkeepOptions {
  everyMs: number;
  recoveryWindowMs: number;
  /** The time, in epoch milliseconds (a test's clock). */
  clock: () => number;
  onError: (error: unknown) => void;
}

export interface UpkeepRun {
  /** False: another instance holds the lease, and this one did nothing. */
  ran: boolean;
  purged: number;
  expired: number;
  /** Expiry notices written. */
  notices: number;
}

/** The expiry notices: a week ahead, and a day ahead. */
export const EXPIRY_NOTICES = [
  { notice: '7d', withinMs: 7 * 86_400_000 },
  { notice: '1d', withinMs: 86_400_000 },
] as const;

export class CredentialUpkeep {
  readonly #job: LeasedJob<UpkeepRun>;

  constructor(
    private readonly store: Pick<CredentialStore, 'findPurgeable' | 'forgetDestroyed' | 'markExpired' | 'markExpiring' | 'purge'>,
    leases: Leases,
    private readonly options: UpkeepOptions,
  ) {
    // The lease outlasts a run by far; the next run (an interval later) renews it.
    this.#job = new LeasedJob(leases, UPKEEP_LEASE, options.everyMs, () => this.#run(), options.onError);
  }

  start(): void {
    this.#job.start();
  }

  /** Stops the timer, waits for a run in progress, and gives the lease up. */
  stop(): Promise<void> {
    return this.#job.stop();
  }

  /** One run now (one at a time: a call during a run waits for it). */
  async run(): Promise<UpkeepRun> {
    return (await this.#job.run()) ?? { ran: false, purged: 0, expired: 0, notices: 0 };
  }

  async #run(): Promise<UpkeepRun> {
    const now = this.options.clock();
    let purged = 0;
    const before = new Date(now - this.options.recoveryWindowMs);
    for (;;) {
      const ids = await this.store.findPurgeable(before, PURGE_BATCH);
      for (const id of ids) if (await this.store.purge(undefined, id, new Date(now), BACKGROUND, 'recovery window over')) purged++;
      if (ids.length < PURGE_BATCH) break;
    }
    // Versions beyond the kept number are destroyed by updates too: the log is truncated after anything was destroyed.
    await this.store.forgetDestroyed();
    const expired = await this.store.markExpired(new Date(now), EXPIRED_MESSAGE, BACKGROUND);
    const notices = await this.store.markExpiring(new Date(now), EXPIRY_NOTICES, BACKGROUND);
    return { ran: true, purged, expired, notices };
  }
}
