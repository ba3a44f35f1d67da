/**
 * The credentials use cases. Every rule about credentials (validation,
 * ownership, sealing, naming, uniqueness, soft delete, idempotent create)
 * lives here; GraphQL and REST only translate to and from these calls, and the
 * credential store is the only way to the stored rows.
 */
import { actorOf, type Caller, type Owner } from '../../core/caller.js';
import { LimitReached, ValidationError } from '../../core/errors.js';
import { ID_PATTERN, newId, randomBase62 } from '../../core/ids.js';
import { parseTimestamp, type Timestamp, timestampOf } from '../../core/time.js';
import type { CredentialRecord, CredentialStore, SealedCredential, StoredKeys } from '../../db/credential-store.js';
import type { Sealer } from '../../secrets/keyring.js';
import type { WorkspaceAccess } from '../workspaces/access.js';
import { CredentialNameTaken, CredentialNotFound, IdempotencyKeyReused, IdempotentCreateDeleted } from './errors.js';
import { type CredentialInput, checkKeys, parseCredentialInput, parseName, type ValidCredentialInput } from './input.js';
import { PageCache } from './page-cache.js';
import {
  type KeyField,
  type KeyValues,
  type ProviderSettings,
  type ProviderSpec,
  providers,
  returnedFields,
  secretFields,
  withFields,
} from './providers/index.js';
import { findSealed, openSecrets, sealingContext } from './sealing.js';
import { type CredentialPage, type CredentialView, toView } from './view.js';

export interface WriteOptions {
  /** AWS role mode: the server generates an external id (kept on later updates). */
  useExternalId?: boolean;
  /** Key fields the door accepts beyond the provider's own (the seed API's generic pair, on REST): see withFields. */
  extraFields?: Readonly<Record<string, KeyField>>;
}

export interface CreateOptions extends WriteOptions {
  /**
   * A client's key for retrying a create safely: the same key with the same
   * request gives the credential created first, never a second one.
   */
  idempotencyKey?: string;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** What the installation tells the credentials service: the providers' settings and the limits. */
export interface CredentialSettings extends ProviderSettings {
  /** Live credentials one context (a user's own, a workspace) may hold (undefined: no limit). */
  credentialsPerContext?: number;
}

export interface ListOptions {
  /** Only these providers (undefined: all). */
  providers?: readonly string[];
  /** Page size; undefined lists everything. */
  first?: number;
  /** Opaque cursor of the last item of the previous page. */
  after?: string;
}

export const MAX_PAGE_SIZE = 100;
/**
 * Credentials kept in built pages, in all (a view and its wire text: about 1 KB
 * each, so about 10 MB). A whole list longer than a quarter of this is read each time.
 */
const CACHED_ITEMS = 10_000;
const UPDATE_ATTEMPTS = 5;

export class CredentialService {
  readonly #pages = new PageCache(CACHED_ITEMS);

  constructor(
    private readonly store: CredentialStore,
    private readonly sealer: Sealer,
    /** Whose credentials a call acts on, and whether it may (the caller's own, or a workspace's by role). */
    private readonly access: WorkspaceAccess,
    private readonly settings: CredentialSettings = {},
  ) {}

  /** The view of a record, with its provider's setup snippet. */
  #view(record: CredentialRecord): CredentialView {
    return toView(record, providers.get(record.provider)?.setupSnippet?.(record.keys, this.settings) ?? null);
  }

