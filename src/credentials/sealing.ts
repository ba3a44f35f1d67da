/**
 * Associated data of a credential's sealed secret: the credential it belongs
 * to, its owner (a user or a workspace) and its provider, so a sealed value
 * copied to another row, owner or provider does not open.
 */
import type { Owner } from '../core/caller.js';

export const sealingContext = (credential: { id: string; owner: Owner; provider: string }): string =>
  `credential:${credential.id}:${credential.owner.kind}:${credential.owner.id}:provider:${credential.provider}`;
