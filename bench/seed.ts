/** A seeded database for the benchmark: users, tokens and many credentials, sealed as the service seals them. */
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { OPERATOR } from '../src/auth/tokens.js';
import { loadConfig } from '../src/config.js';
import { newId } from '../src/credentials/ids.js';
import { sealingContext, toView, type CredentialView } from '../src/credentials/service.js';
import { createLogger } from '../src/logger.js';
import { openRuntime } from '../src/runtime.js';
import { keyRingFromFile } from '../src/secrets/keyring.js';
import { closeServices } from '../src/services.js';

export interface CredentialRow {
  id: string;
  userId: string;
  name: string;
  description: string | null;
  provider: string;
  baseUrl: string | null;
  category: string | null;
  keys: string;
  deleted: string | null;
  lastUsed: string | null;
  dateCreated: string;
  lastUpdated: string;
}

/** A row as better-sqlite3 returns it → the domain's view (dates are ISO text in SQLite). */
export function rowToView(row: CredentialRow): CredentialView {
  const date = (s: string | null) => (s === null ? null : new Date(s));
  return toView({
    ...row,
    activeName: row.name,
    deleted: date(row.deleted),
    lastUsed: date(row.lastUsed),
    dateCreated: new Date(row.dateCreated),
    lastUpdated: new Date(row.lastUpdated),
  } as unknown as Parameters<typeof toView>[0]);
}

export interface BenchUser {
  userId: string;
  token: string;
  firstId: string;
}

export interface BenchDatabase {
  dbFile: string;
  keyFile: string;
  databaseUrl: string;
  users: { list100: BenchUser; scale1k: BenchUser; scale100k: BenchUser; writer: BenchUser };
}

export async function seedBenchDatabase(dir: string): Promise<BenchDatabase> {
  const dbFile = join(dir, 'bench.db');
  const databaseUrl = `file:${dbFile}`;
  const config = loadConfig({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' });
  const services = await openRuntime(config, createLogger('warn'));
  const user = async (name: string): Promise<BenchUser> => {
    const created = await services.tokens.createUser(name, 'cli');
    const { token } = await services.tokens.createToken(created.id, 'bench', OPERATOR);
    return { userId: created.id, token, firstId: '' };
  };
  const users = { list100: await user('list100'), scale1k: await user('scale1k'), scale100k: await user('scale100k'), writer: await user('writer') };
  await closeServices(services);

  const ring = keyRingFromFile(config.masterKeyFile);
  const db = new Sqlite(dbFile);
  db.pragma('journal_mode = WAL');
  const insert = db.prepare(
    `INSERT INTO Credential (id, userId, name, activeName, description, provider, category, keys, secret, dateCreated, lastUpdated, lastChange, changedBy, changedVia)
     VALUES (?, ?, ?, ?, 'seeded', 'github', 'repositories', ?, ?, ?, ?, 'create', 'operator', 'cli')`,
  );
  const fill = db.transaction((u: BenchUser, count: number) => {
    const start = Date.parse('2026-01-01T00:00:00Z');
    for (let i = 0; i < count; i++) {
      const id = newId();
      if (i === 0) u.firstId = id;
      const at = new Date(start + i * 1000).toISOString().replace('Z', '+00:00'); // as Prisma's SQLite adapter writes dates
      const secret = ring.seal(JSON.stringify({ token: `ghp_seed_${i}` }), sealingContext(id, u.userId, 'github'));
      insert.run(id, u.userId, `cred-${i}`, `cred-${i}`, JSON.stringify({ username: `user-${i}` }), secret, at, at);
    }
  });
  fill(users.list100, 100);
  fill(users.scale1k, 1000);
  fill(users.scale100k, 100_000);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return { dbFile, keyFile: config.masterKeyFile, databaseUrl, users };
}
