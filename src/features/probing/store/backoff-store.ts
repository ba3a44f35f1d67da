/**
 * The one owner of probe back-off: for each credential whose background probes
 * failed transiently in a row, how many times, and when it may be probed next.
 * Kept per row version of the credential: a change of the credential (new
 * keys, a new base URL) starts afresh, without this store being told.
 */
import type { Database } from '../../../platform/db/client.js';
import type { Backoff } from '../model.js';
import type { BackoffStore } from '../ports.js';

export class PrismaBackoffStore implements BackoffStore {
  constructor(private readonly db: Database) {}

  /** The back-offs of these credentials (those that have one). */
  async find(credentialIds: readonly string[]): Promise<Map<string, Backoff>> {
    if (credentialIds.length === 0) return new Map();
    const rows = await this.db.probeBackoff.findMany({ where: { credentialId: { in: [...credentialIds] } } });
    return new Map(rows.map((r) => [r.credentialId, { version: r.version, failures: r.failures, retryAt: Number(r.retryAt) }]));
  }

  /** Records another transient failure at `version` (the first, when the version changed), to retry at `retryAt`. */
  async record(credentialId: string, backoff: Backoff): Promise<void> {
    const row = { version: backoff.version, failures: backoff.failures, retryAt: BigInt(Math.ceil(backoff.retryAt)) };
    await this.db.probeBackoff.upsert({ where: { credentialId }, create: { credentialId, ...row }, update: row });
  }

  /** Forgets the back-off: a probe decided. */
  async clear(credentialId: string): Promise<void> {
    await this.db.probeBackoff.deleteMany({ where: { credentialId } });
  }
}
