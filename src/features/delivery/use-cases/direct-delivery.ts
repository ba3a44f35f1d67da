/**
 * Delivery to the caller's own key (what the client does): credentials (by name or id) and pipeline secrets (by
 * name, the caller's own over the workspace's) of one context, as one JWE encrypted to a public key the caller sent
 * — one it made for this use and holds alone. Its plaintext is a JWT of
 * `{jti, iat, exp, context, credentials: [{credentialsId, name, provider, keys}], pipelineSecrets: {NAME: value},
 * scopes: {NAME: "user"|"workspace"}}`, valid for five minutes; each credential's keys as a paired delivery has them
 * (a role's STS session, a federated credential's ID token).
 *
 * Who may: never more than a pairing's delivery allows (deliverKeys in the context, a token whose scope allows
 * keys), and further only with an access token (not a browser session), in a workspace only from the workspace's
 * level up (rules/permissions.ts), and not at all when the operator turned it off. Each item is recorded as a
 * delivery (its last use; its audit row naming the key's thumbprint and the client), at most
 * DIRECT_DELIVERIES_PER_MINUTE a minute per user. The plaintext is never logged, returned or stored.
 */
import type { Caller, Owner } from '../../../core/caller.js';
import { Forbidden, NotFound, ValidationError } from '../../../core/errors.js';
import { ID_PATTERN, newId } from '../../../core/ids.js';
import { CredentialNotFound, type CredentialStore, type SealedCredential } from '../../credentials/index.js';
import type { PipelineSecrets, ResolvedPipelineSecret } from '../../pipeline-secrets/index.js';
import { directDeliveryAllows, type WorkspaceAccess } from '../../workspaces/index.js';
import { DirectDeliveryRefused, TooManyDeliveries } from '../errors.js';
import { encryptedJwt } from '../rules/jwe.js';
import { PerUserRate } from '../rules/per-user-rate.js';
import { recipientKey } from '../rules/recipient.js';
import { DELIVERY_LIFETIME_SECONDS, type DeliveryObserver, type KeyDelivery } from './key-delivery.js';

/** Credentials and pipeline secrets one delivery may carry, together. */
export const MAX_DIRECT_ITEMS = 50;
/** A credential's name or id as asked: longer is neither. */
const MAX_REF_CHARS = 200;
const CLIENT_NAME = /^[A-Za-z0-9._@/+-]{1,64}$/;
const CLIENT_VERSION = /^[A-Za-z0-9._+-]{1,32}$/;

export interface DirectDeliveryRequest {
  /** Credentials by name or id. */
  credentials?: readonly unknown[] | null;
  /** Pipeline secrets by name. */
  pipelineSecrets?: readonly unknown[] | null;
  /** The caller's public key: a JWK (object or JSON text) or PEM. */
  recipient: unknown;
  /** What asks (the audit trail names it): `credentials` and its version, an action's… */
  client?: { name?: unknown; version?: unknown } | null;
}

export interface DirectDeliveryAnswer {
  /** The JWE (compact serialization) for the recipient key. */
  jwe: string;
  /** The JWT's id (its `jti`), as the audit trail may be searched for it. */
  id: string;
  expiresAt: Date;
  /** The recipient key's RFC 7638 thumbprint (the JWE's `kid`). */
  keyThumbprint: string;
  credentials: { id: string; name: string; provider: string }[];
  pipelineSecrets: { name: string; scope: string }[];
}

export interface DirectDeliverySettings {
  /** DIRECT_DELIVERY: false turns it off everywhere. */
  enabled: boolean;
  /** DIRECT_DELIVERIES_PER_MINUTE: per user. */
  perUserPerMinute: number;
  clock?: () => number;
}

export class DirectDelivery {
  readonly #rate: PerUserRate;

  constructor(
    private readonly store: Pick<CredentialStore, 'findForChange' | 'findSealedByName'>,
    private readonly access: WorkspaceAccess,
    private readonly keys: Pick<KeyDelivery, 'keysOf' | 'record'>,
    private readonly secrets: Pick<PipelineSecrets, 'valuesForDelivery' | 'recordDelivered'>,
    private readonly settings: DirectDeliverySettings,
    private readonly observe: DeliveryObserver = () => {},
  ) {
    this.#rate = new PerUserRate(settings.perUserPerMinute, settings.clock);
  }

