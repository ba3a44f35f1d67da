/**
 * The audit of reads (AUDIT_READS=true), written with group commit
 * (src/core/group-commit.ts): a read waits until its rows are committed (a
 * read whose rows cannot be written fails), and the rows of the reads that
 * arrive while one write is in flight are written together by the next, in one
 * statement of at most 500 rows.
 */
import { GroupCommit } from '../../../core/group-commit.js';
import type { ReadEvent } from '../model.js';

/** Rows written per statement at most. */
const BATCH = 500;

export class ReadAudit {
  readonly #commit: GroupCommit<readonly ReadEvent[], undefined>;

  constructor(write: (events: readonly ReadEvent[]) => Promise<void>) {
    this.#commit = new GroupCommit(
      async (batches) => {
        await write(batches.flat());
        return batches.map(() => undefined);
      },
      BATCH,
      (events) => events.length,
    );
  }

  /** Resolves once the rows are committed. */
  async record(events: readonly ReadEvent[]): Promise<void> {
    await this.#commit.submit(events);
  }
}