  async create(caller: Caller, input: CredentialInput, options: CreateOptions = {}): Promise<CredentialView> {
    const { owner } = await this.access.context(caller, 'writeCredentials');
    const valid = parseCredentialInput(input, options.extraFields);
    const idempotencyKey = options.idempotencyKey;
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw ValidationError.of('idempotencyKey', 'must be 1-255 printable ASCII characters without spaces');
    }
    // The request as the domain understood it, for recognising a retry (only needed with a key).
    const request = idempotencyKey === undefined ? '' : requestText(valid, options);
    if (idempotencyKey !== undefined) {
      const replayed = await this.#replay(owner, idempotencyKey, request);
      if (replayed) return replayed;
    }
    const keys = completeKeys(valid.provider, valid.keys, {}, options);
    checkKeys(valid.provider, keys);
    const id = newId();
    const credential = {
      id,
      owner,
      name: valid.name,
      description: valid.description,
      provider: valid.provider.id,
      baseUrl: valid.baseUrl,
      category: valid.category,
      ...this.#storedKeys(valid.provider, keys, { id, owner }),
      at: new Date(),
      idempotencyKey: idempotencyKey ?? null,
      requestFingerprint: idempotencyKey === undefined ? null : this.sealer.fingerprint(request),
    };
    const limit = this.settings.credentialsPerContext;
    const outcome = await this.store.insert(credential, actorOf(caller), limit);
    if (outcome === 'limit') {
      throw new LimitReached(`live credentials in ${owner.kind === 'user' ? 'a personal context' : 'a workspace'}`, limit!, 'MAX_CREDENTIALS_PER_CONTEXT');
    }
    if (outcome === 'inserted') {
      return this.#view({
        ...credential,
        lastUsed: null,
        dateCreated: timestampOf(credential.at),
        lastUpdated: timestampOf(credential.at),
        status: 'AVAILABLE',
        message: null,
        lastValidated: null,
      });
    }
    // A unique index refused it: a concurrent request with the same key got there first, or the name is taken.
    if (idempotencyKey !== undefined) {
      const replayed = await this.#replay(owner, idempotencyKey, request);
      if (replayed) return replayed;
    }
    throw new CredentialNameTaken(valid.name);
  }

  /** The credential an earlier create with this key made, if any; a different request with it is refused. */
  async #replay(owner: Owner, idempotencyKey: string, request: string): Promise<CredentialView | undefined> {
    const earlier = await this.store.findByIdempotencyKey(owner, idempotencyKey);
    if (!earlier) return undefined;
    if (!earlier.requestFingerprint || !this.sealer.matchesFingerprint(earlier.requestFingerprint, request)) {
      throw new IdempotencyKeyReused();
    }
    if (earlier.deleted) throw new IdempotentCreateDeleted(earlier.record.id);
    return this.#view(earlier.record);
  }

  async describe(caller: Caller, id: string): Promise<CredentialView> {
    const { owner } = await this.access.context(caller, 'readCredentials');
    return this.#describe(owner, id);
  }

  async #describe(owner: Owner, id: string): Promise<CredentialView> {
    const record = ID_PATTERN.test(id) ? await this.store.findLive(owner, id) : null;
    if (!record) throw new CredentialNotFound(id);
    return this.#view(record);
  }

  async list(caller: Caller, options: ListOptions = {}): Promise<CredentialPage> {
    const context = await this.access.context(caller, 'readCredentials');
    const owner = context.owner;
    const first = options.first;
    if (first !== undefined && (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE)) {
      throw ValidationError.of('first', `must be an integer from 0 to ${MAX_PAGE_SIZE}`);
    }
    for (const p of options.providers ?? []) {
      if (!providers.has(p)) throw ValidationError.of('provider', `unknown provider '${p}'`);
    }
    const after = options.after === undefined ? undefined : decodeCursor(options.after);
    // A page is served from the cache while the owner's credentials are unchanged
    // (a workspace's version was read with the caller's role).
    const version = context.version ?? (await this.store.findVersion(owner));
    const key = `${owner.kind}:${owner.id}|${options.providers?.join(',') ?? '*'}|${options.after ?? ''}|${first ?? 'all'}`;
    const cached = this.#pages.get(key, version);
    if (cached) return cached;
    const page = await this.#readPage(owner, options.providers, after, first);
    this.#pages.set(key, version, page);
    return page;
  }

  async #readPage(owner: Owner, providerIds: readonly string[] | undefined, after: Cursor | undefined, first: number | undefined): Promise<CredentialPage> {
    const records = await this.store.findPage({ owner, providers: providerIds, after, take: first === undefined ? undefined : first + 1 });
    const hasNextPage = first !== undefined && records.length > first;
    const page = hasNextPage ? records.slice(0, first) : records;
    return { items: page.map((record) => ({ credential: this.#view(record), cursor: encodeCursor(record) })), hasNextPage };
  }

  /**
   * Replaces the credential's fields and its keys as a whole. Secret fields the
   * client does not re-send keep their stored values; secrets sent replace them.
   */
  async update(caller: Caller, id: string, input: CredentialInput, options: WriteOptions = {}): Promise<CredentialView> {
    const context = await this.access.context(caller, 'writeCredentials');
    const { owner } = context;
    const valid = parseCredentialInput(input, options.extraFields);
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
      const current = await findSealed(this.store, owner, id);
      if (current.provider !== valid.provider.id) {
        throw ValidationError.of('provider', `cannot be changed (the credential is a ${current.provider} credential)`);
      }
      const secrets = openSecrets(this.sealer, current);
      const stored = { ...current.keys, ...secrets };
      // A secret stored by another door's extra field (the seed pair, through REST) is kept like the provider's own.
      const spec = withStoredSecrets(valid.provider, Object.keys(secrets));
      const keys = completeKeys(spec, valid.keys, stored, options);
      checkKeys(spec, keys);
      if (!this.access.allows(caller, context, 'deliverKeys')) secretsFollowTheirDestination(valid, keys, current, stored);
      const changes = {
        probedChanged: valid.baseUrl !== current.baseUrl || !sameKeys(keys, stored),
        name: valid.name,
        description: valid.description,
        baseUrl: valid.baseUrl,
        category: valid.category,
        ...this.#storedKeys(spec, keys, current),
        at: new Date(),
      };
      const outcome = await this.store.update(owner, id, current.version, changes, actorOf(caller));
      if (outcome === 'duplicate') throw new CredentialNameTaken(valid.name);
      if (outcome === 'updated') return this.#describe(owner, id);
      // Changed or deleted since it was read: read again and retry.
    }
    throw new Error(`Credential ${id} kept changing during update`);
  }

  /** Soft delete: the row stays, marked deleted, its secret wiped and its name freed. */
  async delete(caller: Caller, id: string): Promise<void> {
    const { owner } = await this.access.context(caller, 'writeCredentials');
    if (!ID_PATTERN.test(id) || !(await this.store.softDelete(owner, id, new Date(), actorOf(caller)))) {
      throw new CredentialNotFound(id);
    }
  }

  /** Resolves when `name` is valid and free for this owner; throws otherwise. */
  async validateName(caller: Caller, name: unknown): Promise<void> {
    const { owner } = await this.access.context(caller, 'readCredentials');
    const valid = parseName(name);
    if (await this.store.isNameTaken(owner, valid)) throw new CredentialNameTaken(valid);
  }

  /** The keys as stored: returned fields in clear, secret fields sealed together for this credential. */
  #storedKeys(spec: ProviderSpec, keys: KeyValues, credential: { id: string; owner: Owner }): { keys: StoredKeys; secret: string | null } {
    const returned = pick(keys, returnedFields(spec));
    const secrets = pick(keys, secretFields(spec));
    return {
      keys: returned,
      secret: Object.keys(secrets).length > 0 ? this.sealer.seal(JSON.stringify(secrets), sealingContext({ ...credential, provider: spec.id })) : null,
    };
  }
}

