/**
 * The credentials use cases. Every rule about credentials (validation,
 * ownership, sealing, naming, uniqueness, soft delete, idempotent create)
 * lives here; GraphQL and REST only translate to and from these calls, and the
 * credential store is the only way to the stored rows.
 */
import { actorOf, type Caller, isOperator, type Owner, type Principal } from '../../../core/caller.js';
import { LimitReached, ValidationError } from '../../../core/errors.js';
import { ID_PATTERN, newId, randomBase62 } from '../../../core/ids.js';
import { parseTimestamp, type Timestamp, timestampOf } from '../../../core/time.js';
import type { Sealer } from '../../../platform/secrets/keyring.js';
import type { ReadEvent } from '../../audit/index.js';
import {
  expiryColumns,
  expiryOfMaterial,
  type KeyField,
  type KeyValues,
  type ProviderSettings,
  type ProviderSpec,
  providers,
  returnedFields,
  secretFields,
  storedDerived,
  withFields,
} from '../../providers/index.js';
import type { WorkspaceAccess, WorkspaceAction } from '../../workspaces/index.js';
import {
  CredentialNameTaken,
  CredentialNotFound,
  CredentialVersionNotFound,
  IdempotencyKeyReused,
  IdempotentCreateDeleted,
  UndeleteNameTaken,
} from '../errors.js';
import type { CredentialRecord, NewVersion, SealedCredential, StoredKeys, VersionRecord } from '../model.js';
import type { CredentialStore } from '../ports.js';
import { type CredentialInput, checkKeys, parseCredentialInput, parseName, type ValidCredentialInput } from '../rules/input.js';
import { findSealed, openSecrets, openVersionSecrets, sealingContext, versionSealingContext } from '../rules/sealing.js';
import { type CredentialPage, type CredentialView, toView } from '../rules/view.js';
import { PageCache } from './page-cache.js';

export type { VersionRecord };

/** A page of a credential's versions, newest first. */
export interface VersionPage {
  items: VersionRecord[];
  hasNextPage: boolean;
}

/** A deleted credential in its recovery window: when it was deleted, and when it will be destroyed. */
export interface DeletedCredentialView extends CredentialView {
  deleted: Timestamp;
  purgeAfter: Timestamp;
}

/** The longest `within` of an expiry query: ten years. */
export const MAX_EXPIRY_HORIZON_MS = 3650 * 86_400_000;

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
  /** Versions of key material kept per credential (CREDENTIAL_VERSIONS_KEPT); older ones are destroyed. */
  versionsKept?: number;
  /** How long a deleted credential stays restorable, in ms (CREDENTIAL_RECOVERY_WINDOW; 0: purged at once). */
  recoveryWindowMs?: number;
  /**
   * AUDIT_READS: where describes and lists are recorded before they are
   * answered (a read whose record cannot be written fails); undefined: not recorded.
   */
  recordReads?: (events: readonly ReadEvent[]) => Promise<void>;
}

/** The audit row of a read in a context. */
const readEvent = (caller: Caller, owner: Owner, action: ReadEvent['action'], targetId: string, detail: string | null): ReadEvent => ({
  action,
  targetId,
  ownerUserId: owner.kind === 'user' ? owner.id : null,
  workspaceId: owner.kind === 'workspace' ? owner.id : null,
  actor: caller.userId,
  door: caller.door,
  detail,
});

