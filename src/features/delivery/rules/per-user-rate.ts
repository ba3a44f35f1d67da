/**
 * At most `perMinute` events of one user in any minute on this instance (a window that slides by the second: the
 * counts of the last 60 one-second slots), for the users seen last (at most `users` kept: an old one forgotten
 * starts afresh, which only ever lets a user through). Per user, whatever the token: a user's many tokens share it.
 */
import { LRUCache } from 'lru-cache';

const SLOTS = 60;

export class PerUserRate {
  readonly #windows: LRUCache<string, { slots: Uint32Array; at: number }>;

  constructor(
    private readonly perMinute: number,
    private readonly clock: () => number = Date.now,
    users = 10_000,
  ) {
    this.#windows = new LRUCache({ max: users });
  }

  /** Takes one event of the user: undefined when allowed, else the seconds until one is. */
  take(userId: string): number | undefined {
    const second = Math.floor(this.clock() / 1000);
    let window = this.#windows.get(userId);
    if (!window) {
      window = { slots: new Uint32Array(SLOTS), at: second };
      this.#windows.set(userId, window);
    }
    // Slots of seconds that passed since the last event are emptied.
    for (let s = window.at + 1; s <= second && s <= window.at + SLOTS; s++) window.slots[s % SLOTS] = 0;
    window.at = Math.max(window.at, second);
    let total = 0;
    for (const count of window.slots) total += count;
    if (total >= this.perMinute) {
      // The oldest slot holding events frees first.
      for (let s = second - SLOTS + 1; s <= second; s++) if (window.slots[((s % SLOTS) + SLOTS) % SLOTS]! > 0) return s + SLOTS - second;
      return 1;
    }
    window.slots[second % SLOTS]! += 1;
    return undefined;
  }
}
