/**
 * Key rotation: which keys seal how many secrets, and re-sealing every secret
 * under the primary key in batches. Each batch commits on its own, and a row
 * is rewritten only if it still holds the value that was read, so rotation
 * runs while the service serves, and can stop and resume at any point.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { actorOf, type Principal } from '../../../core/caller.js';
import { KeyRing, type KeyRingSource } from '../../../platform/secrets/keyring.js';
import type { CredentialStore } from '../../credentials/index.js';
import { sealedSecretContext, slotOf } from '../../credentials/index.js';

export interface ResealProgress {
  /** Secrets re-sealed so far by this run. */
  resealed: number;
  /** Secrets still sealed by a key other than the primary one. */
  remaining: number;
  /**
   * Where a secret could not be opened (left as it is): a credential id,
   * `<id>#<version>` for one of its versions, `<context>` for another row's
   * (`webhook:<id>`, `signing-key:<id>`).
   */
  unreadable: string[];
}

export interface ResealOptions {
  batchSize?: number;
  /** Pause between batches, to spare a busy service. */
  pauseMs?: number;
  /** Stop after this many secrets (the rest stays for a later run). */
  limit?: number;
  /** Checked between batches: true stops the run cleanly. */
  shouldStop?: () => boolean;
}

/**
 * Other rows with one secret sealed by the same keys (webhooks' signing
 * secrets, the OIDC issuer's signing keys), few enough to re-seal in one pass.
 */
export interface OtherSealed {
  /** The associated data a row's secret was sealed with (also its name in `unreadable`). */
  context: (id: string) => string;
  store: {
    secretsNotStartingWith(prefixes: readonly string[]): Promise<{ id: string; secret: string }[]>;
    countSecretsStartingWith(prefix: string): Promise<number>;
    replaceSecret(id: string, expected: string, secret: string): Promise<boolean>;
  };
}

export class KeyRotation {
  constructor(
    private readonly store: Pick<CredentialStore, 'countSecretsNotStartingWith' | 'countSecretsStartingWith' | 'findSecretsNotStartingWith' | 'replaceSecret'>,
    private readonly keys: KeyRingSource,
    private readonly others: readonly OtherSealed[] = [],
  ) {}

  /**
   * How many stored secrets each key id seals: the keys of the ring, and any
   * other key id found in stored secrets (a key missing from the ring).
   */
  async usage(): Promise<Map<string, number>> {
    const usage = new Map<string, number>();
    const known = this.keys.ring.keyIds;
    for (const id of known) {
      let count = await this.store.countSecretsStartingWith(KeyRing.sealedPrefix(id));
      for (const other of this.others) count += await other.store.countSecretsStartingWith(KeyRing.sealedPrefix(id));
      if (count > 0) usage.set(id, count);
    }
    // Secrets sealed by a key the ring lacks (few, if any).
    const strays: { secret: string }[] = await this.store.findSecretsNotStartingWith(known.map(KeyRing.sealedPrefix));
    for (const other of this.others) strays.push(...(await other.store.secretsNotStartingWith(known.map(KeyRing.sealedPrefix))));
    for (const { secret } of strays) {
      const id = KeyRing.keyIdOf(secret) ?? '?';
      usage.set(id, (usage.get(id) ?? 0) + 1);
    }
    return usage;
  }

  async countNotUnderPrimary(): Promise<number> {
    let count = await this.store.countSecretsNotStartingWith([this.#primaryPrefix()]);
    for (const other of this.others) count += (await other.store.secretsNotStartingWith([this.#primaryPrefix()])).length;
    return count;
  }

  /** Re-seals secrets under the primary key, batch by batch, reporting progress after each; each re-seal audited as `by`'s. */
  async *reseal(by: Principal, options: ResealOptions = {}): AsyncGenerator<ResealProgress> {
    const batchSize = options.batchSize ?? 100;
    const unreadable: string[] = [];
    let resealed = 0;
    for (;;) {
      const room = options.limit === undefined ? batchSize : Math.min(batchSize, options.limit - resealed);
      if (room <= 0 || options.shouldStop?.()) break;
      const sealed = await this.store.findSecretsNotStartingWith([this.#primaryPrefix()], unreadable, room);
      if (sealed.length === 0) break;
      for (const credential of sealed) {
        const context = sealedSecretContext(credential);
        let plaintext: string;
        try {
          plaintext = this.keys.open(credential.secret, context);
        } catch {
          unreadable.push(slotOf(credential));
          continue;
        }
        // False: changed meanwhile by an update, which sealed it under the primary key already (or deleted it).
        if (await this.store.replaceSecret(credential, credential.secret, this.keys.seal(plaintext, context), actorOf(by))) resealed++;
      }
      yield { resealed, remaining: await this.countNotUnderPrimary(), unreadable: [...unreadable] };
      if (options.pauseMs) await sleep(options.pauseMs);
    }
    // Then the other rows' secrets (a few per context at most: one pass each).
    for (const other of this.others) {
      for (const row of await other.store.secretsNotStartingWith([this.#primaryPrefix()])) {
        if (options.shouldStop?.() || (options.limit !== undefined && resealed >= options.limit)) break;
        const context = other.context(row.id);
        let plaintext: string;
        try {
          plaintext = this.keys.open(row.secret, context);
        } catch {
          unreadable.push(context);
          continue;
        }
        if (await other.store.replaceSecret(row.id, row.secret, this.keys.seal(plaintext, context))) resealed++;
      }
    }
    yield { resealed, remaining: await this.countNotUnderPrimary(), unreadable };
  }

  #primaryPrefix(): string {
    return KeyRing.sealedPrefix(this.keys.ring.primaryId);
  }
}
