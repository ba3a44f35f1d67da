/**
 * A credential's history and recovery: its versions of key material, the
 * restore of one, the deleted credentials of a context in their recovery
 * window and their undelete.
 */
import { actorOf, type Caller, isOperator, type Owner, type Principal } from '../../../core/caller.js';
import { ValidationError } from '../../../core/errors.js';
import { ID_PATTERN, randomBase62 } from '../../../core/ids.js';
import { pageOf } from '../../../core/paging.js';
import { CHANGED, retryOnChange } from '../../../core/retry.js';
import { timestampOf } from '../../../core/time.js';
import type { Sealer } from '../../../platform/secrets/keyring.js';
import { expiryColumns, expiryOfMaterial, type KeyField, type KeyValues, providers, withFields } from '../../providers/index.js';
import type { WorkspaceAccess, WorkspaceAction } from '../../workspaces/index.js';
import { CredentialNotFound, CredentialVersionNotFound, UndeleteNameTaken } from '../errors.js';
import type { CredentialStore } from '../ports.js';
import { parseName } from '../rules/input.js';
import { changedFields } from '../rules/material.js';
import { checkPageSize, contextFull, MAX_PAGE_SIZE } from '../rules/paging.js';
import { findSealed, openSecrets, openVersionSecrets } from '../rules/sealing.js';
import type { CredentialView } from '../rules/view.js';
import type { CredentialSettings, DeletedCredentialView, VersionPage } from './options.js';
import type { SealedKeys } from './sealed-keys.js';

/** The context a call acts on, checked for `action`; undefined for the operator (every context). */
export async function ownerFor(access: WorkspaceAccess, principal: Principal, action: WorkspaceAction): Promise<Owner | undefined> {
  if (isOperator(principal)) return undefined;
  return (await access.context(principal, action)).owner;
}

export class CredentialHistory {
  readonly #keys: SealedKeys;

  constructor(
    private readonly store: CredentialStore,
    private readonly sealer: Sealer,
    private readonly access: WorkspaceAccess,
    private readonly settings: CredentialSettings,
    private readonly clock: () => number,
    keys: SealedKeys,
    /** The live credential as its owner sees it (CredentialNotFound when gone). */
    private readonly describe: (owner: Owner, id: string) => Promise<CredentialView>,
  ) {
    this.#keys = keys;
  }

  /** The credential's versions of key material, newest first (names of changed fields, never values). */
  async versions(caller: Caller, id: string, options: { first?: number; after?: number } = {}): Promise<VersionPage> {
    const { owner } = await this.access.context(caller, 'readCredentials');
    const first = options.first ?? MAX_PAGE_SIZE;
    checkPageSize(first);
    if (options.after !== undefined && (!Number.isSafeInteger(options.after) || options.after < 1)) {
      throw ValidationError.of('after', 'must be a version number (a positive integer)');
    }
    const credential = await findSealed(this.store, owner, id);
    return pageOf(await this.store.findVersions(credential.id, options.after, first + 1), first);
  }

  /**
   * Makes a new version equal to version `number` (history is never
   * rewritten): its keys, base URL and secret become the credential's again.
   * Its validation starts afresh (not validated). Whoever may update it may restore it.
   */
  async restore(caller: Caller, id: string, number: number): Promise<CredentialView> {
    const { owner } = await this.access.context(caller, 'writeCredentials');
    if (!Number.isSafeInteger(number) || number < 1) throw ValidationError.of('version', 'must be a version number (a positive integer)');
    return retryOnChange(`Credential ${id}`, async () => {
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
      const storedKeys = this.#keys.stored(withSecrets, restored, current);
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
          this.#keys.version(current, next, storedKeys.keys, version.baseUrl, restored, withSecrets, {
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
      const outcome = await this.store.update(owner, id, current.version, changes, by, this.settings.versionsKept);
      // Changed or deleted since it was read: read again and retry.
      return outcome === 'updated' ? this.describe(owner, id) : CHANGED;
    });
  }

  // ---- Recovery ----------------------------------------------------------------------

  /** The context's deleted credentials still in their recovery window, the most recently deleted first. Managers only; the operator sees every context's. */
  async deleted(caller: Principal, options: { first?: number } = {}): Promise<DeletedCredentialView[]> {
    const owner = await ownerFor(this.access, caller, 'manageCredentials');
    const first = options.first ?? MAX_PAGE_SIZE;
    checkPageSize(first);
    const records = await this.store.findDeleted(owner, first);
    return records.map((record) => ({
      ...this.#keys.view(record),
      deleted: record.deleted,
      purgeAfter: timestampOf(new Date(Date.parse(record.deleted) + this.settings.recoveryWindowMs)),
    }));
  }

  /**
   * Brings a deleted credential in its recovery window back, keys intact,
   * under its name or `name`. A name a live credential took meanwhile is
   * refused with a free one offered. Managers only.
   */
  async undelete(caller: Principal, id: string, options: { name?: unknown } = {}): Promise<CredentialView> {
    const requested = await ownerFor(this.access, caller, 'manageCredentials');
    const wanted = options.name === undefined || options.name === null ? undefined : parseName(options.name);
    return retryOnChange(`Credential ${id}`, async () => {
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
      return outcome === 'updated' ? this.describe(owner, id) : CHANGED;
    });
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
}
