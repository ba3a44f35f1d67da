/**
 * Which public keys a secret may be encrypted for, and how: RSA of 2048 bits or more (RSA-OAEP-256), EC P-256
 * (ECDH-ES+A256KW), and — for a caller's own key, not a pairing — X25519 (ECDH-ES+A256KW). Anything else is refused,
 * saying why. One rule for pairings and for direct deliveries.
 */
import type { KeyObject } from 'node:crypto';
import { UnsupportedPairingKey } from '../errors.js';

export type KeyAlgorithm = 'RSA-OAEP-256' | 'ECDH-ES+A256KW';

const MIN_RSA_BITS = 2048;
/** Above this, an RSA key costs its deliverer more than it protects (a client chooses it). */
const MAX_RSA_BITS = 8192;

/** The JWE key-management algorithm for a public key, or why the key cannot be used. */
export function algorithmFor(key: KeyObject, { x25519 = false }: { x25519?: boolean } = {}): KeyAlgorithm {
  const { asymmetricKeyType: type, asymmetricKeyDetails: details } = key;
  if (type === 'rsa') {
    const bits = details?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) throw new UnsupportedPairingKey(`RSA keys must have at least ${MIN_RSA_BITS} bits (this one has ${bits})`);
    if (bits > MAX_RSA_BITS) throw new UnsupportedPairingKey(`RSA keys may have at most ${MAX_RSA_BITS} bits (this one has ${bits})`);
    return 'RSA-OAEP-256';
  }
  if (type === 'ec') {
    if (details?.namedCurve !== 'prime256v1')
      throw new UnsupportedPairingKey(`EC keys must be on P-256 (this one is on ${details?.namedCurve ?? 'an unknown curve'})`);
    return 'ECDH-ES+A256KW';
  }
  if (type === 'x25519' && x25519) return 'ECDH-ES+A256KW';
  const accepted = x25519 ? 'RSA (2048 to 8192 bits), EC P-256 and X25519' : 'RSA (2048 bits or more) and EC P-256';
  throw new UnsupportedPairingKey(`Only ${accepted} public keys are accepted (this one is ${type ?? 'of an unknown type'})`);
}
