/**
 * The two references of the benchmark, each started as its own process:
 *  raw   — node:http answering the service's JSON from prepared better-sqlite3 statements,
 *          with the same sealing and commit settings for inserts (the practical limit here);
 *  floor — GraphQL Yoga answering `{ hello }`, no database (what GraphQL costs before any work).
 * Usage: node --import tsx bench/references.ts raw|floor <port> [<database file> <key file>]
 */
import { createServer } from 'node:http';
import Sqlite from 'better-sqlite3';
import { createSchema, createYoga } from 'graphql-yoga';
import { newId } from '../src/credentials/ids.js';
import { sealingContext } from '../src/credentials/service.js';
import { toWire } from '../src/rest/routes.js';
import { keyRingFromFile } from '../src/secrets/keyring.js';
import { rowToView, type CredentialRow } from './seed.js';

const [kind, portText, dbFile, keyFile] = process.argv.slice(2);
const port = Number(portText);

if (kind === 'floor') {
  const yoga = createYoga({ schema: createSchema({ typeDefs: 'type Query { hello: String }', resolvers: { Query: { hello: () => 'world' } } }), logging: false });
  createServer(yoga).listen(port, '127.0.0.1');
} else {
  const db = new Sqlite(dbFile!);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  const ring = keyRingFromFile(keyFile!);
  const describe = db.prepare('SELECT id, userId, name, description, provider, baseUrl, category, keys, deleted, lastUsed, dateCreated, lastUpdated FROM Credential WHERE id = ? AND userId = ? AND deleted IS NULL');
  const list = db.prepare('SELECT id, userId, name, description, provider, baseUrl, category, keys, deleted, lastUsed, dateCreated, lastUpdated FROM Credential WHERE userId = ? AND deleted IS NULL ORDER BY dateCreated, id');
  const insert = db.prepare(
    `INSERT INTO Credential (id, userId, name, activeName, provider, keys, secret, dateCreated, lastUpdated)
     VALUES (?, ?, ?, ?, 'github', '{"username":"u"}', ?, ?, ?)`,
  );
  createServer((request, response) => {
    const [, route, userId, id] = (request.url ?? '').split('/');
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      response.end(text);
    };
    if (route === 'describe') {
      const row = describe.get(id, userId) as CredentialRow | undefined;
      return row ? send(200, { credentials: toWire(rowToView(row)) }) : send(403, { message: 'Forbidden' });
    }
    if (route === 'list') {
      return send(200, { credentials: (list.all(userId) as CredentialRow[]).map((row) => toWire(rowToView(row))) });
    }
    if (route === 'insert') {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as { credentials: { name: string; keys: { token: string } } };
        const credentialId = newId();
        const now = new Date().toISOString();
        const secret = ring.seal(JSON.stringify({ token: body.credentials.keys.token }), sealingContext(credentialId, userId!, 'github'));
        insert.run(credentialId, userId, body.credentials.name, body.credentials.name, secret, now, now);
        send(200, { credentialsId: credentialId });
      });
      return;
    }
    send(404, { message: 'Not found' });
  }).listen(port, '127.0.0.1');
}
