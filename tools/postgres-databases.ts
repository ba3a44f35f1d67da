/**
 * Throw-away PostgreSQL databases, as the tests (test/helpers/database.ts) and the benchmarks (bench/seed.ts,
 * bench/soak.ts) make and drop them on a server whose user may create databases: one rule for the drop.
 */
import pg from 'pg';

/** Runs `work` on a new connection to `server` (a PostgreSQL URL), closed after; `unreachable` words a failed connect. */
export async function onServer<T>(
  server: string,
  work: (client: pg.Client) => Promise<T>,
  unreachable: (error: Error) => Error = (error) => error,
): Promise<T> {
  const client = new pg.Client({ connectionString: server });
  try {
    await client.connect();
  } catch (error) {
    throw unreachable(error as Error);
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Drops the database `name` through `client` (a connection to another database of its server), ending its
 * sessions. FORCE may not terminate an autovacuum worker that just entered the database (42501, without
 * pg_signal_backend); a plain DROP stops autovacuum workers itself once the caller's own connections are gone, and
 * is tried again for a few seconds while one still holds it.
 */
export async function dropPostgresDatabase(client: pg.Client, name: string): Promise<void> {
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } catch (error) {
    if ((error as { code?: string }).code !== '42501') throw error;
    for (let attempt = 1; ; attempt++) {
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}"`);
        return;
      } catch (retryError) {
        if (attempt >= 10) throw retryError;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }
}
