/**
 * The references of the benchmark, each started as its own process:
 *
 *  constant — bare node:http answering a constant body: what HTTP alone costs on this machine. The
 *             bench refuses to print ratios when `raw` is far below it (a slow reference would flatter).
 *  raw      — the cheapest correct server for the REST reads and the create: node:http, one prepared
 *             statement (better-sqlite3, or a named pg statement), the row written straight to the
 *             service's JSON (same bytes: the bench compares them), nothing else. `/list` keeps the
 *             page's bytes while the owner's credentialsVersion is unchanged and reads that version on
 *             every request, as the service must. `/insert` seals the secret and commits durably.
 *             `/secrets` lists a user's pipeline secrets as `GET /api/pipeline-secrets` does.
 *             `/stored` is cheaper still: the describe's answer stored as bytes in a table of its own
 *             (filled at start for the users named), one prepared statement, the bytes sent as they are.
 *  floor    — GraphQL Yoga answering `{ hello }`, no database: what GraphQL costs before any work.
 *
 * Usage: node --import tsx bench/references.ts constant|raw|floor <port> [<DATABASE_URL> <key file> <user id,…>]
 */
import { createServer, type ServerResponse } from 'node:http';
import Sqlite from 'better-sqlite3';
import { createSchema, createYoga } from 'graphql-yoga';
import pg from 'pg';
import { newId } from '../src/core/ids.js';
import { restSpec } from '../src/features/credentials/doors/rest/legacy.js';
import { sealingContext, versionSealingContext } from '../src/features/credentials/rules/sealing.js';
import { RECORD_COLUMNS } from '../src/features/credentials/store/rows.js';
import { providers, returnedFields, secretFields } from '../src/features/providers/index.js';
import { numberedPlaceholders } from '../src/platform/db/client.js';
import { keyRingFromFile } from '../src/platform/secrets/keyring.js';
import type { Row } from './seed.js';

const [kind, portText, databaseUrl, keyFile, storedUsers = ''] = process.argv.slice(2);
const port = Number(portText);

/** The constant server's body: a describe answer's size (about 500 bytes). */
const CONSTANT_BODY = JSON.stringify({ credentials: { id: 'x'.repeat(22), name: 'c'.repeat(380) } });

