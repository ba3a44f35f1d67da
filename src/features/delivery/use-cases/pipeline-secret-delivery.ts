/**
 * Pipeline secrets leave the service as credentials' keys do: only encrypted for one paired service's public key —
 * a JWE (as key-delivery.ts makes it, `kid` = the pairing id) whose plaintext is a JWT of
 * `{pipelineSecrets: {NAME: value, …}, scopes: {NAME: "user"|"workspace"}, iat, exp}` that expires after five
 * minutes. Which secret a name gets (the caller's own over the workspace's) and who may take values are the
 * pipeline-secrets feature's rules; here, only the envelope and the record. Every delivery records each secret's
 * last use and an audit row; the plaintext is never logged, returned or stored.
 */
import type { Caller } from '../../../core/caller.js';
import { PIPELINE_SECRET_ERRORS, type PipelineSecrets } from '../../pipeline-secrets/index.js';
import { PairingNotFound } from '../errors.js';
import { encryptedJwt } from '../rules/jwe.js';
import { PublicKeys } from '../rules/public-keys.js';
import { DELIVERY_LIFETIME_SECONDS } from './key-delivery.js';
import type { Pairings } from './pairings.js';

/** What a delivery of pipeline secrets may raise besides the workspace's, for the doors that answer them as typed errors. */
export const PIPELINE_SECRET_DELIVERY_ERRORS = [...PIPELINE_SECRET_ERRORS.resolve, PairingNotFound] as const;

export class PipelineSecretDelivery {
  readonly #publicKeys = new PublicKeys();

  constructor(
    private readonly secrets: Pick<PipelineSecrets, 'valuesForDelivery' | 'recordDelivered'>,
    private readonly pairings: Pairings,
  ) {}

  /** The values of these names, as a JWE for the pairing; Wave's packet carries credentials only (a Wave pairing is refused). */
  async deliver(caller: Caller, names: readonly string[], pairingId: string): Promise<string> {
    const pairing = await this.pairings.find(pairingId);
    if (pairing.kind === 'wave') throw new PairingNotFound(pairingId);
    const { resolved, values } = await this.secrets.valuesForDelivery(caller, names);
    const jwe = await encryptedJwt(
      this.#publicKeys.of(pairing),
      { alg: pairing.algorithm, kid: pairing.id },
      { pipelineSecrets: values, scopes: Object.fromEntries(resolved.map((r) => [r.name, r.scope])) },
      DELIVERY_LIFETIME_SECONDS,
    );
    await this.secrets.recordDelivered(caller, resolved, `pairing ${pairing.id}`);
    await this.pairings.used(pairing, new Date());
    return jwe;
  }
}
