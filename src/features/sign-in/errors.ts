/** The errors of sign-in's use cases, each with its kind and code. */
import { DomainError } from '../../core/errors.js';

/** Sign-in did not complete: why, in words for the person (never a code or a token). */
export class SignInRefused extends DomainError {
  readonly kind = 'unauthenticated';
  readonly code = 'SIGN_IN_REFUSED';
}

/** The JWT was not accepted: why, in words that never quote the token. */
export class MachineTokenRefused extends DomainError {
  readonly kind = 'unauthenticated';
  readonly code = 'OIDC_TOKEN_REFUSED';
}