export const DEFAULT_VERSIONS_KEPT = 10;
export const DEFAULT_RECOVERY_WINDOW_MS = 7 * 86_400_000;

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
    /** The time, in epoch milliseconds (a test's clock). */
    private readonly clock: () => number = Date.now,
  ) {}

  get versionsKept(): number {
    return this.settings.versionsKept ?? DEFAULT_VERSIONS_KEPT;
  }

  get recoveryWindowMs(): number {
    return this.settings.recoveryWindowMs ?? DEFAULT_RECOVERY_WINDOW_MS;
  }

  /** The view of a record, with its provider's setup snippet. */
  #view(record: CredentialRecord): CredentialView {
    return toView(record, providers.get(record.provider)?.setupSnippet?.(record.keys, this.settings, record) ?? null);
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
    const at = new Date(this.clock());
    const stored = this.#storedKeys(valid.provider, keys, { id, owner });
    const expiry = expiryColumns(valid.expiresAt ?? null, expiryOfMaterial(keys));
    const credential = {
      id,
      owner,
      name: valid.name,
      description: valid.description,
      provider: valid.provider.id,
      baseUrl: valid.baseUrl,
      category: valid.category,
      ...stored,
      expiry,
      firstVersion: this.#version({ id, owner, provider: valid.provider.id }, 1, stored.keys, valid.baseUrl, keys, valid.provider, {
        changed: changedFields({}, null, keys, valid.baseUrl),
        at,
        restoredFrom: null,
        by: actorOf(caller),
      }),
      at,
      idempotencyKey: idempotencyKey ?? null,
      requestFingerprint: idempotencyKey === undefined ? null : this.sealer.fingerprint(request),
    };
    const limit = this.settings.credentialsPerContext;
    const outcome = await this.store.insert(credential, actorOf(caller), limit);
    if (outcome === 'limit') {
      throw contextFull(owner, limit!);
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
        expiresAt: expiry.expiresAt ? timestampOf(expiry.expiresAt) : null,
        expiresAtSource: expiry.expiresAtSource,
        keyVersion: 1,
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
    const view = await this.#describe(owner, id);
    await this.settings.recordReads?.([readEvent(caller, owner, 'credential.read', view.id, null)]);
    return view;
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
    if (first !== undefined) checkPageSize(first);
    checkProviders(options.providers);
    const after = options.after === undefined ? undefined : decodeCursor(options.after);
    // A page is served from the cache while the owner's credentials are unchanged
    // (a workspace's version was read with the caller's role).
    const version = context.version ?? (await this.store.findVersion(owner));
    const key = `${owner.kind}:${owner.id}|${options.providers?.join(',') ?? '*'}|${options.after ?? ''}|${first ?? 'all'}`;
    let page = this.#pages.get(key, version);
    if (!page) {
      page = await this.#readPage(owner, options.providers, after, first);
      this.#pages.set(key, version, page);
    }
    if (this.settings.recordReads) {
      const what = `${page.items.length} credential${page.items.length === 1 ? '' : 's'}${options.providers ? ` of ${options.providers.join(', ')}` : ''}${options.after ? ' (a later page)' : ''}`;
      await this.settings.recordReads([readEvent(caller, owner, 'credential.list', owner.kind === 'user' ? owner.id : String(owner.id), what)]);
    }
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
      const materialChanged = valid.baseUrl !== current.baseUrl || !sameKeys(keys, stored);
      const at = new Date(this.clock());
      const by = actorOf(caller);
      const storedKeys = this.#storedKeys(spec, keys, current);
      const changes = {
        probedChanged: materialChanged,
        name: valid.name,
        description: valid.description,
        baseUrl: valid.baseUrl,
        category: valid.category,
        ...storedKeys,
        // The user's date as sent (kept when not sent); the material's, read again when it changed.
        expiry: expiryColumns(
          valid.expiresAt === undefined ? current.userExpiresAt : valid.expiresAt,
          materialChanged ? expiryOfMaterial(keys) : storedDerived(current),
        ),
        versions: materialChanged ? this.#versionsOfChange(current, stored, spec, storedKeys.keys, valid.baseUrl, keys, { at, restoredFrom: null, by }) : [],
        at,
      };
      const outcome = await this.store.update(owner, id, current.version, changes, by, this.versionsKept);
      if (outcome === 'duplicate') throw new CredentialNameTaken(valid.name);
      if (outcome === 'updated') return this.#describe(owner, id);
      // Changed or deleted since it was read: read again and retry.
    }
    throw new Error(`Credential ${id} kept changing during update`);
  }

  /**
   * Deletes the credential: at once it is gone for every door (describe, list,
   * keys, validation) and its name is free; its sealed material is kept for the
   * recovery window (undelete), then destroyed. `purge` (managers only)
   * destroys it at once, and purges a credential deleted earlier and still in its window.
   */
  async delete(caller: Caller, id: string, options: { purge?: boolean } = {}): Promise<void> {
    const { owner } = await this.access.context(caller, options.purge ? 'manageCredentials' : 'writeCredentials');
    const by = actorOf(caller);
    const at = new Date(this.clock());
    if (!ID_PATTERN.test(id)) throw new CredentialNotFound(id);
    const deleted = await this.store.softDelete(owner, id, at, by);
    const purged =
      (options.purge || this.recoveryWindowMs === 0) && (await this.store.purge(owner, id, at, by, options.purge ? 'at once' : 'no recovery window'));
    if (deleted || purged) return;
    throw new CredentialNotFound(id);
  }

  /**
   * The versions to record for a change of key material: the new one, after
   * the state before it when the credential has none recorded yet (one created
   * before versions were kept: its material as it was, by nobody known).
   */
  #versionsOfChange(
    current: SealedCredential,
    stored: KeyValues,
    spec: ProviderSpec,
    newKeys: StoredKeys,
    newBaseUrl: string | null,
    allKeys: KeyValues,
    made: Pick<NewVersion, 'at' | 'restoredFrom' | 'by'>,
  ): NewVersion[] {
    const versions: NewVersion[] = [];
    let number = current.keyVersion + 1;
    if (current.keyVersion === 0) {
      versions.push(
        this.#version(current, 1, current.keys, current.baseUrl, stored, spec, {
          changed: [],
          at: new Date(current.lastUpdated),
          restoredFrom: null,
          by: null,
        }),
      );
      number = 2;
    }
    versions.push(
      this.#version(current, number, newKeys, newBaseUrl, allKeys, spec, { ...made, changed: changedFields(stored, current.baseUrl, allKeys, newBaseUrl) }),
    );
    return versions;
  }

  /** A version of material: its returned keys, base URL, and its secret fields sealed for this version alone. */
  #version(
    credential: { id: string; owner: Owner; provider: string },
    number: number,
    keys: StoredKeys,
    baseUrl: string | null,
    allKeys: KeyValues,
    spec: ProviderSpec,
    rest: Pick<NewVersion, 'changed' | 'at' | 'restoredFrom' | 'by'>,
  ): NewVersion {
    const secrets = pick(allKeys, secretFields(spec));
    const secret = Object.keys(secrets).length > 0 ? this.sealer.seal(JSON.stringify(secrets), versionSealingContext(credential, number)) : null;
    return { number, keys, baseUrl, secret, ...rest };
  }

  // ---- History: versions, restore ---------------------------------------------

  /** The credential's versions of key material, newest first (names of changed fields, never values). */
  async versions(caller: Caller, id: string, options: { first?: number; after?: number } = {}): Promise<VersionPage> {
    const { owner } = await this.access.context(caller, 'readCredentials');
    const first = options.first ?? MAX_PAGE_SIZE;
    checkPageSize(first);
    if (options.after !== undefined && (!Number.isSafeInteger(options.after) || options.after < 1)) {
      throw ValidationError.of('after', 'must be a version number (a positive integer)');
    }
    const credential = await findSealed(this.store, owner, id);
    const items = await this.store.findVersions(credential.id, options.after, first + 1);
    return { items: items.slice(0, first), hasNextPage: items.length > first };
  }

  /**
   * Makes a new version equal to version `number` (history is never
   * rewritten): its keys, base URL and secret become the credential's again.
   * Its validation starts afresh (not validated). Whoever may update it may restore it.
   */
  async restore(caller: Caller, id: string, number: number): Promise<CredentialView> {
    const { owner } = await this.access.context(caller, 'writeCredentials');
    if (!Number.isSafeInteger(number) || number < 1) throw ValidationError.of('version', 'must be a version number (a positive integer)');
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
      const current = await findSealed(this.store, owner, id);
      const version = await this.store.findKeyVersion(current.id, number);
      if (!version) throw new CredentialVersionNotFound(id, number);
      const spec = providers.get(current.provider)!;
      const restored: KeyValues = { ...version.keys, ...openVersionSecrets(this.sealer, current, version) };
      // Fields a door added (the seed pair, through REST) come back as they were: returned or secret.
      const extra = Object.keys(restored).filter((name) => !(name in spec.fields));
      const withSecrets = extra.length
        ? withFields(
            spec,
            Object.fromEntries(extra.map((name) => [name, { secret: !(name in version.keys), type: 'string', description: name } satisfies KeyField])),
          )
        : spec;
      const stored = { ...current.keys, ...openSecrets(this.sealer, current) };
      const at = new Date(this.clock());
      const by = actorOf(caller);
      const storedKeys = this.#storedKeys(withSecrets, restored, current);
      const next = current.keyVersion + 1;
      const changes = {
        probedChanged: true,
        name: current.name,
        description: current.description,
        baseUrl: version.baseUrl,
        category: current.category,
        ...storedKeys,
        expiry: expiryColumns(current.userExpiresAt, expiryOfMaterial(restored)),
        versions: [
          this.#version(current, next, storedKeys.keys, version.baseUrl, restored, withSecrets, {
            changed: changedFields(stored, current.baseUrl, restored, version.baseUrl),
            at,
            restoredFrom: number,
            by,
          }),
        ],
        change: 'restore' as const,
        detail: `version ${number} as version ${next}`,
        at,
      };
      const outcome = await this.store.update(owner, id, current.version, changes, by, this.versionsKept);
      if (outcome === 'updated') return this.#describe(owner, id);
      // Changed or deleted since it was read: read again and retry.
    }
    throw new Error(`Credential ${id} kept changing during restore`);
  }

  // ---- Recovery: deleted credentials, undelete ------------------------------------

  /** The context's deleted credentials still in their recovery window, the most recently deleted first. Managers only; the operator sees every context's. */
  async deleted(caller: Principal, options: { first?: number } = {}): Promise<DeletedCredentialView[]> {
    const owner = await this.#ownerFor(caller, 'manageCredentials');
    const first = options.first ?? MAX_PAGE_SIZE;
    checkPageSize(first);
    const records = await this.store.findDeleted(owner, first);
    return records.map((record) => ({
      ...this.#view(record),
      deleted: record.deleted,
      purgeAfter: timestampOf(new Date(Date.parse(record.deleted) + this.recoveryWindowMs)),
    }));
  }

  /**
   * Brings a deleted credential in its recovery window back, keys intact,
   * under its name or `name`. A name a live credential took meanwhile is
   * refused with a free one offered. Managers only.
   */
  async undelete(caller: Principal, id: string, options: { name?: unknown } = {}): Promise<CredentialView> {
    const requested = await this.#ownerFor(caller, 'manageCredentials');
    const wanted = options.name === undefined || options.name === null ? undefined : parseName(options.name);
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
      const deleted = ID_PATTERN.test(id) ? await this.store.findDeletedForChange(requested, id) : null;
      if (!deleted) throw new CredentialNotFound(id);
      const owner = deleted.owner;
      const name = wanted ?? deleted.name;
      const limit = this.settings.credentialsPerContext;
      const outcome = await this.store.undelete(owner, id, deleted.version, name, new Date(this.clock()), actorOf(caller), limit);
      if (outcome === 'duplicate') throw new UndeleteNameTaken(name, await this.#freeName(owner, name));
      if (outcome === 'limit') {
        throw contextFull(owner, limit!);
      }
      if (outcome === 'updated') return this.#describe(owner, id);
    }
    throw new Error(`Credential ${id} kept changing during undelete`);
  }

  /** The context a call acts on, checked for `action`; undefined for the operator (every context). */
  async #ownerFor(principal: Principal, action: WorkspaceAction): Promise<Owner | undefined> {
    if (isOperator(principal)) return undefined;
    return (await this.access.context(principal, action)).owner;
  }

  /** A name like `name` that no live credential of the owner has: `<name>-restored`, then `-restored-2`, … */
  async #freeName(owner: Owner, name: string): Promise<string> {
    for (let n = 1; n <= 20; n++) {
      const suffix = n === 1 ? '-restored' : `-restored-${n}`;
      const candidate = name.slice(0, 100 - suffix.length) + suffix;
      if (!(await this.store.isNameTaken(owner, candidate))) return candidate;
    }
    return `${name.slice(0, 77)}-${randomBase62(22)}`;
  }

  // ---- Expiry -------------------------------------------------------------------------

  /**
   * The context's live credentials expiring before `before` (expired ones
   * included), the soonest first, a page at a time (the cursor orders by expiry).
   */
  async expiring(caller: Principal, before: Date, options: ListOptions = {}): Promise<CredentialPage> {
    const owner = await this.#ownerFor(caller, 'readCredentials');
    const first = options.first ?? MAX_PAGE_SIZE;
    checkPageSize(first);
    if (Number.isNaN(before.getTime()) || before.getTime() > this.clock() + MAX_EXPIRY_HORIZON_MS) {
      throw ValidationError.of('expiringBefore', 'must be a date-time at most ten years ahead');
    }
    checkProviders(options.providers);
    const after = options.after === undefined ? undefined : decodeExpiryCursor(options.after);
    const records = await this.store.findExpiring(owner, before, first + 1, { providers: options.providers, after });
    const page = records.slice(0, first);
    return {
      items: page.map((record) => ({ credential: this.#view(record), cursor: Buffer.from(`e|${record.expiresAt}|${record.id}`).toString('base64url') })),
      hasNextPage: records.length > first,
    };
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

/** The names of the fields whose values differ (key fields, and `baseUrl`): names only, never values. */
export function changedFields(before: KeyValues, baseUrlBefore: string | null, after: KeyValues, baseUrlAfter: string | null): string[] {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((name) => (before[name] ?? null) !== (after[name] ?? null)).sort();
  return baseUrlBefore !== baseUrlAfter ? ['baseUrl', ...names] : names;
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

/** A page size a client chose: an integer from 0 to MAX_PAGE_SIZE. */
function checkPageSize(first: number): void {
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) throw ValidationError.of('first', `must be an integer from 0 to ${MAX_PAGE_SIZE}`);
}

/** Provider filters a client chose: known providers only. */
function checkProviders(ids: readonly string[] | undefined): void {
  for (const p of ids ?? []) {
    if (!providers.has(p)) throw ValidationError.of('provider', `unknown provider '${p}'`);
  }
}

/** The owner holds the most live credentials allowed (a create or an undelete beyond it). */
const contextFull = (owner: Owner, limit: number) =>
  new LimitReached(`live credentials in ${owner.kind === 'user' ? 'a personal context' : 'a workspace'}`, limit, 'MAX_CREDENTIALS_PER_CONTEXT');

type Cursor = { dateCreated: Timestamp; id: string };

function encodeCursor(record: CredentialRecord): string {
  return Buffer.from(`${record.dateCreated}|${record.id}`).toString('base64url');
}

/** The cursor of an expiry-ordered page: `e|<expiresAt>|<id>`. */
function decodeExpiryCursor(cursor: string): { expiresAt: Date; id: string } {
  const [tag, date, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const at = parseTimestamp(date ?? '');
  if (tag !== 'e' || !id || !ID_PATTERN.test(id) || at === undefined) throw ValidationError.of('after', 'is not a valid cursor of this list');
  return { expiresAt: new Date(at), id };
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
