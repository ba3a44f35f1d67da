/**
 * The credentials use cases. Every rule about credentials (validation,
 * ownership, sealing, naming, uniqueness, soft delete, idempotent create)
 * lives here; GraphQL and REST only translate to and from these calls, and the
 * credential store is the only way to the stored rows.
 */
import { actorOf, type Caller, type Owner, type Principal } from '../../../core/caller.js';
import { LimitReached, ValidationError } from '../../../core/errors.js';
import { ID_PATTERN, newId } from '../../../core/ids.js';
import { pageOf } from '../../../core/paging.js';
import { CHANGED, retryOnChange } from '../../../core/retry.js';
import { timestampOf } from '../../../core/time.js';
import type { Sealer } from '../../../platform/secrets/keyring.js';
import { expiryColumns, expiryOfMaterial, storedDerived } from '../../providers/index.js';
import type { WorkspaceAccess } from '../../workspaces/index.js';
import {
  CredentialNameTaken,
  CredentialNotFound,
  CredentialVersionNotFound,
  IdempotencyKeyReused,
  IdempotentCreateDeleted,
  UndeleteNameTaken,
} from '../errors.js';
import type { CredentialStore } from '../ports.js';
import { type CredentialInput, checkKeys, parseCredentialInput, parseName } from '../rules/input.js';
import {
  type CreateOptions,
  changedFields,
  completeKeys,
  requestText,
  sameKeys,
  secretsFollowTheirDestination,
  type WriteOptions,
  withStoredSecrets,
} from '../rules/material.js';
import {
  type Cursor,
  checkPageSize,
  checkProviders,
  contextFull,
  decodeCursor,
  decodeExpiryCursor,
  encodeCursor,
  encodeExpiryCursor,
  MAX_PAGE_SIZE,
} from '../rules/paging.js';
import { findSealed, openSecrets } from '../rules/sealing.js';
import type { CredentialPage, CredentialView } from '../rules/view.js';
import { CredentialHistory, ownerFor } from './history.js';
import {
  CACHED_ITEMS,
  type CredentialSettings,
  type DeletedCredentialView,
  type ListOptions,
  MAX_EXPIRY_HORIZON_MS,
  readEvent,
  type VersionPage,
} from './options.js';
import { PageCache } from './page-cache.js';
import { SealedKeys } from './sealed-keys.js';

export * from './options.js';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * What each use case may raise besides the workspace's (ACCESS_ERRORS), for
 * the doors that answer them as typed errors (GraphQL spreads these).
 */
export const CREDENTIAL_USE_CASE_ERRORS = {
  describe: [CredentialNotFound],
  validateName: [ValidationError, CredentialNameTaken],
  create: [ValidationError, CredentialNameTaken, IdempotencyKeyReused, IdempotentCreateDeleted, LimitReached],
  update: [ValidationError, CredentialNameTaken, CredentialNotFound],
  delete: [CredentialNotFound],
  restore: [ValidationError, CredentialNotFound, CredentialVersionNotFound],
  undelete: [ValidationError, CredentialNotFound, UndeleteNameTaken, LimitReached],
} as const;

export class CredentialService {
  readonly #pages = new PageCache(CACHED_ITEMS);
  readonly #keys: SealedKeys;
  readonly #history: CredentialHistory;

  constructor(
    private readonly store: CredentialStore,
    private readonly sealer: Sealer,
    /** Whose credentials a call acts on, and whether it may (the caller's own, or a workspace's by role). */
    private readonly access: WorkspaceAccess,
    private readonly settings: CredentialSettings,
    /** The time, in epoch milliseconds (a test's clock). */
    private readonly clock: () => number = Date.now,
  ) {
    this.#keys = new SealedKeys(sealer, settings);
    this.#history = new CredentialHistory(store, sealer, access, settings, clock, this.#keys, (owner, id) => this.#describe(owner, id));
  }

  /** The credential's versions of key material, newest first (history.ts). */
  versions(caller: Caller, id: string, options: { first?: number; after?: number } = {}): Promise<VersionPage> {
    return this.#history.versions(caller, id, options);
  }

