/**
 * Key rotation: which keys seal how many secrets, and re-sealing every secret
 * under the primary key in batches. Each batch commits on its own, and a row
 * is rewritten only if it still holds the value that was read, so rotation
 * runs while the service serves, and can stop and resume at any point.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '../db/client.js';
import { auditColumns, sealingContext } from '../credentials/service.js';
import type { KeyRingSource } from './keyring.js';

export interface ResealProgress {
  /** Secrets re-sealed so far by this run. */
  resealed: number;
  /** Secrets still sealed by a key other than the primary one. */
  remaining: number;
  /** Ids of credentials whose secret could not be opened (left as they are). */
  unreadable: string[];
}

export interface ResealOptions {
  batchSize?: number;
  /** Pause between batches, to spare a busy service. */
  pauseMs?: number;
  /** Stop after this many secrets (the rest stays for a later run). */
  limit?: number;
  /** Checked between batches: true stops the run cleanly. */
  shouldStop?: () => boolean;
}

export class KeyRotation {
  constructor(
    private readonly db: Database,
    private readonly keys: KeyRingSource,
  ) {}

  /**
   * How many stored secrets each key id seals: the keys of the ring, and any
   * other key id found in stored secrets (a key missing from the ring).
   */
  async usage(): Promise<Map<string, number>> {
    const usage = new Map<string, number>();
    const prefixes = this.keys.ring.keyIds.map((id) => ({ id, prefix: `v1:${id}:` }));
    for (const { id, prefix } of prefixes) {
      const count = await this.db.credential.count({ where: { secret: { startsWith: prefix } } });
      if (count > 0) usage.set(id, count);
    }
    const others = await this.db.credential.findMany({
      where: { secret: { not: null }, NOT: prefixes.map(({ prefix }) => ({ secret: { startsWith: prefix } })) },
      select: { secret: true },
    });
    for (const { secret } of others) {
      const id = secret!.split(':')[1] ?? '?';
      usage.set(id, (usage.get(id) ?? 0) + 1);
    }
    return usage;
  }

  async countNotUnderPrimary(): Promise<number> {
    return this.db.credential.count({ where: this.#notUnderPrimary() });
  }

  /** Re-seals secrets under the primary key, batch by batch, reporting progress after each. */
  async *reseal(options: ResealOptions = {}): AsyncGenerator<ResealProgress> {
    const batchSize = options.batchSize ?? 100;
    const unreadable: string[] = [];
    let resealed = 0;
    for (;;) {
      const room = options.limit === undefined ? batchSize : Math.min(batchSize, options.limit - resealed);
      if (room <= 0 || options.shouldStop?.()) break;
      const rows = await this.db.credential.findMany({
        where: { ...this.#notUnderPrimary(), ...(unreadable.length ? { id: { notIn: unreadable } } : {}) },
        select: { id: true, userId: true, provider: true, secret: true },
        orderBy: { id: 'asc' },
        take: room,
      });
      if (rows.length === 0) break;
      for (const row of rows) {
        const context = sealingContext(row.id, row.userId, row.provider);
        let plaintext: string;
        try {
          plaintext = this.keys.open(row.secret!, context);
        } catch {
          unreadable.push(row.id);
          continue;
        }
        const { count } = await this.db.credential.updateMany({
          where: { id: row.id, secret: row.secret },
          data: { secret: this.keys.seal(plaintext, context), ...auditColumns('reseal', 'operator', 'cli') },
        });
        // count 0: changed meanwhile by an update, which sealed it under the primary key already (or deleted it).
        resealed += count;
      }
      yield { resealed, remaining: await this.countNotUnderPrimary(), unreadable: [...unreadable] };
      if (options.pauseMs) await sleep(options.pauseMs);
    }
    yield { resealed, remaining: await this.countNotUnderPrimary(), unreadable };
  }

  #notUnderPrimary() {
    return { secret: { not: null }, NOT: { secret: { startsWith: `v1:${this.keys.ring.primaryId}:` } } };
  }
}

