/**
 * The two references of the benchmark, each started as its own process:
 *  raw   — node:http answering the service's JSON from prepared statements (better-sqlite3, or pg),
 *          with the same sealing and commit settings for inserts (the practical limit here);
 *  floor — GraphQL Yoga answering `{ hello }`, no database (what GraphQL costs before any work).
 * Usage: node --import tsx bench/references.ts raw|floor <port> [<DATABASE_URL> <key file>]
 */
import { createServer } from 'node:http';
import Sqlite from 'better-sqlite3';
import { createSchema, createYoga } from 'graphql-yoga';
import pg from 'pg';
import { newId } from '../src/core/ids.js';
import { sealingContext } from '../src/credentials/sealing.js';
import { numberedPlaceholders } from '../src/db/client.js';
import { toWire } from '../src/rest/routes.js';
import { keyRingFromFile } from '../src/secrets/keyring.js';
import { type Row, rowToView } from './seed.js';

const [kind, portText, databaseUrl, keyFile] = process.argv.slice(2);
const port = Number(portText);

if (kind === 'floor') {
  const yoga = createYoga({
    schema: createSchema({ typeDefs: 'type Query { hello: String }', resolvers: { Query: { hello: () => 'world' } } }),
    logging: false,
  });
  createServer(yoga).listen(port, '127.0.0.1');
} else {
  const ring = keyRingFromFile(keyFile!);
  const columns =
    '"id", "userId", "workspaceId", "name", "description", "provider", "baseUrl", "category", "keys", "deleted", "lastUsed", "dateCreated", "lastUpdated"';
  const describeSql = `SELECT ${columns} FROM "Credential" WHERE "id" = ? AND "userId" = ? AND "deleted" IS NULL`;
  const listSql = `SELECT ${columns} FROM "Credential" WHERE "userId" = ? AND "deleted" IS NULL ORDER BY "dateCreated", "id"`;
  const insertSql = `INSERT INTO "Credential" ("id", "userId", "name", "activeName", "provider", "keys", "secret", "dateCreated", "lastUpdated")
     VALUES (?, ?, ?, ?, 'github', '{"username":"u"}', ?, ?, ?)`;
  // The same statements, prepared once: better-sqlite3 on the file (WAL, synchronous FULL), or
  // named (server-prepared) statements on a pg pool (commits are durable by PostgreSQL's default).
  let query: (name: 'describe' | 'list' | 'insert', params: unknown[]) => Promise<Row[]>;
  if (databaseUrl!.startsWith('postgres')) {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
    const statements = { describe: numberedPlaceholders(describeSql), list: numberedPlaceholders(listSql), insert: numberedPlaceholders(insertSql) };
    query = async (name, values) => (await pool.query({ name, text: statements[name], values })).rows as Row[];
  } else {
    const db = new Sqlite(databaseUrl!.slice('file:'.length));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    const statements = { describe: db.prepare(describeSql), list: db.prepare(listSql), insert: db.prepare(insertSql) };
    query = async (name, values) => {
      if (name !== 'insert') return statements[name].all(...values) as Row[];
      statements.insert.run(...values);
      return [];
    };
  }
  createServer((request, response) => {
    const [, route, userId, id] = (request.url ?? '').split('/');
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      response.end(text);
    };
    const fail = (error: Error) => send(500, { message: error.message });
    if (route === 'describe') {
      query('describe', [id, userId])
        .then(([row]) => (row ? send(200, { credentials: toWire(rowToView(row)) }) : send(403, { message: 'Forbidden' })))
        .catch(fail);
      return;
    }
    if (route === 'list') {
      query('list', [userId])
        .then((rows) => send(200, { credentials: rows.map((row) => toWire(rowToView(row))) }))
        .catch(fail);
      return;
    }
    if (route === 'insert') {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as { credentials: { name: string; keys: { token: string } } };
        const credentialId = newId();
        const now = new Date().toISOString().replace('Z', '+00:00');
        const secret = ring.seal(
          JSON.stringify({ token: body.credentials.keys.token }),
          sealingContext({ id: credentialId, owner: { kind: 'user', id: userId! }, provider: 'github' }),
        );
        query('insert', [credentialId, userId, body.credentials.name, body.credentials.name, secret, now, now])
          .then(() => send(200, { credentialsId: credentialId }))
          .catch(fail);
      });
      return;
    }
    send(404, { message: 'Not found' });
  }).listen(port, '127.0.0.1');
}
