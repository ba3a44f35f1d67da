/** A seeded database for the benchmark: users, tokens and many credentials, sealed as the service seals them. */
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { actorOf, OPERATOR } from '../src/core/caller.js';
import { newId } from '../src/core/ids.js';
import { sealingContext } from '../src/features/credentials/rules/sealing.js';
import { loadConfig } from '../src/infra/config/index.js';
import { createLogger } from '../src/infra/logger.js';
import { keyRingFromFile } from '../src/platform/secrets/keyring.js';
import { openRuntime } from '../src/wiring/runtime.js';
import { dropPostgresDatabase, onServer } from '../tools/postgres-databases.js';

/** A credential row as a driver returns it (dates as ISO text on SQLite, Date on PostgreSQL). */
export type Row = Record<string, string | number | Date | null>;

export interface BenchUser {
  userId: string;
  token: string;
  firstId: string;
}

export interface BenchDatabase {
  /** The database file (SQLite), for the raw reference. */
  databaseUrl: string;
  keyFile: string;
  users: { list100: BenchUser; scale1k: BenchUser; scale100k: BenchUser; writer: BenchUser };
  /** A workspace of 100 credentials where list100 takes part (as MAINTAIN): the twin of list100's own 100. */
  workspace: { id: number; firstId: string };
  /** Paired services keys are delivered to: a JWE pairing (RSA-OAEP-256) and a Wave pairing (the packet). */
  pairings: { jwe: string; wave: string };
  /** Removes the database (PostgreSQL; a SQLite file goes with its directory). */
  drop(): Promise<void>;
}

