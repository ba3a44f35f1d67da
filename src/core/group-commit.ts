/**
 * Group commit: a caller waits until its item is committed (an item whose
 * write fails fails its caller), and the items that arrive while one write is
 * in flight are written together by the next — one commit (one fsync on
 * SQLite) serves many callers. A write starts on the next turn of the event
 * loop (setImmediate), so that every item submitted in this turn joins it:
 * SQLite's writes run synchronously, and would otherwise each take one item.
 */
export class GroupCommit<T, R> {
  readonly #waiting: { item: T; resolve: (result: R) => void; reject: (error: unknown) => void }[] = [];
  #writing = false;

  /**
   * @param write writes a batch in one commit; its answer: one result per item, in order.
   * @param limit at most this much per write (by `size`: default, one per item).
   */
  constructor(
    private readonly write: (items: readonly T[]) => Promise<readonly R[]>,
    private readonly limit = 500,
    private readonly size: (item: T) => number = () => 1,
  ) {}

  /** Resolves with the item's result once its batch is committed. */
  submit(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject });
      if (!this.#writing) {
        this.#writing = true;
        setImmediate(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    try {
      while (this.#waiting.length > 0) {
        let taken = 0;
        let count = 0;
        while (count < this.#waiting.length && (count === 0 || taken + this.size(this.#waiting[count]!.item) <= this.limit)) {
          taken += this.size(this.#waiting[count]!.item);
          count++;
        }
        const batch = this.#waiting.splice(0, count);
        try {
          const results = await this.write(batch.map((w) => w.item));
          for (const [i, w] of batch.entries()) w.resolve(results[i]!);
        } catch (error) {
          for (const w of batch) w.reject(error);
        }
      }
    } finally {
      this.#writing = false;
    }
  }
}