/** The provider with the secret fields a credential holds beyond its own (kept when not sent again). */
function withStoredSecrets(spec: ProviderSpec, secretNames: readonly string[]): ProviderSpec {
  const extra = secretNames.filter((name) => !(name in spec.fields));
  if (extra.length === 0) return spec;
  return withFields(spec, Object.fromEntries(extra.map((name) => [name, { secret: true, type: 'string', description: name } satisfies KeyField])));
}

/**
 * The complete keys to store: the client's values, then stored secrets the
 * client did not send (one sent empty is cleared), server-set fields, and
 * defaults. A stored value the new keys forbid (a static AWS key when the
 * client switches to role mode) is dropped, not kept.
 */
function completeKeys(spec: ProviderSpec, sent: KeyValues, stored: KeyValues, options: WriteOptions): KeyValues {
  const keys: KeyValues = { ...sent };
  for (const name of secretFields(spec)) {
    if (keys[name] === undefined && stored[name] !== undefined && stored[name] !== null) keys[name] = stored[name];
  }
  for (const name of spec.forbids?.(keys) ?? []) {
    if (sent[name] === undefined) keys[name] = null;
  }
  for (const [name, field] of Object.entries(spec.fields)) {
    if (field.serverSet) keys[name] = stored[name] ?? null;
    if (keys[name] === undefined && field.default !== undefined) keys[name] = field.default;
  }
  if (options.useExternalId && 'externalId' in spec.fields && !keys.externalId) {
    keys.externalId = randomBase62(32);
  }
  return keys;
}

