/**
 * Key delivery: a credential's keys, secret ones included, leave the service
 * only encrypted for one paired service's public key — a JWE (RFC 7516,
 * compact serialization: RSA-OAEP-256 or ECDH-ES+A256KW by the key's type,
 * A256GCM, `kid` = the pairing id) whose plaintext is a JWT of
 * `{credentialsId, provider, keys, iat, exp}` that expires after five minutes.
 * Any standard JOSE implementation opens it with the service's private key.
 * Who may fetch: the owner of a personal credential; in a workspace, the roles
 * the permission table allows (not VIEW); and only with a token whose scope
 * allows keys. Every delivery records the credential's last use and an audit
 * row naming the pairing. The plaintext is never logged, returned or stored.
 * A role or federated credential is delivered with short-lived credentials
 * (an STS session, an ID token of the service's issuer) added to its keys.
 */
import { actorOf, type Caller, type Owner } from '../../../core/caller.js';
import { Forbidden, NotFound, ValidationError } from '../../../core/errors.js';
import { GroupCommit } from '../../../core/group-commit.js';
import type { Sealer } from '../../../platform/secrets/keyring.js';
import type { CredentialStore, DeliveryRecord, SealedCredential } from '../../credentials/index.js';
import { CredentialNotFound, CredentialVersionNotFound, findSealed, openKeys, openVersionSecrets } from '../../credentials/index.js';
import { type KeyValues, providers } from '../../providers/index.js';
import type { WorkspaceAccess } from '../../workspaces/index.js';
import { PairingNotFound } from '../errors.js';
import type { PairingRecord } from '../model.js';
import { encryptedJwt } from '../rules/jwe.js';
import { encryptedPacket } from '../rules/packet.js';
import { PublicKeys } from '../rules/public-keys.js';
import type { Pairings } from './pairings.js';
import type { ShortLivedCredentials } from './short-lived.js';

/** How long a delivered JWE may be opened. */
export const DELIVERY_LIFETIME_SECONDS = 300;

/** What became of a delivery, for the metrics: by provider (`unknown` before the credential was found). */
export type DeliveryOutcome = 'delivered' | 'refused' | 'unknown_pairing' | 'failed';
export type DeliveryObserver = (provider: string, outcome: DeliveryOutcome) => void;

/** What deliver may raise besides the workspace's (ACCESS_ERRORS), for the doors that answer them as typed errors. */
export const DELIVER_ERRORS = [CredentialNotFound, CredentialVersionNotFound, PairingNotFound, ValidationError] as const;

export class KeyDelivery {
  /** The deliveries of one turn of the event loop recorded in one commit. */
  readonly #records: GroupCommit<DeliveryRecord, boolean>;
  readonly #publicKeys = new PublicKeys();

  constructor(
    private readonly store: Pick<CredentialStore, 'findForChange' | 'findKeyVersion' | 'recordDeliveries'>,
    private readonly sealer: Sealer,
    private readonly access: WorkspaceAccess,
    private readonly pairings: Pairings,
    /** A role or federated credential's short-lived keys (short-lived.ts). */
    private readonly shortLived: ShortLivedCredentials,
    private readonly observe: DeliveryObserver = () => {},
  ) {
    this.#records = new GroupCommit((records) => this.store.recordDeliveries(records));
  }

  /**
   * The credential's keys as a JWE for the pairing (`version`: those of that
   * version of its key material; the audit row names it); throws as not found
   * / forbidden / unknown pairing otherwise.
   */
  async deliver(caller: Caller, credentialId: string, pairingId: string, options: { version?: number } = {}): Promise<string> {
    let provider = 'unknown';
    try {
      const { owner } = await this.access.context(caller, 'deliverKeys');
      const credential = await findSealed(this.store, owner, credentialId);
      provider = credential.provider;
      const pairing = await this.pairings.find(pairingId);
      const keys = await this.keysOf(caller, owner, credential, options.version);
      const number = options.version;
      // A Wave pairing reads Wave's packet of Seqera's flat keys object (its discriminator at the top), nothing else.
      if (pairing.kind === 'wave') {
        const packet = encryptedPacket(this.#publicKeys.of(pairing), JSON.stringify({ discriminator: credential.provider, ...keys }));
        await this.#recorded(owner, credential.id, pairing, caller, number);
        this.observe(provider, 'delivered');
        return packet;
      }
      const jwe = await encryptedJwt(
        this.#publicKeys.of(pairing),
        { alg: pairing.algorithm, kid: pairing.id },
        { credentialsId: credential.id, provider: credential.provider, keys, ...(number === undefined ? {} : { version: number }) },
        DELIVERY_LIFETIME_SECONDS,
      );
      await this.#recorded(owner, credential.id, pairing, caller, number);
      this.observe(provider, 'delivered');
      return jwe;
    } catch (error) {
      this.observe(
        provider,
        error instanceof PairingNotFound ? 'unknown_pairing' : error instanceof NotFound || error instanceof Forbidden ? 'refused' : 'failed',
      );
      throw error;
    }
  }

  /**
   * The keys a delivery of the credential carries (`version`: those of that version of its key material): the
   * provider's own fields (null when unset) and any other field stored with a value (a door's own: the seed API's
   * generic pair), with a role's or a federated credential's short-lived credentials added.
   */
  async keysOf(caller: Caller, owner: Owner, credential: SealedCredential, version?: number): Promise<Record<string, unknown>> {
    const spec = providers.get(credential.provider)!;
    let stored: KeyValues;
    if (version === undefined) {
      stored = openKeys(this.sealer, credential);
    } else {
      if (!Number.isSafeInteger(version) || version < 1) throw ValidationError.of('version', 'must be a version number (a positive integer)');
      const found = await this.store.findKeyVersion(credential.id, version);
      if (!found) throw new CredentialVersionNotFound(credential.id, version);
      stored = { ...found.keys, ...openVersionSecrets(this.sealer, credential, found) };
    }
    return this.shortLived.keysFor(
      caller.userId,
      { id: credential.id, owner, provider: credential.provider },
      {
        ...Object.fromEntries(Object.keys(spec.fields).map((field) => [field, stored[field] ?? null])),
        ...Object.fromEntries(Object.entries(stored).filter(([field, value]) => !(field in spec.fields) && (value ?? null) !== null)),
      },
    );
  }

  /**
   * Records a delivery of the credential to `recipient` (its last use; its audit row naming the recipient), in the
   * commit of this turn's deliveries; a credential deleted meanwhile: not found (nothing was delivered).
   */
  async record(owner: Owner, id: string, recipient: string, caller: Caller, at: Date, version?: number): Promise<void> {
    const record: DeliveryRecord = { owner, id, recipient, at, by: actorOf(caller), ...(version === undefined ? {} : { version }) };
    if (!(await this.#records.submit(record))) throw new CredentialNotFound(id);
  }

  /** Records the delivery (the credential's last use, the audit row, the pairing's last use); a credential deleted meanwhile: not found. */
  async #recorded(owner: Owner, id: string, pairing: PairingRecord, caller: Caller, version: number | undefined): Promise<void> {
    const at = new Date();
    await this.record(owner, id, `pairing ${pairing.id}`, caller, at, version);
    await this.pairings.used(pairing, at);
  }
}
