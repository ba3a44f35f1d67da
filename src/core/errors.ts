/**
 * Errors with a kind. A domain error says what went wrong in the domain's
 * words, one class per case, and carries its kind (invalid input, not found,
 * forbidden, conflict, unavailable…), a stable code for machines, and, for the
 * passing kinds, how long to wait before retrying. Each door maps kinds once,
 * in its own folder (REST to statuses, with the seed API's exceptions; GraphQL
 * to codes and typed errors; the CLI to exit codes): a new error needs no door
 * changed, a new door no shared table. Anything that is not a DomainError is
 * an unexpected failure: every door answers it with an error id that is logged.
 */
import { newId } from './ids.js';

export type ErrorKind =
  /** The request's input is invalid: nothing was changed. */
  | 'invalid'
  /** No valid credentials came with the request. */
  | 'unauthenticated'
  /** The caller may not do this. */
  | 'forbidden'
  /** What the caller named does not exist, or is not the caller's to see. */
  | 'not-found'
  /** The request conflicts with what is stored (a name taken, a limit reached). */
  | 'conflict'
  /** The request is understood but contradicts an earlier one (an idempotency key reused). */
  | 'rejected'
  /** The client must slow down. */
  | 'rate-limited'
  /** The service cannot do it right now (the database busy or gone, too many probes): retry. */
  | 'unavailable'
  /** No space left to store it: retry once space is freed. */
  | 'storage-full';

export abstract class DomainError extends Error {
  override name = this.constructor.name;
  abstract readonly kind: ErrorKind;
  /** A stable name for machines (GraphQL's `extensions.code`): the same whatever the message says. */
  abstract readonly code: string;
  /** Seconds after which a retry may succeed (the passing kinds). */
  readonly retryAfterSeconds?: number;
}

/** The kinds of a passing failure: the same request may succeed later. */
export const isPassing = (error: DomainError): boolean => error.kind === 'unavailable' || error.kind === 'storage-full' || error.kind === 'rate-limited';

export interface FieldProblem {
  /** Dotted path of the offending input field, e.g. `keys.secretKey` (empty for the input as a whole). */
  path: string;
  message: string;
}

/** The input is invalid: one problem per invalid field. Nothing was changed. */
export class ValidationError extends DomainError {
  readonly kind = 'invalid';
  readonly code = 'VALIDATION_FAILED';
  constructor(readonly problems: FieldProblem[]) {
    super(problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; '));
  }

  static of(path: string, message: string): ValidationError {
    return new ValidationError([{ path, message }]);
  }
}

/** No valid credentials came with the request. */
export class NotAuthenticated extends DomainError {
  readonly kind = 'unauthenticated';
  readonly code = 'UNAUTHENTICATED';
  constructor(message = 'Not authenticated: send Authorization: Bearer <access token>') {
    super(message);
  }
}

/** The caller may not act in the requested context. */
export class Forbidden extends DomainError {
  readonly kind = 'forbidden';
  readonly code: string = 'FORBIDDEN';
  constructor(message = 'Forbidden') {
    super(message);
  }
}

/** Something the caller named does not exist, or is not the caller's to see (the two look alike). */
export abstract class NotFound extends DomainError {
  readonly kind = 'not-found';
  readonly code: string = 'NOT_FOUND';
}

/** The request conflicts with what is stored. */
export abstract class Conflict extends DomainError {
  readonly kind = 'conflict';
}

/** The service cannot do it now; the same request may succeed after `retryAfterSeconds`. */
export abstract class Unavailable extends DomainError {
  readonly kind: ErrorKind = 'unavailable';
  abstract override readonly retryAfterSeconds: number;
}

/** A context holds as many of something as it may (a limit the operator sets); nothing was created. */
export class LimitReached extends Conflict {
  readonly code = 'LIMIT_REACHED';
  constructor(
    readonly what: string,
    readonly limit: number,
    readonly setting: string,
  ) {
    super(`Limit reached: at most ${limit} ${what}; delete some first (the operator sets the limit: ${setting})`);
  }
}

/** The database stayed locked by another process longer than the busy timeout; nothing was changed. */
export class StoreBusy extends Unavailable {
  readonly code = 'STORE_BUSY';
  readonly retryAfterSeconds = 1;
  constructor() {
    super('The database is busy: nothing was changed; retry shortly');
  }
}

/**
 * The database cannot be reached now (a restart, a failover, a dropped
 * connection): retry shortly. A change the request asked for was not
 * acknowledged; it is either done or not done, never half done.
 */
export class StoreUnavailable extends Unavailable {
  readonly code = 'STORE_UNAVAILABLE';
  readonly retryAfterSeconds = 2;
  constructor() {
    super('The database cannot be reached right now: retry shortly (a change this request asked for was not acknowledged)');
  }
}

/** The database has no space left: nothing was changed; it can be read, not written, until space is freed. */
export class StoreFull extends Unavailable {
  override readonly kind = 'storage-full';
  readonly code = 'STORE_FULL';
  readonly retryAfterSeconds = 30;
  constructor() {
    super('The database has no space left on its disk: nothing was changed; retry once space is freed');
  }
}

/** The database refuses writes (read-only: a standby after a failover, a read-only file or mount): nothing was changed. */
export class StoreReadOnly extends Unavailable {
  readonly code = 'STORE_READ_ONLY';
  readonly retryAfterSeconds = 5;
  constructor() {
    super('The database is read-only right now: nothing was changed; retry shortly');
  }
}

/** The client failed to authenticate too often: it must wait before trying again. */
export class TooManyFailedAuthentications extends DomainError {
  readonly kind = 'rate-limited';
  readonly code = 'TOO_MANY_FAILED_AUTHENTICATIONS';
  constructor(override readonly retryAfterSeconds: number) {
    super(`Too many failed authentications: retry after ${retryAfterSeconds} seconds`);
  }
}

/** The request was not answered within the time a request may take; what it asked may still be done. */
export class NotAnsweredInTime extends Unavailable {
  readonly code = 'NOT_ANSWERED_IN_TIME';
  readonly retryAfterSeconds = 1;
  constructor() {
    super('The request was not answered in time and was stopped; a change it asked for may still have been made: check before retrying');
  }
}

/** Something that writes a log line with an object of fields. */
export interface ErrorLog {
  error(fields: object, message: string): void;
}

/**
 * An unexpected failure: logged with a new error id (and the error itself, for
 * the operator), which is all the client is told.
 */
export function logUnexpected(log: ErrorLog, error: unknown, message = 'unexpected error'): string {
  const errorId = newId();
  log.error({ errorId, err: error }, message);
  return errorId;
}