function send(response: ServerResponse, status: number, text: string) {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

if (kind === 'constant') {
  createServer((_request, response) => send(response, 200, CONSTANT_BODY)).listen(port, '127.0.0.1');
} else if (kind === 'floor') {
  const yoga = createYoga({
    schema: createSchema({ typeDefs: 'type Query { hello: String }', resolvers: { Query: { hello: () => 'world' } } }),
    logging: false,
  });
  createServer(yoga).listen(port, '127.0.0.1');
} else {
  const ring = keyRingFromFile(keyFile!);
  const onPostgres = databaseUrl!.startsWith('postgres');
  // The store's own column list: the same row, whoever reads it.
  const columns = RECORD_COLUMNS.map((c) => `"${c}"`).join(', ');
  const sql = {
    describe: `SELECT ${columns} FROM "Credential" WHERE "id" = ? AND "userId" = ? AND "deleted" IS NULL`,
    list: `SELECT ${columns} FROM "Credential" WHERE "userId" = ? AND "deleted" IS NULL ORDER BY "dateCreated", "id"`,
    version: 'SELECT "credentialsVersion" AS "v" FROM "User" WHERE "id" = ?',
    // A user's live pipeline secrets by name, as GET /api/pipeline-secrets lists them.
    secrets:
      'SELECT "id", "name", "dateCreated", "lastUpdated", "lastUsed" FROM "PipelineSecret" WHERE "userId" = ? AND "workspaceId" IS NULL AND "deleted" IS NULL ORDER BY "name"',
    stored: 'SELECT "body" FROM "BenchStoredDescribe" WHERE "id" = ? AND "userId" = ?',
    // The credential and its first version (the service's create writes both, in one transaction).
    insert: `INSERT INTO "Credential" ("id", "userId", "name", "activeName", "provider", "keys", "secret", "dateCreated", "lastUpdated", "lastChange", "changedBy", "changedVia", "changeDetail", "keyVersion")
     VALUES (?, ?, ?, ?, 'github', '{"username":"u"}', ?, ?, ?, 'create', ?, 'rest', 'version 1', 1)`,
    insertVersion: `INSERT INTO "CredentialVersion" ("credentialId", "number", "keys", "secret", "changed", "createdAt", "actor", "door")
     VALUES (?, 1, '{"username":"u"}', ?, '["token","username"]', ?, ?, 'rest')`,
  };
  // PostgreSQL: both rows in one statement (one round trip, one implicit transaction).
  const insertBoth = `WITH "c" AS (${sql.insert} RETURNING "id") ${sql.insertVersion.replace('VALUES (?, 1,', 'SELECT "id", 1,').replace("'rest')", '\'rest\' FROM "c"')}`;
  const STORED_TABLE = 'CREATE TABLE IF NOT EXISTS "BenchStoredDescribe" ("id" TEXT PRIMARY KEY, "userId" TEXT NOT NULL, "body" TEXT NOT NULL)';
  type Name = keyof typeof sql;
  // The same statements, prepared once: better-sqlite3 on the file (WAL, synchronous FULL, as the service
  // writes), or named (server-prepared) statements on a pg pool, dates as the server's text.
  let query: (name: Name, params: unknown[]) => Row[] | Promise<Row[]>;
  let storeDescribe: (id: string, userId: string, body: string) => unknown;
  if (onPostgres) {
    const pool = new pg.Pool({
      connectionString: databaseUrl,
      max: 10,
      types: { getTypeParser: ((oid: number, format: 'text') => (oid === 1114 ? (text: string) => text : pg.types.getTypeParser(oid, format))) as never },
    });
    await pool.query(STORED_TABLE);
    const texts = Object.fromEntries(Object.entries(sql).map(([name, text]) => [name, numberedPlaceholders(text)])) as Record<Name, string>;
    const insertText = numberedPlaceholders(insertBoth);
    storeDescribe = (id, userId, body) =>
      pool.query('INSERT INTO "BenchStoredDescribe" ("id", "userId", "body") VALUES ($1, $2, $3) ON CONFLICT ("id") DO UPDATE SET "body" = $3', [
        id,
        userId,
        body,
      ]);
    query = async (name, values) =>
      name === 'insert'
        ? // The version's credentialId comes from the inserted row ("c"), not from a parameter.
          ((await pool.query({ name: 'insertBoth', text: insertText, values: [...values.slice(0, 8), ...values.slice(9)] })).rows as Row[])
        : ((await pool.query({ name, text: texts[name], values })).rows as Row[]);
  } else {
    const db = new Sqlite(databaseUrl!.slice('file:'.length));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(STORED_TABLE);
    const statements = Object.fromEntries(Object.entries(sql).map(([name, text]) => [name, db.prepare(text)])) as Record<Name, Sqlite.Statement>;
    const insertBothRows = db.transaction((values: unknown[]) => {
      statements.insert.run(...values.slice(0, 8));
      statements.insertVersion.run(...values.slice(8));
    });
    const store = db.prepare('INSERT OR REPLACE INTO "BenchStoredDescribe" ("id", "userId", "body") VALUES (?, ?, ?)');
    storeDescribe = (id, userId, body) => store.run(id, userId, body);
    query = (name, values) => {
      if (name !== 'insert') return statements[name].all(...values) as Row[];
      insertBothRows(values);
      return [];
    };
  }
  const then = (rows: Row[] | Promise<Row[]>, next: (rows: Row[]) => void, fail: (error: Error) => void) => {
    if (rows instanceof Promise) rows.then(next, fail);
    else next(rows);
  };

  // ---- Row → JSON, written by hand: the wire's field order, every returned key field (null when unset),
  // every secret field as null, the discriminator; dates as ISO-8601 UTC with milliseconds.
  const quote = JSON.stringify;
  const keyWriters = new Map(
    [...providers.values()].map((own) => {
      // The REST wire's fields: the provider's own, then the seed API's generic pair where it lacks them.
      const spec = restSpec(own);
      const returned = returnedFields(spec);
      const secrets = secretFields(spec).filter((f) => !returned.includes(f));
      const secretPart = secrets.map((f) => `${quote(f)}:null,`).join('');
      const tail = `${secretPart}"discriminator":${quote(spec.id)}}`;
      const write = (stored: string) => {
        const keys = JSON.parse(stored) as Record<string, string | boolean | null>;
        let text = '{';
        for (const f of returned) {
          const v = keys[f];
          text += `"${f}":${v === undefined || v === null ? 'null' : quote(v)},`;
        }
        return text + tail;
      };
      return [spec.id, write] as const;
    }),
  );
  // SQLite holds dates as Prisma writes them ('…T…:….mmm+00:00'); PostgreSQL's timestamp text is '… …:…[.f]'.
  const iso = (value: unknown): string => {
    const text = value as string;
    if (text.length === 29 && text.endsWith('+00:00')) return `${text.slice(0, 23)}Z`;
    return new Date(onPostgres ? `${text.replace(' ', 'T')}Z` : text).toISOString();
  };
  const nullable = (value: unknown, write: (v: unknown) => string) => (value === null ? 'null' : write(value));
  const text = (value: unknown) => quote(value as string);
  const rowJson = (row: Row) =>
    `{"id":${text(row.id)},"name":${text(row.name)},"description":${nullable(row.description, text)},"provider":${text(row.provider)},` +
    `"baseUrl":${nullable(row.baseUrl, text)},"category":${nullable(row.category, text)},"keys":${keyWriters.get(row.provider as string)!(row.keys as string)},` +
    `"deleted":null,"lastUsed":${nullable(row.lastUsed, (v) => quote(iso(v)))},"dateCreated":"${iso(row.dateCreated)}","lastUpdated":"${iso(row.lastUpdated)}",` +
    `"status":${text(row.status)},"message":${nullable(row.message, text)},"lastValidated":${nullable(row.lastValidated, (v) => quote(iso(v)))},` +
    `"expiresAt":${nullable(row.expiresAt, (v) => quote(iso(v)))},"expiresAtSource":${nullable(row.expiresAtSource, text)}}`;

  // The stored describe answers: each credential of the users named, as the service answers it (the bench checks).
  for (const userId of storedUsers.split(',').filter(Boolean)) {
    const rows = await query('list', [userId]);
    for (const row of rows) await storeDescribe(row.id as string, userId, `{"credentials":${rowJson(row)}}`);
  }

  // The list's bytes per owner, with the version they were read at.
  const lists = new Map<string, { version: number; body: string }>();

  createServer((request, response) => {
    const [, route, userId, id] = (request.url ?? '').split('/');
    const fail = (error: Error) => send(response, 500, JSON.stringify({ message: error.message }));
    if (route === 'describe') {
      then(
        query('describe', [id, userId]),
        ([row]) => {
          if (!row) return send(response, 403, '{"message":"Forbidden"}');
          send(response, 200, `{"credentials":${rowJson(row)}}`);
        },
        fail,
      );
      return;
    }
    if (route === 'stored') {
      then(query('stored', [id, userId]), ([row]) => (row ? send(response, 200, row.body as string) : send(response, 403, '{"message":"Forbidden"}')), fail);
      return;
    }
    if (route === 'list') {
      then(
        query('version', [userId]),
        ([row]) => {
          const version = Number(row?.v ?? 0);
          const cached = lists.get(userId!);
          if (cached && cached.version === version) return send(response, 200, cached.body);
          then(
            query('list', [userId]),
            (rows) => {
              let body = '{"credentials":[';
              for (let i = 0; i < rows.length; i++) body += (i === 0 ? '' : ',') + rowJson(rows[i]!);
              body += ']}';
              lists.set(userId!, { version, body });
              send(response, 200, body);
            },
            fail,
          );
        },
        fail,
      );
      return;
    }
    if (route === 'secrets') {
      then(
        query('secrets', [userId]),
        (rows) => {
          let body = '{"pipelineSecrets":[';
          for (let i = 0; i < rows.length; i++) {
            const row = rows[i]!;
            body +=
              `${i === 0 ? '' : ','}{"id":${Number(row.id)},"name":${quote(row.name)},"dateCreated":"${iso(row.dateCreated)}","lastUpdated":"${iso(row.lastUpdated)}"` +
              `${row.lastUsed === null ? '' : `,"lastUsed":"${iso(row.lastUsed)}"`}}`;
          }
          send(response, 200, `${body}],"totalSize":${rows.length}}`);
        },
        fail,
      );
      return;
    }
    if (route === 'insert') {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as { credentials: { name: string; keys: { token: string } } };
        const credentialId = newId();
        const at = new Date().toISOString();
        const now = onPostgres ? at.replace('Z', '') : at.replace('Z', '+00:00');
        const credential = { id: credentialId, owner: { kind: 'user' as const, id: userId! }, provider: 'github' };
        const plaintext = JSON.stringify({ token: body.credentials.keys.token });
        // Sealed twice, as the service does: for the live row and for version 1's slot.
        const secret = ring.seal(plaintext, sealingContext(credential));
        const versionSecret = ring.seal(plaintext, versionSealingContext(credential, 1));
        then(
          query('insert', [
            credentialId,
            userId,
            body.credentials.name,
            body.credentials.name,
            secret,
            now,
            now,
            userId,
            credentialId,
            versionSecret,
            now,
            userId,
          ]),
          () => send(response, 200, JSON.stringify({ credentialsId: credentialId })),
          fail,
        );
      });
      return;
    }
    send(response, 404, '{"message":"Not found"}');
  }).listen(port, '127.0.0.1');
}
