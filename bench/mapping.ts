/**
 * What turning stored rows into the REST wire's JSON costs, per row: the service's own mapping (the
 * store's row → record, the domain's record → view, the wire writer), timed on a page of 100 rows as
 * the database driver returns them. Rows are read once; the mapping runs many times over them.
 */
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { RECORD_COLUMNS, type Row, recordOfRow } from '../src/db/credential-store.js';
import { toView } from '../src/domain/credentials/view.js';
import { writeList } from '../src/doors/rest/wire.js';

const COLUMNS = RECORD_COLUMNS.map((c) => `"${c}"`).join(', ');

export async function measureMapping(databaseUrl: string, userId: string): Promise<{ rows: number; microsPerRow: number }> {
  const sql = `SELECT ${COLUMNS} FROM "Credential" WHERE "userId" = $1 AND "deleted" IS NULL ORDER BY "dateCreated", "id"`;
  let rows: Row[];
  if (databaseUrl.startsWith('postgres')) {
    const client = new pg.Client({
      connectionString: databaseUrl,
      // As the service reads them: timestamp (UTC without zone) as a Date.
      types: {
        getTypeParser: ((oid: number, format: 'text') =>
          oid === 1114 ? (t: string) => new Date(`${t.replace(' ', 'T')}Z`) : pg.types.getTypeParser(oid, format)) as never,
      },
    });
    await client.connect();
    rows = (await client.query(sql, [userId])).rows as Row[];
    await client.end();
  } else {
    const db = new Sqlite(databaseUrl.slice('file:'.length), { readonly: true });
    rows = db.prepare(sql.replace('$1', '?')).all(userId) as Row[];
    db.close();
  }
  // Each round maps the rows anew, as after a change (the service then keeps the text with the page).
  const round = () => writeList({ items: rows.map((row) => ({ credential: toView(recordOfRow(row)), cursor: '' })), hasNextPage: false }).length;
  for (let i = 0; i < 2000; i++) round(); // warm up (optimised code, as in a running service)
  const best: number[] = [];
  for (let sample = 0; sample < 5; sample++) {
    const rounds = 2000;
    const started = performance.now();
    for (let i = 0; i < rounds; i++) round();
    best.push(((performance.now() - started) * 1000) / (rounds * rows.length));
  }
  return { rows: rows.length, microsPerRow: Math.min(...best) };
}
