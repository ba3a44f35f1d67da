/**
 * Domain errors: one class per case. The GraphQL schema maps each once to a
 * typed error, the REST adapter maps each once to an HTTP status.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
}

export interface FieldProblem {
  /** Dotted path of the offending input field, e.g. `keys.secretKey`. */
  path: string;
  message: string;
}

export class ValidationError extends DomainError {
  readonly code = 'VALIDATION_FAILED';
  constructor(readonly problems: FieldProblem[]) {
    super(problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; '));
    this.name = 'ValidationError';
  }
  static of(path: string, message: string): ValidationError {
    return new ValidationError([{ path, message }]);
  }
}

export class CredentialNameTaken extends DomainError {
  readonly code = 'NAME_TAKEN';
  constructor(readonly credentialName: string) {
    super(`A credential named '${credentialName}' already exists`);
    this.name = 'CredentialNameTaken';
  }
}

/** Unknown, deleted and other owners' credentials all look the same. */
export class CredentialNotFound extends DomainError {
  readonly code = 'NOT_FOUND';
  constructor(readonly credentialId: string) {
    super(`Credential '${credentialId}' not found`);
    this.name = 'CredentialNotFound';
  }
}

export class AccessTokenNotFound extends DomainError {
  readonly code = 'NOT_FOUND';
  constructor(readonly tokenId: string) {
    super(`No active access token '${tokenId}' of yours`);
    this.name = 'AccessTokenNotFound';
  }
}

export class NotAuthenticated extends DomainError {
  readonly code = 'UNAUTHENTICATED';
  constructor(message = 'Not authenticated: send Authorization: Bearer <access token>') {
    super(message);
    this.name = 'NotAuthenticated';
  }
}

/** The caller may not act in the requested context (e.g. a workspace). */
export class Forbidden extends DomainError {
  readonly code = 'FORBIDDEN';
  constructor(message = 'Forbidden') {
    super(message);
    this.name = 'Forbidden';
  }
}

/** The database stayed locked by another process longer than the busy timeout; nothing was changed. */
export class StoreBusy extends DomainError {
  readonly code = 'STORE_BUSY';
  constructor() {
    super('The database is busy: nothing was changed; retry shortly');
    this.name = 'StoreBusy';
  }
}

/** An Idempotency-Key already used for a different create request. */
export class IdempotencyKeyReused extends DomainError {
  readonly code = 'IDEMPOTENCY_KEY_REUSED';
  constructor() {
    super('This Idempotency-Key was used for a different request');
    this.name = 'IdempotencyKeyReused';
  }
}
