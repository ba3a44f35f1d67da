/** Pairings' public keys parsed once (a pairing's key never changes: a new key is a new pairing); at most 256 kept. */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { LRUCache } from 'lru-cache';

const PUBLIC_KEYS_KEPT = 256;

export class PublicKeys {
  readonly #parsed = new LRUCache<string, KeyObject>({ max: PUBLIC_KEYS_KEPT });

  /** The pairing's public key as a KeyObject, parsed on its first delivery. */
  of(pairing: { publicKey: string }): KeyObject {
    let key = this.#parsed.get(pairing.publicKey);
    if (!key) {
      key = createPublicKey(pairing.publicKey);
      this.#parsed.set(pairing.publicKey, key);
    }
    return key;
  }
}
