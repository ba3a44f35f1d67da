export interface Backoff {
  /** The credential's row version the failures were at. */
  version: number;
  failures: number;
  /** Epoch milliseconds. */
  retryAt: number;
}
