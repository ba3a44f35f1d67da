/**
 * The optimistic-retry loop, written once: read, decide, write if nothing
 * changed since the read; when something did, read again. A thing that keeps
 * changing under every attempt is a conflict the client may retry (409, code
 * CONCURRENT_CHANGE), never an unexpected failure.
 */
import { DomainError } from './errors.js';

/** What `attempt` answers when the write found the thing changed since it was read: read and try again. */
export const CHANGED = Symbol('changed since read');

/** The thing kept changing while the service tried to change it. Nothing was changed by this request. */
export class ConcurrentChange extends DomainError {
  readonly kind = 'conflict';
  readonly code = 'CONCURRENT_CHANGE';
  constructor(readonly what: string) {
    super(`${what} kept changing while this request tried to change it: nothing was changed, try again`);
  }
}

/** Runs `attempt` until it answers something other than CHANGED, at most `attempts` times; then ConcurrentChange. */
export async function retryOnChange<T>(what: string, attempt: () => Promise<T | typeof CHANGED>, attempts = 5): Promise<T> {
  for (let n = 0; n < attempts; n++) {
    const outcome = await attempt();
    if (outcome !== CHANGED) return outcome;
  }
  throw new ConcurrentChange(what);
}