/** A new, empty PostgreSQL database on `server` (a URL whose user may create databases): its URL, and its removal. */
export async function newPostgresDatabase(server: string, prefix: string): Promise<{ databaseUrl: string; drop(): Promise<void> }> {
  const name = `${prefix}_${Date.now()}`;
  await onServer(server, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(server);
  url.pathname = `/${name}`;
  return { databaseUrl: url.toString(), drop: () => onServer(server, (client) => dropPostgresDatabase(client, name)) };
}

/**
 * Seeds a new database: a SQLite file in `dir`, or with `postgresServer` (a
 * PostgreSQL URL whose user may create databases) a new PostgreSQL database.
 */
export async function seedBenchDatabase(dir: string, postgresServer?: string): Promise<BenchDatabase> {
  let databaseUrl = `file:${join(dir, 'bench.db')}`;
  let drop = async () => {};
  if (postgresServer) ({ databaseUrl, drop } = await newPostgresDatabase(postgresServer, 'credentials_bench'));
  const config = loadConfig({ DATABASE_URL: databaseUrl, MASTER_KEY_FILE: join(dir, 'keys', 'master-keys.json'), LOG_LEVEL: 'warn' });
  const services = await openRuntime(config, createLogger('warn'));
  const user = async (name: string): Promise<BenchUser> => {
    const created = await services.tokens.createUser(name, 'cli');
    const { token } = await services.tokens.createToken(created.id, 'bench', actorOf(OPERATOR));
    return { userId: created.id, token, firstId: '' };
  };
  const users = { list100: await user('list100'), scale1k: await user('scale1k'), scale100k: await user('scale100k'), writer: await user('writer') };
  // The workspace twin: created through the services, as a team would.
  const admin = await services.tokens.createUser('bench-admin', 'cli');
  await services.workspaces.createOrganization(OPERATOR, 'bench', admin.name);
  const ws = await services.workspaces.createWorkspace(OPERATOR, { name: 'bench' }, 'team');
  await services.workspaces.addParticipant(OPERATOR, { id: String(ws.id) }, 'list100', 'MAINTAIN');
  const workspace = { id: ws.id, firstId: '' };
  for (let i = 0; i < 100; i++) {
    const created = await services.credentials.create(
      { userId: users.list100.userId, door: 'cli', workspaceId: String(ws.id), scope: 'all' },
      { name: `ws-cred-${i}`, description: 'seeded', provider: 'github', category: 'repositories', keys: { username: `user-${i}`, token: `ghp_ws_${i}` } },
    );
    if (i === 0) workspace.firstId = created.id;
  }
  // 1,000 pipeline secrets of one user (the most a context holds by default), through the services.
  const secretsOwner = { userId: users.scale1k.userId, door: 'cli' as const, scope: 'all' };
  for (let i = 0; i < 1000; i++) {
    await services.pipelineSecrets.create(secretsOwner, { name: `SECRET_${String(i).padStart(4, '0')}`, value: `seeded-value-${i}` });
  }
  // The services keys go to: an RSA key of 2048 bits for each (Wave's keys are RSA too).
  const publicPem = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const pairings = {
    jwe: (await services.pairings.add('bench-jwe', publicPem())).id,
    wave: (await services.pairings.add('bench-wave', publicPem())).id,
  };
  await services.close();
  // Wave mints its pairings itself (POST /pairing on a Wave instance): here the second one is marked as Wave's.
  const markWave = 'UPDATE "Pairing" SET "kind" = \'wave\' WHERE "id" = ';

  const ring = keyRingFromFile(config.masterKeyFile);
  const rows = (u: BenchUser, count: number) => {
    const start = Date.parse('2026-01-01T00:00:00Z');
    return Array.from({ length: count }, (_, i) => {
      const id = newId();
      if (i === 0) u.firstId = id;
      const secret = ring.seal(JSON.stringify({ token: `ghp_seed_${i}` }), sealingContext({ id, owner: { kind: 'user', id: u.userId }, provider: 'github' }));
      return { id, userId: u.userId, name: `cred-${i}`, keys: JSON.stringify({ username: `user-${i}` }), secret, at: new Date(start + i * 1000) };
    });
  };
  const all = [...rows(users.list100, 100), ...rows(users.scale1k, 1000), ...rows(users.scale100k, 100_000)];
  if (postgresServer) {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query('BEGIN');
    // Bulk load without the per-row trigger (100,000 updates of one user row in one transaction crawl);
    // the owners' credentialsVersion is bumped once below, as a change would.
    await client.query('ALTER TABLE "Credential" DISABLE TRIGGER "Credential_changed"');
    for (let i = 0; i < all.length; i += 1000) {
      const batch = all.slice(i, i + 1000);
      const values = batch.map(
        (_, j) =>
          `($${j * 6 + 1}, $${j * 6 + 2}, $${j * 6 + 3}, $${j * 6 + 3}, 'seeded', 'github', 'repositories', $${j * 6 + 4}, $${j * 6 + 5}, $${j * 6 + 6}, $${j * 6 + 6}, 'create', 'operator', 'cli')`,
      );
      await client.query(
        `INSERT INTO "Credential" ("id", "userId", "name", "activeName", "description", "provider", "category", "keys", "secret", "dateCreated", "lastUpdated", "lastChange", "changedBy", "changedVia")
         VALUES ${values.join(', ')}`,
        batch.flatMap((r) => [r.id, r.userId, r.name, r.keys, r.secret, r.at.toISOString().replace('Z', '')]),
      );
    }
    await client.query('ALTER TABLE "Credential" ENABLE TRIGGER "Credential_changed"');
    await client.query('UPDATE "User" SET "credentialsVersion" = "credentialsVersion" + 1');
    await client.query(`${markWave}$1`, [pairings.wave]);
    await client.query('COMMIT');
    await client.query('ANALYZE');
    await client.end();
  } else {
    const db = new Sqlite(databaseUrl.slice('file:'.length));
    db.pragma('journal_mode = WAL');
    const insert = db.prepare(
      `INSERT INTO Credential (id, userId, name, activeName, description, provider, category, keys, secret, dateCreated, lastUpdated, lastChange, changedBy, changedVia)
       VALUES (?, ?, ?, ?, 'seeded', 'github', 'repositories', ?, ?, ?, ?, 'create', 'operator', 'cli')`,
    );
    // Dates as Prisma's SQLite adapter writes them.
    const at = (d: Date) => d.toISOString().replace('Z', '+00:00');
    db.transaction(() => {
      for (const r of all) insert.run(r.id, r.userId, r.name, r.name, r.keys, r.secret, at(r.at), at(r.at));
    })();
    db.prepare(`${markWave}?`).run(pairings.wave);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
  }
  return { databaseUrl, keyFile: config.masterKeyFile, users, workspace, pairings, drop };
}
