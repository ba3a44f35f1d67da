/**
 * Key rotation: which keys seal how many secrets, and re-sealing every secret
 * under the primary key in batches. Each batch commits on its own, and a row
 * is rewritten only if it still holds the value that was read, so rotation
 * runs while the service serves, and can stop and resume at any point.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { actorOf, type Principal } from '../../core/caller.js';
import { type CredentialStore, type SealedSecret, slotOf } from '../../db/credential-store.js';
import type { WebhookStore } from '../../db/webhook-store.js';
import { KeyRing, type KeyRingSource } from '../../secrets/keyring.js';
import { sealingContext, versionSealingContext } from '../credentials/sealing.js';
import { webhookSealingContext } from '../events/webhooks.js';

export interface ResealProgress {
  /** Secrets re-sealed so far by this run. */
  resealed: number;
  /** Secrets still sealed by a key other than the primary one. */
  remaining: number;
  /** Where a secret could not be opened (left as it is): a credential id, `<id>#<version>` for one of its versions, `webhook:<id>` for a webhook's. */
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

/** The associated data a sealed value was sealed with: the live row's, or its version's. */
const contextOf = (secret: SealedSecret): string => (secret.version === null ? sealingContext(secret) : versionSealingContext(secret, secret.version));

export class KeyRotation {
  constructor(
    private readonly store: CredentialStore,
    private readonly keys: KeyRingSource,
    /** Webhooks' signing secrets are sealed by the same keys. */
    private readonly webhooks?: WebhookStore,
  ) {}

  /**
   * How many stored secrets each key id seals: the keys of the ring, and any
   * other key id found in stored secrets (a key missing from the ring).
   */
  async usage(): Promise<Map<string, number>> {
    const usage = new Map<string, number>();
    const known = this.keys.ring.keyIds;
    for (const id of known) {
      const count =
        (await this.store.countSecretsStartingWith(KeyRing.sealedPrefix(id))) +
        ((await this.webhooks?.countSecretsStartingWith(KeyRing.sealedPrefix(id))) ?? 0);
      if (count > 0) usage.set(id, count);
    }
    // Secrets sealed by a key the ring lacks (few, if any).
    const strays = [
      ...(await this.store.findSecretsNotStartingWith(known.map(KeyRing.sealedPrefix))),
      ...((await this.webhooks?.secretsNotStartingWith(known.map(KeyRing.sealedPrefix))) ?? []),
    ];
    for (const { secret } of strays) {
      const id = KeyRing.keyIdOf(secret) ?? '?';
      usage.set(id, (usage.get(id) ?? 0) + 1);
    }
    return usage;
  }

  async countNotUnderPrimary(): Promise<number> {
    const webhooks = (await this.webhooks?.secretsNotStartingWith([this.#primaryPrefix()]))?.length ?? 0;
    return (await this.store.countSecretsNotStartingWith([this.#primaryPrefix()])) + webhooks;
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
        const context = contextOf(credential);
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
    // Then the webhooks' secrets (a few per context at most: one pass).
    for (const webhook of (await this.webhooks?.secretsNotStartingWith([this.#primaryPrefix()])) ?? []) {
      if (options.shouldStop?.() || (options.limit !== undefined && resealed >= options.limit)) break;
      const context = webhookSealingContext(webhook.id);
      let plaintext: string;
      try {
        plaintext = this.keys.open(webhook.secret, context);
      } catch {
        unreadable.push(`webhook:${webhook.id}`);
        continue;
      }
      if (await this.webhooks!.replaceSecret(webhook.id, webhook.secret, this.keys.seal(plaintext, context))) resealed++;
    }
    yield { resealed, remaining: await this.countNotUnderPrimary(), unreadable };
  }

  #primaryPrefix(): string {
    return KeyRing.sealedPrefix(this.keys.ring.primaryId);
  }
}
