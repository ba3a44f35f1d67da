/**
 * A value now or later: the prepared reads answer synchronously on SQLite
 * (better-sqlite3) and asynchronously on PostgreSQL; callers await either.
 */
export type MaybePromise<T> = T | Promise<T>;
