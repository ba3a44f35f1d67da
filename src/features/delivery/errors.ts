/** The errors of pairings and key delivery. */
import { Conflict, DomainError, Forbidden, NotFound, Unavailable } from '../../core/errors.js';
import { quoted } from '../../core/text.js';

/** No paired service with this id: the keys could be encrypted for no one. */
export class PairingNotFound extends NotFound {
  override readonly code = 'PAIRING_NOT_FOUND';
  constructor(readonly pairingId: string) {
    super(`No paired service ${quoted(pairingId)}`);
  }
}

/** The public key offered for a pairing is not one keys can be delivered to. */
export class UnsupportedPairingKey extends DomainError {
  readonly kind = 'invalid';
  readonly code = 'UNSUPPORTED_KEY';
}

/** The name, or the very key, is paired already. */
export class PairingExists extends Conflict {
  readonly code = 'PAIRING_EXISTS';
  constructor() {
    super('A pairing with this name or this public key exists already');
  }
}

/** AWS STS refused to give this service the role's credentials (the trust policy, the external id, the role's session limit). */
export class RoleNotAssumed extends DomainError {
  readonly kind = 'rejected';
  readonly code = 'AWS_ROLE_REFUSED';
  constructor(roleArn: string, status: number, awsCode: string, awsMessage: string) {
    super(
      `AWS refused the role ${quoted(roleArn, 200)} (${status} ${awsCode}): ${awsMessage.slice(0, 500)} — check the role's trust policy (the credential's setup snippet) and its maximum session duration`,
    );
  }
}

/** AWS STS could not be reached or answered nothing usable, or the service has no AWS identity: nothing was delivered. */
export class StsUnavailable extends Unavailable {
  readonly code = 'AWS_STS_UNAVAILABLE';
  readonly retryAfterSeconds = 5;
}

/** The STS endpoint may not be called (the SSRF guard refused it, without connecting): the operator's settings. */
export class StsNotAllowed extends DomainError {
  readonly kind = 'rejected';
  readonly code = 'AWS_STS_NOT_ALLOWED';
}

/** Too many STS calls in flight on this instance, or for this owner's credentials: retry shortly. */
export class StsBusy extends Unavailable {
  readonly code = 'AWS_STS_BUSY';
  readonly retryAfterSeconds = 1;
  constructor() {
    super('Too many AWS sessions are being requested at once (for these credentials’ owner, or in all): retry shortly');
  }
}

/** PUBLIC_URL is not set: no cloud could fetch the keys that verify this service's tokens. */
export class NotAnIssuer extends NotFound {
  override readonly code = 'NOT_AN_ISSUER';
  constructor() {
    super('This service is not an OIDC issuer: its operator has not set PUBLIC_URL');
  }
}
/** A federated credential cannot be delivered while the service is no issuer. */
export class FederationNotConfigured extends DomainError {
  readonly kind = 'rejected';
  readonly code = 'FEDERATION_NOT_CONFIGURED';
  constructor() {
    super('A federated credential needs this service to be an OIDC issuer, and its operator has not set PUBLIC_URL');
  }
}

/** A delivery to the caller's own key that may not be made: turned off (by the operator, or the workspace), a role below the workspace's level, or a browser session. */
export class DirectDeliveryRefused extends Forbidden {
  override readonly code = 'DIRECT_DELIVERY_REFUSED';
}

/** The caller asked for more deliveries to its own key than DIRECT_DELIVERIES_PER_MINUTE allows: wait. */
export class TooManyDeliveries extends DomainError {
  readonly kind = 'rate-limited';
  readonly code = 'TOO_MANY_DELIVERIES';
  constructor(
    readonly perMinute: number,
    override readonly retryAfterSeconds: number,
  ) {
    super(`More than ${perMinute} deliveries a minute (DIRECT_DELIVERIES_PER_MINUTE): retry after ${retryAfterSeconds} seconds`);
  }
}
