/**
 * Associated data of a credential's sealed secret: the credential it belongs
 * to, its owner (a user or a workspace) and its provider, so a sealed value
 * copied to another row, owner or provider does not open.
 */
import type { Owner } from '../../core/caller.js';

export const sealingContext = (credential: { id: string; owner: Owner; provider: string }): string =>
  `credential:${credential.id}:${credential.owner.kind}:${credential.owner.id}:provider:${credential.provider}`;

/** The secret key fields of a credential, opened (none when it has none). */
export function openSecrets(
  sealer: { open(sealed: string, associatedData: string): string },
  credential: { id: string; owner: Owner; provider: string; secret: string | null },
): Record<string, string | boolean> {
  if (!credential.secret) return {};
  return JSON.parse(sealer.open(credential.secret, sealingContext(credential))) as Record<string, string | boolean>;
}
