/** A credential as every door shows it: the returned key fields only, never a secret. */
import { providers, returnedFields } from '../../providers/index.js';
import type { CredentialRecord } from '../model.js';

/**
 * The record's fields, but the keys as shown and the version as `currentVersion`. toView copies each field by
 * name (never a spread: a sealed record passed in must not carry its secret into a view).
 */
export type CredentialView = Omit<CredentialRecord, 'keys' | 'keyVersion'> & {
  /**
   * Every returned key field of the provider, in the table's order, null when
   * unset; then any other returned field stored (a door's extra field: the
   * seed API's generic pair). Each door shows the fields it knows.
   */
  keys: Record<string, string | boolean | null>;
  /** The number of its current version of key material (0: none recorded yet). */
  currentVersion: number;
  /** The provider-side set-up to paste (an AWS role's trust policy), when there is one. */
  setupSnippet: string | null;
};

export interface CredentialPage {
  items: { credential: CredentialView; cursor: string }[];
  hasNextPage: boolean;
}

export function toView(record: CredentialRecord, setupSnippet: string | null = null): CredentialView {
  const keys: CredentialView['keys'] = {};
  for (const name of returnedFields(providers.get(record.provider)!)) keys[name] = record.keys[name] ?? null;
  for (const [name, value] of Object.entries(record.keys)) if (!(name in keys)) keys[name] = value;
  return {
    id: record.id,
    owner: record.owner,
    name: record.name,
    description: record.description,
    provider: record.provider,
    baseUrl: record.baseUrl,
    category: record.category,
    keys,
    lastUsed: record.lastUsed,
    dateCreated: record.dateCreated,
    lastUpdated: record.lastUpdated,
    status: record.status === 'INVALID' ? 'INVALID' : 'AVAILABLE',
    message: record.message,
    lastValidated: record.lastValidated,
    expiresAt: record.expiresAt,
    expiresAtSource: record.expiresAtSource,
    currentVersion: record.keyVersion,
    setupSnippet,
  };
}
