/**
 * Validation: does a stored credential still work? Its provider's probe (named
 * in the provider table) runs offline checks, then calls the provider's
 * identity endpoint through the guarded client. The verdict is stored:
 * `AVAILABLE` (the last probe succeeded, or none ran yet) or `INVALID` with the
 * provider's message. A transient failure (timeout, DNS, 5xx) is answered as
 * such and changes nothing. `force` skips the probe and clears an INVALID
 * verdict (and is refused for any other). Who may validate: whoever may update.
 */
import { type AuditActor, actorOf, type Caller, type Owner } from '../../../core/caller.js';
import { CHANGED, retryOnChange } from '../../../core/retry.js';
import type { AwsSts } from '../../../infra/aws-sts.js';
import type { GuardedHttp } from '../../../infra/guarded-http.js';
import type { Sealer } from '../../../platform/secrets/keyring.js';
import {
  CredentialNotFound,
  type CredentialStatus,
  type CredentialStore,
  findSealed,
  MAX_MESSAGE,
  openKeys,
  openSecrets,
  type SealedCredential,
} from '../../credentials/index.js';
import { expiryColumns, type ProbeOutcome, probeOf } from '../../providers/index.js';
import type { WorkspaceAccess } from '../../workspaces/index.js';
import { NotInvalid, ValidationsBusy } from '../errors.js';
import { redactSecrets } from '../rules/redaction.js';
import type { ProbeSlots } from '../rules/slots.js';

export interface ValidationResult {
  status: CredentialStatus;
  message: string | null;
  /** The provider could not be reached or failed (timeout, DNS, 5xx): nothing was stored. */
  transientError: boolean;
}

/** Longest stored message; a longer one is cut and says so. */

const TRUNCATED = ' (truncated)';
const RECORD_ATTEMPTS = 3;

export interface ValidationOptions {
  /** AWS STS (AWS_STS_ENDPOINT), for the AWS probe. */
  sts: AwsSts;
  /** A federated credential's online check (the exchange its delivery makes): the identity the cloud answered. */
  checkFederated?: (credential: SealedCredential, keys: Record<string, unknown>, sts: AwsSts) => Promise<string>;
}

/** An owner as the slots count it. */
export const ownerKey = (owner: Owner) => `${owner.kind}:${owner.id}`;

export type ValidationObserver = (provider: string, outcome: 'available' | 'invalid' | 'transient' | 'forced') => void;

/**
 * A provider's message as it may be stored and shown: every copy of the
 * credential's secrets it holds, in any common encoding or in part, blanked
 * (redaction.ts), then cut to MAX_MESSAGE characters.
 */
export function storedMessage(message: string, secrets: readonly string[], users: readonly string[] = []): string {
  const text = redactSecrets(message, secrets, users);
  return text.length > MAX_MESSAGE ? text.slice(0, MAX_MESSAGE - TRUNCATED.length) + TRUNCATED : text;
}

/** What validate may raise besides the workspace's (ACCESS_ERRORS), for the doors that answer them as typed errors. */
export const VALIDATE_ERRORS = [CredentialNotFound, NotInvalid] as const;

export class CredentialProbing {
  constructor(
    private readonly store: Pick<CredentialStore, 'findForChange' | 'recordValidation'>,
    private readonly sealer: Sealer,
    private readonly access: WorkspaceAccess,
    private readonly http: GuardedHttp,
    /** People's probes: at most so many in flight, so many of one owner's. */
    private readonly slots: ProbeSlots,
    private readonly options: ValidationOptions,
    private readonly observe: ValidationObserver = () => {},
  ) {}

  async validate(caller: Caller, id: string, { force = false }: { force?: boolean } = {}): Promise<ValidationResult> {
    const { owner } = await this.access.context(caller, 'writeCredentials');
    const by = actorOf(caller);
    return retryOnChange(
      `Credential ${id}`,
      async (): Promise<ValidationResult | typeof CHANGED> => {
        const credential = await findSealed(this.store, owner, id);
        if (force) {
          if (credential.status !== 'INVALID') throw new NotInvalid(id);
          if (!(await this.store.recordValidation(owner, id, credential.version, { status: 'AVAILABLE', message: null, at: null }, by))) return CHANGED;
          this.observe(credential.provider, 'forced');
          return { status: 'AVAILABLE', message: null, transientError: false };
        }
        const outcome = await this.#probeLimited(credential);
        // Changed while it was probed: the verdict is on keys that are gone; probe the new ones.
        return (await this.#record(credential, outcome, by)) ?? CHANGED;
      },
      RECORD_ATTEMPTS,
    );
  }

  /**
   * Probes a stored credential and records the verdict (the background
   * re-validation). Undefined: it changed or was deleted meanwhile.
   */
  async revalidate(credential: SealedCredential, by: AuditActor): Promise<ValidationResult | undefined> {
    return this.#record(credential, await this.#probe(credential), by);
  }

  async #probeLimited(credential: SealedCredential): Promise<ProbeOutcome> {
    const release = this.slots.tryTake(ownerKey(credential.owner));
    if (!release) throw new ValidationsBusy(this.slots.inFlight < this.slots.capacity);
    try {
      return await this.#probe(credential);
    } finally {
      release();
    }
  }

  #probe(credential: SealedCredential): Promise<ProbeOutcome> {
    const probe = probeOf(credential.provider);
    if (!probe) return Promise.resolve({ result: 'invalid', message: `unknown provider '${credential.provider}'` });
    const keys = openKeys(this.sealer, credential);
    // One deadline for the whole probe, however many calls it makes.
    const http = this.http.withDeadline(Date.now() + this.http.timeoutMs);
    const sts = this.options.sts.withHttp(http);
    const check = this.options.checkFederated;
    return probe(
      { provider: credential.provider, keys, baseUrl: credential.baseUrl },
      { http, sts, federatedCheck: check && (async () => `assumed as ${await check(credential, keys, sts)}`) },
    );
  }

  /** Stores the verdict of a probe (a transient one stores nothing). Undefined: the credential changed meanwhile. */
  async #record(credential: SealedCredential, outcome: ProbeOutcome, by: AuditActor): Promise<ValidationResult | undefined> {
    const secrets = Object.values(openSecrets(this.sealer, credential)).filter((v): v is string => typeof v === 'string');
    // Returned key values (user names, key ids) pair with a secret as `user:secret` in Basic authentication.
    const users = Object.values(credential.keys).filter((v): v is string => typeof v === 'string');
    if (outcome.result === 'transient') {
      this.observe(credential.provider, 'transient');
      return { status: credential.status, message: storedMessage(outcome.message, secrets, users), transientError: true };
    }
    const verdict =
      outcome.result === 'valid'
        ? { status: 'AVAILABLE' as const, message: outcome.identity ? storedMessage(outcome.identity, secrets, users) : null, at: new Date() }
        : { status: 'INVALID' as const, message: storedMessage(outcome.message, secrets, users), at: new Date() };
    // The provider said when the credential expires: the derived expiry (the user's date still wins if earlier).
    const expiry =
      outcome.result === 'valid' && outcome.expiresAt ? expiryColumns(credential.userExpiresAt, { at: outcome.expiresAt, source: 'provider' }) : undefined;
    if (!(await this.store.recordValidation(credential.owner, credential.id, credential.version, verdict, by, expiry))) return undefined;
    this.observe(credential.provider, outcome.result === 'valid' ? 'available' : 'invalid');
    return { status: verdict.status, message: verdict.message, transientError: false };
  }
}
