/**
 * What a failed statement says about the database, in the domain's words, and
 * the state of the database as this process last saw it.
 *
 * One classification for every driver and wrapper (Prisma's codes, the driver
 * adapters' error kinds, better-sqlite3's and pg's own errors, Node's socket
 * errors): busy (a lock held past the busy timeout), unreachable (a restart, a
 * failover, a terminated backend, no route), full (no space left for the
 * database) and read-only. Each becomes a domain error the doors answer with a
 * retryable status; nothing else is touched.
 *
 * StoreHealth remembers the last failure of each kind that lasts (unreachable,
 * unwritable), reports each change of state once (not once per request), and
 * tells readiness what it needs to know.
 */
import { StoreBusy, StoreFull, StoreReadOnly, StoreUnavailable } from '../../core/errors.js';

export type StoreFailure = 'busy' | 'unreachable' | 'full' | 'read-only';

/** PostgreSQL's codes: class 08 (connection exception), 57P01-57P03 (shut down, cannot connect now), 53300 (too many connections). */
const PG_UNREACHABLE = /^(08...|57P0[123]|53300)$/;
const ERRNO_UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
]);
const KIND_UNREACHABLE = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'TooManyConnections', 'TlsConnectionError']);
/** Prisma: cannot reach (P1001), timed out (P1002), the server closed the connection (P1017), no connection from the pool in time (P2024). */
const PRISMA_UNREACHABLE = new Set(['P1001', 'P1002', 'P1017', 'P2024']);
/** pg's own words for a connection that went away (these errors carry no code). */
const MESSAGE_UNREACHABLE =
  /Connection terminated|timeout exceeded when trying to connect|is not queryable|Client was closed|Connection ended|terminating connection|the database system is (starting up|shutting down|in recovery mode)/i;
/** SQLite's primary result codes (the low byte of an extended code). */
const SQLITE_READONLY = 8;
const SQLITE_FULL = 13;

interface ErrorShape {
  code?: unknown;
  originalCode?: unknown;
  kind?: unknown;
  extendedCode?: unknown;
  message?: unknown;
  meta?: { driverAdapterError?: { cause?: ErrorShape } };
  cause?: unknown;
}

/** The error and what it wraps (Prisma's driver adapter error, an error's cause), at most a few levels deep. */
function layers(error: unknown): ErrorShape[] {
  const found: ErrorShape[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const e = current as ErrorShape;
    found.push(e);
    const adapterCause = e.meta?.driverAdapterError?.cause;
    if (adapterCause) found.push(adapterCause);
    current = e.cause;
  }
  return found;
}

/** What kind of database failure `error` is, or undefined when it is none of them (a bug, a constraint). */
export function storeFailureOf(error: unknown): StoreFailure | undefined {
  let verdict: StoreFailure | undefined;
  for (const e of layers(error)) {
    const codes = [e.code, e.originalCode].filter((c): c is string => typeof c === 'string');
    const extended = typeof e.extendedCode === 'number' ? e.extendedCode & 0xff : undefined;
    const message = typeof e.message === 'string' ? e.message : '';
    if (codes.some((c) => c.startsWith('SQLITE_FULL') || c === '53100') || extended === SQLITE_FULL) return 'full';
    if (codes.some((c) => c.startsWith('SQLITE_READONLY') || c === '25006') || extended === SQLITE_READONLY) return 'read-only';
    if (
      codes.some((c) => PG_UNREACHABLE.test(c) || ERRNO_UNREACHABLE.has(c) || PRISMA_UNREACHABLE.has(c)) ||
      (typeof e.kind === 'string' && KIND_UNREACHABLE.has(e.kind)) ||
      MESSAGE_UNREACHABLE.test(message)
    ) {
      verdict = 'unreachable';
      continue;
    }
    // A statement that waited out the busy timeout: Prisma's P1008, better-sqlite3's SQLITE_BUSY (as the
    // adapter's SocketTimeout), PostgreSQL's lock timeout (55P03); a transaction that ran out of its time or
    // found no connection in time (P2028) waited on others too.
    if (
      codes.some((c) => c === 'P1008' || c === 'P2028' || c === '55P03' || c.startsWith('SQLITE_BUSY')) ||
      e.kind === 'SocketTimeout' ||
      /lock timeout/.test(message)
    ) {
      verdict ??= 'busy';
    }
  }
  return verdict;
}

/** The domain error of a database failure; any other error is returned as it is. */
export function asStoreError(error: unknown): unknown {
  switch (storeFailureOf(error)) {
    case 'busy':
      return new StoreBusy();
    case 'unreachable':
      return new StoreUnavailable();
    case 'full':
      return new StoreFull();
    case 'read-only':
      return new StoreReadOnly();
    default:
      return error;
  }
}

/** A failure's reason for a log line: its code and the first line of its message, never the objects it carries (a pg client, its SQL). */
export function failureReason(error: unknown): string {
  const e = error as ErrorShape;
  const code = layers(error)
    .flatMap((l) => [l.code, l.originalCode])
    .find((c) => typeof c === 'string');
  const message = typeof e?.message === 'string' ? e.message.split('\n')[0]!.slice(0, 200) : String(error).slice(0, 200);
  return code ? `${message} (${code})` : message;
}

/** A change of the database's state as this process sees it. */
export interface StoreEvent {
  state: 'unreachable' | 'reachable' | 'unwritable' | 'writable';
  /** What failed (unreachable, unwritable). */
  reason?: string;
}

/**
 * The database's state as this process last saw it: reachable or not,
 * writable or not. Each change is reported once; every statement that
 * succeeds or fails tells it.
 */
export class StoreHealth {
  #unreachable: string | undefined;
  #unwritable: string | undefined;

  constructor(private readonly onEvent: (event: StoreEvent) => void = () => {}) {}

  /** Why the database could not be reached last time, while no statement has succeeded since. */
  get unreachable(): string | undefined {
    return this.#unreachable;
  }

  /** Why the database could not be written last time, while no write has succeeded since. */
  get unwritable(): string | undefined {
    return this.#unwritable;
  }

  /** A statement failed: remembers a failure that lasts. */
  failed(error: unknown): void {
    const failure = storeFailureOf(error);
    if (failure === 'unreachable') {
      if (this.#unreachable === undefined) {
        this.#unreachable = failureReason(error);
        this.onEvent({ state: 'unreachable', reason: this.#unreachable });
      }
    } else if (failure === 'full' || failure === 'read-only') {
      this.#reachable();
      if (this.#unwritable === undefined) {
        this.#unwritable =
          failure === 'full' ? `no space left for the database: ${failureReason(error)}` : `the database is read-only: ${failureReason(error)}`;
        this.onEvent({ state: 'unwritable', reason: this.#unwritable });
      }
    }
  }

  /** A statement succeeded (a write, when `write`). */
  succeeded(write: boolean): void {
    if (this.#unreachable !== undefined) this.#reachable();
    if (write && this.#unwritable !== undefined) {
      this.#unwritable = undefined;
      this.onEvent({ state: 'writable' });
    }
  }

  #reachable(): void {
    if (this.#unreachable === undefined) return;
    this.#unreachable = undefined;
    this.onEvent({ state: 'reachable' });
  }
}
