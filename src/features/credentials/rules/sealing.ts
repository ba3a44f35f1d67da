/**
 * A credential's secret key fields: sealed with associated data, opened, and
 * found with the credential. Associated data of a credential's sealed secret: the credential it belongs
 * to, its owner (a user or a workspace) and its provider, so a sealed value
 * copied to another row, owner or provider does not open.
 */
import type { Owner } from '../../../core/caller.js';
import { ID_PATTERN } from '../../../core/ids.js';
import type { KeyValues } from '../../providers/index.js';
import { CredentialNotFound } from '../errors.js';
import type { SealedCredential } from '../model.js';
import type { CredentialStore } from '../ports.js';

export const sealingContext = (credential: { id: string; owner: Owner; provider: string }): string =>
  `credential:${credential.id}:${credential.owner.kind}:${credential.owner.id}:provider:${credential.provider}`;

/**
 * Associated data of a version's sealed secret: the credential's, and the
 * version number, so a version copied to another credential or another
 * version's slot (or to the live row) does not open.
 */
export const versionSealingContext = (credential: { id: string; owner: Owner; provider: string }, version: number): string =>
  `${sealingContext(credential)}:version:${version}`;

/** The associated data a stored sealed value of credentials was sealed with: the live row's, or its version's. */
export const sealedSecretContext = (secret: { id: string; owner: Owner; provider: string; version: number | null }): string =>
  secret.version === null ? sealingContext(secret) : versionSealingContext(secret, secret.version);

/** A version's secret key fields, opened (none when it has none). */
export function openVersionSecrets(
  sealer: { open(sealed: string, associatedData: string): string },
  credential: { id: string; owner: Owner; provider: string },
  version: { number: number; secret: string | null },
): Record<string, string | boolean> {
  if (!version.secret) return {};
  return JSON.parse(sealer.open(version.secret, versionSealingContext(credential, version.number))) as Record<string, string | boolean>;
}

/** The secret key fields of a credential, opened (none when it has none). */
export function openSecrets(
  sealer: { open(sealed: string, associatedData: string): string },
  credential: { id: string; owner: Owner; provider: string; secret: string | null },
): Record<string, string | boolean> {
  if (!credential.secret) return {};
  return JSON.parse(sealer.open(credential.secret, sealingContext(credential))) as Record<string, string | boolean>;
}

/** Every key value of a credential: its returned fields and its secret ones, opened. */
export function openKeys(
  sealer: { open(sealed: string, associatedData: string): string },
  credential: { id: string; owner: Owner; provider: string; secret: string | null; keys: Readonly<KeyValues> },
): KeyValues {
  return { ...credential.keys, ...openSecrets(sealer, credential) };
}

/**
 * The owner's live credential with its sealed secret (for a change, a probe, a
 * delivery): CredentialNotFound for a malformed id, an unknown or deleted one,
 * or another owner's (they look alike).
 */
export async function findSealed(store: Pick<CredentialStore, 'findForChange'>, owner: Owner, id: string): Promise<SealedCredential> {
  const credential = ID_PATTERN.test(id) ? await store.findForChange(owner, id) : null;
  if (!credential) throw new CredentialNotFound(id);
  return credential;
}

/** A sealed value's place, as the rotation's list of unreadable ones names it: `<id>` (live) or `<id>#<version>`. */
export const slotOf = (secret: { id: string; version: number | null }): string => (secret.version === null ? secret.id : `${secret.id}#${secret.version}`);
