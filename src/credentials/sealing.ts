/**
 * Associated data of a credential's sealed secret: the credential it belongs
 * to, so a sealed value copied to another row (or owner, or provider) does not open.
 */
export const sealingContext = (credential: { id: string; userId: string; provider: string }): string =>
  `credential:${credential.id}:user:${credential.userId}:provider:${credential.provider}`;