  /** Makes a new version equal to version `number` (history.ts). */
  restore(caller: Caller, id: string, number: number): Promise<CredentialView> {
    return this.#history.restore(caller, id, number);
  }

  /** The context's deleted credentials in their recovery window (history.ts). */
  deleted(caller: Principal, options: { first?: number } = {}): Promise<DeletedCredentialView[]> {
    return this.#history.deleted(caller, options);
  }

  /** Brings a deleted credential back (history.ts). */
  undelete(caller: Principal, id: string, options: { name?: unknown } = {}): Promise<CredentialView> {
    return this.#history.undelete(caller, id, options);
  }

  get versionsKept(): number {
    return this.settings.versionsKept;
  }

  get recoveryWindowMs(): number {
    return this.settings.recoveryWindowMs;
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
    const stored = this.#keys.stored(valid.provider, keys, { id, owner });
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
      firstVersion: this.#keys.version({ id, owner, provider: valid.provider.id }, 1, stored.keys, valid.baseUrl, keys, valid.provider, {
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
      return this.#keys.view({
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
    return this.#keys.view(earlier.record);
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
    return this.#keys.view(record);
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
    const page = first === undefined ? { items: records, hasNextPage: false } : pageOf(records, first);
    return { items: page.items.map((record) => ({ credential: this.#keys.view(record), cursor: encodeCursor(record) })), hasNextPage: page.hasNextPage };
  }

  /**
   * Replaces the credential's fields and its keys as a whole. Secret fields the
   * client does not re-send keep their stored values; secrets sent replace them.
   */
  async update(caller: Caller, id: string, input: CredentialInput, options: WriteOptions = {}): Promise<CredentialView> {
    const context = await this.access.context(caller, 'writeCredentials');
    const { owner } = context;
    const valid = parseCredentialInput(input, options.extraFields);
    return retryOnChange(`Credential ${id}`, async () => {
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
      const storedKeys = this.#keys.stored(spec, keys, current);
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
        versions: materialChanged
          ? this.#keys.versionsOfChange(current, stored, spec, storedKeys.keys, valid.baseUrl, keys, { at, restoredFrom: null, by })
          : [],
        at,
      };
      const outcome = await this.store.update(owner, id, current.version, changes, by, this.versionsKept);
      if (outcome === 'duplicate') throw new CredentialNameTaken(valid.name);
      // Changed or deleted since it was read: read again and retry.
      return outcome === 'updated' ? this.#describe(owner, id) : CHANGED;
    });
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

  // ---- Expiry -------------------------------------------------------------------------

  /**
   * The context's live credentials expiring before `before` (expired ones
   * included), the soonest first, a page at a time (the cursor orders by expiry).
   */
  async expiring(caller: Principal, before: Date, options: ListOptions = {}): Promise<CredentialPage> {
    const owner = await ownerFor(this.access, caller, 'readCredentials');
    const first = options.first ?? MAX_PAGE_SIZE;
    checkPageSize(first);
    if (Number.isNaN(before.getTime()) || before.getTime() > this.clock() + MAX_EXPIRY_HORIZON_MS) {
      throw ValidationError.of('expiringBefore', 'must be a date-time at most ten years ahead');
    }
    checkProviders(options.providers);
    const after = options.after === undefined ? undefined : decodeExpiryCursor(options.after);
    const page = pageOf(await this.store.findExpiring(owner, before, first + 1, { providers: options.providers, after }), first);
    return { items: page.items.map((record) => ({ credential: this.#keys.view(record), cursor: encodeExpiryCursor(record) })), hasNextPage: page.hasNextPage };
  }

  /** Resolves when `name` is valid and free for this owner; throws otherwise. */
  async validateName(caller: Caller, name: unknown): Promise<void> {
    const { owner } = await this.access.context(caller, 'readCredentials');
    const valid = parseName(name);
    if (await this.store.isNameTaken(owner, valid)) throw new CredentialNameTaken(valid);
  }
}
