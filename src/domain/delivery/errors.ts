/** The errors of pairings and key delivery. */
import { Conflict, DomainError, NotFound } from '../../core/errors.js';
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
