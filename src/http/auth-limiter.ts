/**
 * Slows down token guessing: a client (by IP address) that fails
 * authentication `perMinute` times within a minute is refused with 429 until
 * the minute is over. Kept in memory, per process.
 */
const WINDOW_MS = 60_000;
const MAX_CLIENTS = 50_000;

export class AuthFailureLimiter {
  readonly #windows = new Map<string, { start: number; failures: number }>();

  constructor(private readonly perMinute: number) {}

  /** Seconds the client must wait, or 0 when it may try. */
  retryAfterSeconds(client: string, now = Date.now()): number {
    const window = this.#windows.get(client);
    if (!window || now - window.start >= WINDOW_MS) return 0;
    return window.failures >= this.perMinute ? Math.ceil((window.start + WINDOW_MS - now) / 1000) : 0;
  }

  recordFailure(client: string, now = Date.now()): void {
    const window = this.#windows.get(client);
    if (window && now - window.start < WINDOW_MS) {
      window.failures++;
      return;
    }
    if (this.#windows.size >= MAX_CLIENTS) this.#evictExpired(now);
    this.#windows.set(client, { start: now, failures: 1 });
  }

  #evictExpired(now: number): void {
    for (const [client, window] of this.#windows) if (now - window.start >= WINDOW_MS) this.#windows.delete(client);
    // Still full: forget the oldest windows rather than grow without bound.
    for (const client of this.#windows.keys()) {
      if (this.#windows.size < MAX_CLIENTS) break;
      this.#windows.delete(client);
    }
  }
}
