/**
 * The audit of reads (AUDIT_READS=true), written with group commit: a read
 * waits until its row is committed (a read whose row cannot be written fails),
 * and the rows of the reads that arrive while one write is in flight are
 * written together by the next, in one statement: one commit (one fsync on
 * SQLite) serves many reads. A write starts on the next turn of the event
 * loop (setImmediate), so that every read answered in this turn joins it:
 * SQLite's writes run synchronously, and would otherwise each take one read.
 */
import type { ReadEvent } from '../../db/audit-store.js';

/** Rows written per statement at most. */
const BATCH = 500;

interface Waiting {
  events: readonly ReadEvent[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class ReadAudit {
  readonly #waiting: Waiting[] = [];
  #writing = false;

  constructor(private readonly write: (events: readonly ReadEvent[]) => Promise<void>) {}

  /** Resolves once the rows are committed. */
  record(events: readonly ReadEvent[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ events, resolve, reject });
      if (!this.#writing) {
        this.#writing = true;
        setImmediate(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    try {
      while (this.#waiting.length > 0) {
        const batch: Waiting[] = [];
        let rows = 0;
        while (this.#waiting.length > 0 && rows < BATCH) {
          const next = this.#waiting.shift()!;
          batch.push(next);
          rows += next.events.length;
        }
        try {
          await this.write(batch.flatMap((w) => w.events));
          for (const w of batch) w.resolve();
        } catch (error) {
          for (const w of batch) w.reject(error);
        }
      }
    } finally {
      this.#writing = false;
    }
  }
}