/**
 * A stored secret never goes to a new destination unless it comes with the
 * change: an update that changes a field deciding where the secret is sent
 * (`baseUrl`, a registry; the provider table names them) must send every
 * stored secret it keeps, when its caller may not fetch the keys anyway.
 * Otherwise a writer could point the probe at a host of theirs and read the
 * secret it carries.
 */
function secretsFollowTheirDestination(valid: ValidCredentialInput, keys: KeyValues, current: SealedCredential, stored: KeyValues): void {
  const before = (field: string) => (field === 'baseUrl' ? current.baseUrl : (stored[field] ?? null));
  const after = (field: string) => (field === 'baseUrl' ? valid.baseUrl : (keys[field] ?? null));
  const moved = (valid.provider.destinations ?? []).filter((field) => before(field) !== after(field));
  if (moved.length === 0) return;
  const kept = secretFields(valid.provider).filter((name) => valid.keys[name] === undefined && stored[name] !== undefined && stored[name] !== null);
  if (kept.length === 0) return;
  throw new ValidationError(
    kept.map((name) => ({
      path: `keys.${name}`,
      message: `must be sent again: ${moved.join(' and ')} changed, and a stored secret is sent to a new destination only with the change (or by a caller who may fetch the keys)`,
    })),
  );
}

/** Equal set values (nulls and absent ones alike). */
function sameKeys(a: KeyValues, b: KeyValues): boolean {
  const names = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...names].every((name) => (a[name] ?? null) === (b[name] ?? null));
}

/** The set values of `names` (nulls and absent ones left out). */
function pick(keys: KeyValues, names: readonly string[]): StoredKeys {
  const picked: StoredKeys = {};
  for (const name of names) {
    const value = keys[name];
    if (value !== undefined && value !== null) picked[name] = value;
  }
  return picked;
}

type Cursor = { dateCreated: Timestamp; id: string };

function encodeCursor(record: CredentialRecord): string {
  return Buffer.from(`${record.dateCreated}|${record.id}`).toString('base64url');
}

function decodeCursor(cursor: string): Cursor {
  const [date, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const dateCreated = parseTimestamp(date ?? '');
  if (!id || !ID_PATTERN.test(id) || dateCreated === undefined) throw ValidationError.of('after', 'is not a valid cursor');
  return { dateCreated, id };
}

/**
 * The request of a create as the domain understood it, as canonical JSON
 * (object keys sorted, key fields sent empty left out: a create stores nothing
 * for them either way): equal requests, equal text.
 */
function requestText(valid: ValidCredentialInput, options: CreateOptions): string {
  const keys = pick(valid.keys, Object.keys(valid.keys));
  return JSON.stringify({ ...valid, keys, provider: valid.provider.id, useExternalId: options.useExternalId ?? false }, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}
