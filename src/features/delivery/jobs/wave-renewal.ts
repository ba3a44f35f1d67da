/**
 * Wave pairings renewed before Wave's lease (a day by default) runs out: once
 * a minute, one instance at a time (a lease), every `wave` pairing last
 * confirmed longer ago than WAVE_PAIRING_RENEW_EVERY is asked for again (see
 * Pairings.renewWave). A Wave that cannot be reached is logged and tried again
 * the next minute.
 */
import { LeasedJob, type Leases } from '../../../core/leased-job.js';
import type { Pairings } from '../use-cases/pairings.js';

export const RENEWAL_LEASE = 'wave-pairing-renewal';
const EVERY_MS = 60_000;

export interface RenewalOptions {
  renewEveryMs: number;
  graceMs: number;
  onFailure: (pairingId: string, reason: string) => void;
  onError: (error: unknown) => void;
}

export class WavePairingRenewal extends LeasedJob<{ renewed: number; replaced: number }> {
  constructor(pairings: Pairings, leases: Leases, options: RenewalOptions) {
    super(leases, RENEWAL_LEASE, EVERY_MS, () => pairings.renewWave(options.renewEveryMs, options.graceMs, options.onFailure), options.onError);
  }
}
