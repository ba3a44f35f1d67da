/** What the use cases of delivery need from storage: the store implements these; a use case takes the slice it uses. */
import type { AuditActor } from '../../core/caller.js';
import type { MaybePromise } from '../../core/maybe.js';
import type { NewPairing, PairingRecord, SigningKeyRecord } from './model.js';

export interface PairingStore {
  /** 'duplicate': the name, or the key (by its fingerprint), is paired already; nothing stored. */
  insert(pairing: NewPairing, by: AuditActor): Promise<PairingRecord | 'duplicate'>;
  find(id: string): MaybePromise<PairingRecord | null>;
  list(): Promise<PairingRecord[]>;
  /** Records a delivery to it. */
  used(id: string, at: Date): Promise<void>;
  /** Records that Wave confirmed the pairing (the same pairingId and key). */
  renewed(id: string, at: Date): Promise<void>;
  /** The current (not replaced) `wave` pairing with this Wave URL, if any. */
  findByEndpoint(endpoint: string): Promise<PairingRecord | null>;
  /** The current `wave` pairings last confirmed before `before` (or never). */
  dueForRenewal(before: Date): Promise<PairingRecord[]>;
  /**
   * Wave answered a renewal with a new pairing: the old one is renamed and
   * retires at `retiresAt`, the new one takes its name — in one transaction.
   * False: the old one was replaced meanwhile (another instance), or the new one exists.
   */
  replace(old: PairingRecord, next: NewPairing, retiresAt: Date, by: AuditActor): Promise<boolean>;
  /** False: no such pairing. (Removals are the operator's: the trigger records them so.) */
  remove(id: string): Promise<boolean>;
}

export interface SigningKeyStore {
  /** The keys still published: the signing one and those retired since `keptSince`, newest first. */
  published(keptSince: Date): Promise<SigningKeyRecord[]>;
  /**
   * Adds a key and retires every older unretired one, at once (two instances
   * rotating together leave one signing key: the newer).
   */
  add(key: Omit<SigningKeyRecord, 'retiredAt'>): Promise<void>;
  /** Keys retired before `before` are no longer published: their private halves are destroyed. */
  removeRetiredBefore(before: Date): Promise<number>;
  secretsNotStartingWith(prefixes: readonly string[], take?: number): Promise<{ id: string; secret: string }[]>;
  countSecretsStartingWith(prefix: string): Promise<number>;
  /** Replaces a sealed secret if it is still `expected`. */
  replaceSecret(id: string, expected: string, secret: string): Promise<boolean>;
}
