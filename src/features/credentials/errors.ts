/** The errors of the credentials domain (the app-wide ones are in src/core/errors.ts). */
import { Conflict, DomainError, NotFound } from '../../core/errors.js';

/** Another live credential of the owner already has this name. */
export class CredentialNameTaken extends Conflict {
  readonly code = 'NAME_TAKEN';
  constructor(readonly credentialName: string) {
    super(`A credential named '${credentialName}' already exists`);
  }
}

/** Unknown, deleted and other owners' credentials all look the same. */
export class CredentialNotFound extends NotFound {
  constructor(readonly credentialId: string) {
    super(`Credential '${credentialId}' not found`);
  }
}

/** An Idempotency-Key already used for a different create request. */
export class IdempotencyKeyReused extends DomainError {
  readonly kind = 'rejected';
  readonly code = 'IDEMPOTENCY_KEY_REUSED';
  constructor() {
    super('This Idempotency-Key was used for a different request');
  }
}

/**
 * An Idempotency-Key whose credential has been deleted since: the retry is not
 * answered with a dead id, nor does it silently create a second credential.
 */
export class IdempotentCreateDeleted extends Conflict {
  readonly code = 'IDEMPOTENT_CREATE_DELETED';
  constructor(readonly credentialId: string) {
    super(`The credential '${credentialId}' created with this Idempotency-Key was deleted; send a new key to create another`);
  }
}

/** The credential has no such version: never recorded, or destroyed (only the last CREDENTIAL_VERSIONS_KEPT are kept). */
export class CredentialVersionNotFound extends NotFound {
  override readonly code = 'VERSION_NOT_FOUND';
  constructor(
    readonly credentialId: string,
    readonly versionNumber: number,
  ) {
    super(`Credential '${credentialId}' has no version ${versionNumber} (never recorded, or no longer kept)`);
  }
}

/** An undelete under a name a live credential took meanwhile: it offers a free one. */
export class UndeleteNameTaken extends Conflict {
  readonly code = 'NAME_TAKEN';
  constructor(
    readonly credentialName: string,
    readonly suggestedName: string,
  ) {
    super(`A credential named '${credentialName}' exists now; undelete it under another name, such as '${suggestedName}'`);
  }
}
