/**
 * Probe slots: how many probes may be in flight at once on this instance, and
 * how many of them one owner's credentials (a user's own, a workspace's) may
 * hold, so that one user's slow or never-answering credentials cannot take the
 * slots everyone else needs. A person's validation takes a slot or is refused
 * at once (503, retry shortly); the background sweep waits for one.
 */
export class ProbeSlots {
  #total = 0;
  readonly #byOwner = new Map<string, number>();
  readonly #waiting: (() => void)[] = [];

  constructor(
    /** Probes in flight at once, in all. */
    readonly capacity: number,
    /** Of those, held by one owner's credentials at once. */
    readonly perOwner: number,
  ) {}

  /** A slot for `owner`, and the function that gives it back; undefined when none is free for it. */
  tryTake(owner: string): (() => void) | undefined {
    const held = this.#byOwner.get(owner) ?? 0;
    if (this.#total >= this.capacity || held >= this.perOwner) return undefined;
    this.#total++;
    this.#byOwner.set(owner, held + 1);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.#total--;
      const left = (this.#byOwner.get(owner) ?? 1) - 1;
      if (left === 0) this.#byOwner.delete(owner);
      else this.#byOwner.set(owner, left);
      // Whoever waits looks again (the freed slot may be another owner's share).
      for (const wake of this.#waiting.splice(0)) wake();
    };
  }

  /** Waits for a slot for `owner` (or for `signal` to abort: undefined). */
  async take(owner: string, signal?: AbortSignal): Promise<(() => void) | undefined> {
    for (;;) {
      if (signal?.aborted) return undefined;
      const release = this.tryTake(owner);
      if (release) return release;
      await new Promise<void>((resolve) => {
        const wake = () => {
          signal?.removeEventListener('abort', wake);
          resolve();
        };
        this.#waiting.push(wake);
        signal?.addEventListener('abort', wake, { once: true });
      });
    }
  }

  /** Probes in flight now (metrics, tests). */
  get inFlight(): number {
    return this.#total;
  }
}
