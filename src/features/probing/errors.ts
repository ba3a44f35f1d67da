/** The errors of validation's use cases, each with its kind and code. */
import { Conflict, Unavailable } from '../../core/errors.js';

/** `force` asks to clear a failed validation, and the credential's last validation did not fail. */
export class NotInvalid extends Conflict {
  readonly code = 'NOT_INVALID';
  constructor(readonly credentialId: string) {
    super(`Credential '${credentialId}' is not INVALID: force only clears a failed validation`);
  }
}
/** Too many validations probing at once on this instance, or of this owner's credentials: retry shortly. */
export class ValidationsBusy extends Unavailable {
  readonly code = 'VALIDATIONS_BUSY';
  readonly retryAfterSeconds = 1;
  constructor(readonly ownSlots: boolean) {
    super(
      ownSlots
        ? 'Too many validations of these credentials (yours, or the workspace’s) are in progress: retry shortly'
        : 'Too many validations are in progress: retry shortly',
    );
  }
}
