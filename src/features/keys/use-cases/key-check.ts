/**
 * Does this instance's key ring open the database's secrets? Known at start,
 * not at the first request that needs a secret: the first use of a database
 * seals a known text with the primary key (the key check; rotation re-seals
 * it with every other secret), and every start opens it. A database from
 * before the check must first show that its keys open one of its stored
 * secrets. A ring that cannot open it refuses to start, saying which key is
 * missing; a running instance whose ring no longer opens it (another instance
 * rotated to a key this one lacks) is not ready.
 */

import { KeyRing, type KeyRingSource } from '../../../platform/secrets/keyring.js';
import type { CredentialStore } from '../../credentials/index.js';
import { sealedSecretContext } from '../../credentials/index.js';
import type { KeyCheckStore } from '../ports.js';
import type { OtherSealed } from './rotation.js';

const CHECK_ID = 'master-keys';
const CHECK_TEXT = 'this database’s secrets are sealed with these master keys';
export const keyCheckSealingContext = (id: string): string => `key-check:${id}`;

/** The keys do not open the database's secrets: what is wrong, and the fix. */
export class KeysDoNotOpenSecrets extends Error {
  override name = 'KeysDoNotOpenSecrets';
}

export class MasterKeyCheck {
  /** The sealed check this instance last opened (read again only when it changed). */
  #opened: string | undefined;

  constructor(
    private readonly store: KeyCheckStore,
    private readonly keys: KeyRingSource,
    private readonly credentials: Pick<CredentialStore, 'findSecretsNotStartingWith'>,
    private readonly others: readonly OtherSealed[],
    private readonly clock: () => number = Date.now,
  ) {}

  /** At start: throws KeysDoNotOpenSecrets unless the ring opens the key check (written now on a database's first use). */
  async verify(): Promise<void> {
    let check = await this.store.find(CHECK_ID);
    if (!check) {
      await this.#storedSecretsOpen();
      await this.store.createIfAbsent(CHECK_ID, this.keys.seal(CHECK_TEXT, keyCheckSealingContext(CHECK_ID)), new Date(this.clock()));
      // Another instance starting at the same time may have written it first, with its keys: this one must open it.
      check = (await this.store.find(CHECK_ID))!;
    }
    const problem = this.#problemWith(check.sealed);
    if (problem) throw new KeysDoNotOpenSecrets(problem);
  }

  /** Why this instance cannot open the database's secrets now (readiness), or undefined: one small read. */
  async problem(): Promise<string | undefined> {
    const check = await this.store.find(CHECK_ID);
    return check ? this.#problemWith(check.sealed) : 'the key check is missing (the database was not opened by a start of the service)';
  }

  #problemWith(sealed: string): string | undefined {
    if (sealed === this.#opened) return undefined;
    try {
      if (this.keys.open(sealed, keyCheckSealingContext(CHECK_ID)) !== CHECK_TEXT) throw new Error('another text');
      this.#opened = sealed;
      return undefined;
    } catch {
      return this.#explain(sealed, 'its key check');
    }
  }

  /** A database from before the key check: one of its stored secrets must open (else nothing is written). */
  async #storedSecretsOpen(): Promise<void> {
    const [credential] = await this.credentials.findSecretsNotStartingWith([], [], 1);
    const sample = credential ? { secret: credential.secret, context: sealedSecretContext(credential) } : await this.#otherSample();
    if (!sample) return;
    try {
      this.keys.open(sample.secret, sample.context);
    } catch {
      throw new KeysDoNotOpenSecrets(this.#explain(sample.secret, 'its stored secrets'));
    }
  }

  async #otherSample(): Promise<{ secret: string; context: string } | undefined> {
    for (const other of this.others) {
      const [row] = await other.store.secretsNotStartingWith([]);
      if (row) return { secret: row.secret, context: other.context(row.id) };
    }
    return undefined;
  }

  #explain(sealed: string, what: string): string {
    const keyId = KeyRing.keyIdOf(sealed) ?? '?';
    const held = this.keys.ring.keyIds;
    const why = held.includes(keyId)
      ? `the key '${keyId}' this instance holds is not the key '${keyId}' that sealed ${what} (same id, another key)`
      : `${what} ${what.endsWith('secrets') ? 'are' : 'is'} sealed with the key '${keyId}', which this instance does not hold (it holds ${held.map((k) => `'${k}'`).join(', ')})`;
    return `The master keys do not open this database's secrets: ${why}. Set MASTER_KEY_FILE or MASTER_KEYS to the keys this database was sealed with`;
  }
}
