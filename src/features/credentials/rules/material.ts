/**
 * Key material rules: which fields a write keeps (secrets not re-sent keep
 * their stored values), generated fields, what changed between two states, and
 * the canonical text of a create (an idempotent retry is recognised by it).
 */
import { ValidationError } from '../../../core/errors.js';
import { randomBase62 } from '../../../core/ids.js';
import { type KeyField, type KeyValues, type ProviderSpec, secretFields, withFields } from '../../providers/index.js';
import type { SealedCredential, StoredKeys } from '../model.js';
import type { ValidCredentialInput } from './input.js';

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

/** The provider with the secret fields a credential holds beyond its own (kept when not sent again). */
export function withStoredSecrets(spec: ProviderSpec, secretNames: readonly string[]): ProviderSpec {
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
export function completeKeys(spec: ProviderSpec, sent: KeyValues, stored: KeyValues, options: WriteOptions): KeyValues {
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
export function secretsFollowTheirDestination(valid: ValidCredentialInput, keys: KeyValues, current: SealedCredential, stored: KeyValues): void {
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
export function sameKeys(a: KeyValues, b: KeyValues): boolean {
  const names = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...names].every((name) => (a[name] ?? null) === (b[name] ?? null));
}

/** The set values of `names` (nulls and absent ones left out). */
export function pick(keys: KeyValues, names: readonly string[]): StoredKeys {
  const picked: StoredKeys = {};
  for (const name of names) {
    const value = keys[name];
    if (value !== undefined && value !== null) picked[name] = value;
  }
  return picked;
}

/**
 * The request of a create as the domain understood it, as canonical JSON
 * (object keys sorted, key fields sent empty left out: a create stores nothing
 * for them either way): equal requests, equal text.
 */
export function requestText(valid: ValidCredentialInput, options: CreateOptions): string {
  const keys = pick(valid.keys, Object.keys(valid.keys));
  return JSON.stringify({ ...valid, keys, provider: valid.provider.id, useExternalId: options.useExternalId ?? false }, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}
