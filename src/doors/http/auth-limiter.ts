/**
 * Slows down token guessing: a client (by IP address) that fails
 * authentication `perMinute` times within a minute is refused with 429 until
 * the minute is over. Kept in memory, per process. An IPv6 client is counted
 * by its /64 network: one host holds a whole /64 and could spread its
 * attempts over as many addresses as it likes.
 */
import { isIPv6 } from 'node:net';

const WINDOW_MS = 60_000;
const MAX_CLIENTS = 50_000;

/** What the limiter counts a client address as: an IPv4 address (also when IPv4-mapped), or an IPv6 /64. */
export function clientKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!isIPv6(address)) return address;
  // Expand `::` to the missing groups, then keep the first four (64 bits).
  const [head = '', tail = ''] = address.split('%')[0]!.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = address.includes('::') ? (tail ? tail.split(':') : []) : [];
  const groups = address.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

export class AuthFailureLimiter {
  readonly #windows = new Map<string, { start: number; failures: number }>();

  constructor(private readonly perMinute: number) {}

  /** Seconds the client must wait, or 0 when it may try. */
  retryAfterSeconds(address: string, now = Date.now()): number {
    const window = this.#windows.get(clientKey(address));
    if (!window || now - window.start >= WINDOW_MS) return 0;
    return window.failures >= this.perMinute ? Math.ceil((window.start + WINDOW_MS - now) / 1000) : 0;
  }

  recordFailure(address: string, now = Date.now()): void {
    const client = clientKey(address);
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
