/**
 * Errors that any part of the app may raise, one class per case. A domain
 * error says what went wrong in the domain's words; how each door answers it
 * (HTTP status and body, GraphQL type or code, CLI exit code) is written once,
 * in src/doors/error-table.ts. Anything that is not a DomainError is an
 * unexpected failure: every door answers it with an error id that is logged.
 */
export abstract class DomainError extends Error {
  override name = this.constructor.name;
}

export interface FieldProblem {
  /** Dotted path of the offending input field, e.g. `keys.secretKey` (empty for the input as a whole). */
  path: string;
  message: string;
}

/** The input is invalid: one problem per invalid field. Nothing was changed. */
export class ValidationError extends DomainError {
  constructor(readonly problems: FieldProblem[]) {
    super(problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; '));
  }

  static of(path: string, message: string): ValidationError {
    return new ValidationError([{ path, message }]);
  }
}

/** No valid credentials came with the request. */
export class NotAuthenticated extends DomainError {
  constructor(message = 'Not authenticated: send Authorization: Bearer <access token>') {
    super(message);
  }
}

/** The caller may not act in the requested context. */
export class Forbidden extends DomainError {
  constructor(message = 'Forbidden') {
    super(message);
  }
}

/** Something the caller named does not exist, or is not the caller's to see (the two look alike). */
export abstract class NotFound extends DomainError {}

/** A context holds as many of something as it may (a limit the operator sets); nothing was created. */
export class LimitReached extends DomainError {
  constructor(
    readonly what: string,
    readonly limit: number,
    readonly setting: string,
  ) {
    super(`Limit reached: at most ${limit} ${what}; delete some first (the operator sets the limit: ${setting})`);
  }
}

/** The database stayed locked by another process longer than the busy timeout; nothing was changed. */
export class StoreBusy extends DomainError {
  constructor() {
    super('The database is busy: nothing was changed; retry shortly');
  }
}

/**
 * The database cannot be reached now (a restart, a failover, a dropped
 * connection): retry shortly. A change the request asked for was not
 * acknowledged; it is either done or not done, never half done.
 */
export class StoreUnavailable extends DomainError {
  constructor() {
    super('The database cannot be reached right now: retry shortly (a change this request asked for was not acknowledged)');
  }
}

/** The database has no space left: nothing was changed; it can be read, not written, until space is freed. */
export class StoreFull extends DomainError {
  constructor() {
    super('The database has no space left on its disk: nothing was changed; retry once space is freed');
  }
}

/** The database refuses writes (read-only: a standby after a failover, a read-only file or mount): nothing was changed. */
export class StoreReadOnly extends DomainError {
  constructor() {
    super('The database is read-only right now: nothing was changed; retry shortly');
  }
}

/** The client failed to authenticate too often: it must wait before trying again. */
export class TooManyFailedAuthentications extends DomainError {
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many failed authentications: retry after ${retryAfterSeconds} seconds`);
  }
}

/** The request was not answered within the time a request may take; what it asked may still be done. */
export class NotAnsweredInTime extends DomainError {
  constructor() {
    super('The request was not answered in time and was stopped; a change it asked for may still have been made: check before retrying');
  }
}
