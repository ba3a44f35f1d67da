/**
 * Paired services: the services (Wave, an agent of a compute platform) that
 * may receive secrets, each with its public key. A secret is delivered
 * encrypted for one pairing's key, and only that service can open it. RSA keys
 * of 2048 bits or more (RSA-OAEP-256) and EC P-256 keys (ECDH-ES+A256KW) are
 * accepted; anything else is refused, saying why.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { type AuditActor, actorOf, OPERATOR } from '../../core/caller.js';
import { ValidationError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { nameText } from '../../core/text.js';
import type { PairingRecord, PairingStore } from '../../db/pairing-store.js';
import { PairingExists, PairingNotFound, UnsupportedPairingKey } from './errors.js';

export type PairingAlgorithm = 'RSA-OAEP-256' | 'ECDH-ES+A256KW';

/** A paired service as the doors show it. */
export type Pairing = PairingRecord;

const MIN_RSA_BITS = 2048;
const pairingName = nameText(64);

/** The JWE key-management algorithm for a public key, or why the key cannot be paired. */
export function algorithmFor(key: KeyObject): PairingAlgorithm {
  const { asymmetricKeyType: type, asymmetricKeyDetails: details } = key;
  if (type === 'rsa') {
    const bits = details?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) throw new UnsupportedPairingKey(`RSA keys must have at least ${MIN_RSA_BITS} bits (this one has ${bits})`);
    return 'RSA-OAEP-256';
  }
  if (type === 'ec') {
    if (details?.namedCurve !== 'prime256v1')
      throw new UnsupportedPairingKey(`EC keys must be on P-256 (this one is on ${details?.namedCurve ?? 'an unknown curve'})`);
    return 'ECDH-ES+A256KW';
  }
  throw new UnsupportedPairingKey(`Only RSA (2048 bits or more) and EC P-256 public keys are accepted (this one is ${type ?? 'of an unknown type'})`);
}

export class Pairings {
  constructor(private readonly store: PairingStore) {}

  /** Registers a service that may receive secrets, by its public key (PEM). */
  async add(name: string, publicKeyPem: string, by: AuditActor = actorOf(OPERATOR)): Promise<PairingRecord> {
    const checkedName = pairingName.safeParse(name);
    if (!checkedName.success) throw ValidationError.of('name', checkedName.error.issues[0]!.message);
    // Node would derive the public key from a private one: refuse it instead, the private key must stay with the service.
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(publicKeyPem)) {
      throw new UnsupportedPairingKey('This is a private key: give the public key (openssl pkey -in key.pem -pubout); the private key stays with the service');
    }
    let key: KeyObject;
    try {
      key = createPublicKey(publicKeyPem);
    } catch {
      throw new UnsupportedPairingKey('The public key cannot be read: expected a PEM public key (-----BEGIN PUBLIC KEY-----)');
    }
    if (key.type !== 'public') throw new UnsupportedPairingKey('Expected a public key');
    const algorithm = algorithmFor(key);
    const der = key.export({ type: 'spki', format: 'der' });
    const created = await this.store.insert(
      {
        id: newId(),
        name: checkedName.data,
        algorithm,
        publicKey: key.export({ type: 'spki', format: 'pem' }).toString(),
        fingerprint: createHash('sha256').update(der).digest('base64url'),
      },
      by,
    );
    if (created === 'duplicate') throw new PairingExists();
    return created;
  }

  list(): Promise<PairingRecord[]> {
    return this.store.list();
  }

  async find(id: string): Promise<PairingRecord> {
    const pairing = id ? await this.store.find(id) : null;
    if (!pairing) throw new PairingNotFound(id);
    return pairing;
  }

  async remove(id: string): Promise<void> {
    if (!(await this.store.remove(id))) throw new PairingNotFound(id);
  }
}