  async deliver(caller: Caller, request: DirectDeliveryRequest): Promise<DirectDeliveryAnswer> {
    // The input first: a bad request changes nothing and costs no rate.
    const credentialRefs = refs('credentials', request.credentials, MAX_REF_CHARS);
    const secretNames = refs('pipelineSecrets', request.pipelineSecrets, MAX_REF_CHARS);
    if (credentialRefs.length + secretNames.length === 0) throw ValidationError.of('', 'name at least one credential or pipeline secret');
    if (credentialRefs.length + secretNames.length > MAX_DIRECT_ITEMS) {
      throw ValidationError.of('', `at most ${MAX_DIRECT_ITEMS} credentials and pipeline secrets in one delivery`);
    }
    const client = clientOf(request.client);
    const recipient = recipientKey(request.recipient);
    if (!this.settings.enabled)
      throw new DirectDeliveryRefused('Delivery to your own key is turned off on this service (its operator set DIRECT_DELIVERY=false)');
    if (caller.session) {
      throw new DirectDeliveryRefused('Delivery to your own key needs an access token, not a browser session: sign in with `credentials login`');
    }
    const context = await this.access.context(caller, 'deliverKeys');
    if (context.owner.kind === 'workspace' && !directDeliveryAllows(context.directDelivery ?? 'OFF', context.role ?? '')) {
      throw new DirectDeliveryRefused(
        context.directDelivery === 'OFF'
          ? `Delivery to your own key is turned off in workspace ${context.owner.id} (its OWNER or ADMIN sets it)`
          : `In workspace ${context.owner.id}, values are delivered to your own key from the role ${context.directDelivery} up; yours is ${context.role}`,
      );
    }
    const wait = this.#rate.take(caller.userId);
    if (wait !== undefined) throw new TooManyDeliveries(this.settings.perUserPerMinute, wait);

    const owner = context.owner;
    const credentials = await this.#credentials(owner, credentialRefs);
    const delivered: { credentialsId: string; name: string; provider: string; keys: Record<string, unknown> }[] = [];
    for (const credential of credentials) {
      try {
        delivered.push({
          credentialsId: credential.id,
          name: credential.name,
          provider: credential.provider,
          keys: await this.keys.keysOf(caller, owner, credential),
        });
      } catch (error) {
        this.observe(credential.provider, error instanceof NotFound || error instanceof Forbidden ? 'refused' : 'failed');
        throw error;
      }
    }
    let resolved: ResolvedPipelineSecret[] = [];
    let values: Record<string, string> = {};
    if (secretNames.length > 0) ({ resolved, values } = await this.secrets.valuesForDelivery(caller, secretNames));

    const id = newId();
    const now = (this.settings.clock ?? Date.now)();
    const jwe = await encryptedJwt(
      recipient.key,
      { alg: recipient.algorithm, kid: recipient.thumbprint },
      {
        jti: id,
        context: owner.kind === 'workspace' ? { workspaceId: owner.id } : { user: owner.id },
        credentials: delivered,
        pipelineSecrets: values,
        scopes: Object.fromEntries(resolved.map((r) => [r.name, r.scope])),
      },
      DELIVERY_LIFETIME_SECONDS,
      now,
    );
    const to = `key ${recipient.thumbprint} client ${client} delivery ${id}`;
    const at = new Date(now);
    // Submitted together: one commit of the turn records them all.
    await Promise.all(credentials.map((credential) => this.keys.record(owner, credential.id, to, caller, at)));
    if (resolved.length > 0) await this.secrets.recordDelivered(caller, resolved, to);
    for (const credential of credentials) this.observe(credential.provider, 'delivered');
    return {
      jwe,
      id,
      expiresAt: new Date((Math.floor(now / 1000) + DELIVERY_LIFETIME_SECONDS) * 1000),
      keyThumbprint: recipient.thumbprint,
      credentials: credentials.map((c) => ({ id: c.id, name: c.name, provider: c.provider })),
      pipelineSecrets: resolved.map((r) => ({ name: r.name, scope: r.scope })),
    };
  }

  /**
   * The owner's live credentials these refs name, in the order asked, once each: a ref shaped like an id is looked
   * up as an id first, then as a name (any other, as a name only); one not found: CredentialNotFound naming it.
   */
  async #credentials(owner: Owner, asked: readonly string[]): Promise<SealedCredential[]> {
    const found: SealedCredential[] = [];
    for (const ref of asked) {
      const byId = ID_PATTERN.test(ref) ? await this.store.findForChange(owner, ref) : null;
      const credential = byId ?? (await this.store.findSealedByName(owner, ref));
      if (!credential) {
        this.observe('unknown', 'refused');
        throw new CredentialNotFound(ref);
      }
      if (!found.some((c) => c.id === credential.id)) found.push(credential);
    }
    return found;
  }
}

/** A list of names as asked: strings of 1 to `max` characters, each once (the first's place kept). */
function refs(field: string, list: readonly unknown[] | null | undefined, max: number): string[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw ValidationError.of(field, 'must be a list of names');
  if (list.length > MAX_DIRECT_ITEMS) throw ValidationError.of(field, `at most ${MAX_DIRECT_ITEMS} names`);
  list.forEach((item, i) => {
    if (typeof item !== 'string' || item.length === 0 || item.length > max)
      throw ValidationError.of(`${field}.${i}`, `must be a name of 1 to ${max} characters`);
  });
  return [...new Set(list as string[])];
}

/** The client as its audit row names it: `name/version`, or `unnamed`. */
function clientOf(client: DirectDeliveryRequest['client']): string {
  if (client === undefined || client === null) return 'unnamed';
  if (typeof client !== 'object' || Array.isArray(client)) throw ValidationError.of('client', 'must be an object: {name, version}');
  const { name, version } = client;
  if (name !== undefined && name !== null && (typeof name !== 'string' || !CLIENT_NAME.test(name))) {
    throw ValidationError.of('client.name', 'must be 1-64 letters, digits or . _ @ / + -');
  }
  if (version !== undefined && version !== null && (typeof version !== 'string' || !CLIENT_VERSION.test(version))) {
    throw ValidationError.of('client.version', 'must be 1-32 letters, digits or . _ + -');
  }
  return `${typeof name === 'string' ? name : 'unnamed'}${typeof version === 'string' ? `/${version}` : ''}`;
}
