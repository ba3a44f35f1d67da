import type { Backoff } from './model.js';

export interface BackoffStore {
  /** The back-offs of these credentials (those that have one). */
  find(credentialIds: readonly string[]): Promise<Map<string, Backoff>>;
  /** Records another transient failure at `version` (the first, when the version changed), to retry at `retryAt`. */
  record(credentialId: string, backoff: Backoff): Promise<void>;
  /** Forgets the back-off: a probe decided. */
  clear(credentialId: string): Promise<void>;
}
