/**
 * The SQLite statement cache (src/platform/db/statement-cache.ts) is a second way to run what Prisma's adapter runs:
 * the same operations, through a client with it and one without, give the same answers and the same failures.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { PrismaClient } from '../../src/generated/prisma/client.js';
import { sqliteAdapter } from '../../src/platform/db/client.js';
import { cacheStatements, withStatementCache } from '../../src/platform/db/statement-cache.js';

const dir = mkdtempSync(join(tmpdir(), 'credentials-statements-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A migrated database file of its own (the run's SQLite template: this cache is SQLite's only). */
function databaseFile(name: string): string {
  const file = join(dir, `${name}.db`);
  copyFileSync(inject('sqliteTemplate'), file);
  return file;
}

type Outcome = { value: unknown } | { error: { name: string; code?: unknown; meta?: unknown; message: string } };

async function outcome(work: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { value: await work() };
  } catch (error) {
    const e = error as Error & { code?: unknown; meta?: unknown };
    return { error: { name: e.constructor.name, code: e.code, meta: e.meta, message: e.message } };
  }
}

const at = new Date('2026-06-01T00:00:00.000Z');
const credential = (id: string, userId: string, extra: object = {}) => ({
  id,
  userId,
  name: id,
  activeName: id,
  provider: 'github',
  keys: '{"username":"u"}',
  dateCreated: at,
  lastUpdated: at,
  ...extra,
});

/** Operations that reach every call the adapter makes (reads, writes, transactions, raw SQL), and its failures. */
async function script(db: PrismaClient): Promise<Outcome[]> {
  const steps: Outcome[] = [];
  const step = async (work: () => Promise<unknown>) => steps.push(await outcome(work));
  await step(() => db.$executeRawUnsafe('PRAGMA foreign_keys = ON'));
  await step(() => db.user.create({ data: { id: 'u1', name: 'alice', createdAt: at } }));
  // A unique name taken; a credential of nobody (a foreign key).
  await step(() => db.user.create({ data: { id: 'u2', name: 'alice', createdAt: at } }));
  await step(() => db.credential.create({ data: credential('orphan', 'nobody') }));
  for (let i = 0; i < 12; i++) await step(() => db.credential.create({ data: credential(`c${i}`, 'u1', { description: i % 3 ? null : `d${i}` }) }));
  await step(() => db.credential.findMany({ where: { userId: 'u1', description: null }, orderBy: { id: 'desc' }, take: 5, skip: 1 }));
  await step(() => db.credential.findMany({ where: { id: { in: ['c1', 'c2', 'c3'] } }, select: { id: true, version: true } }));
  await step(() => db.credential.count({ where: { userId: 'u1' } }));
  await step(() => db.credential.update({ where: { id: 'c1' }, data: { description: 'changed', version: { increment: 1 } } }));
  await step(() => db.credential.updateMany({ where: { id: 'c2', version: 5 }, data: { description: 'stale' } }));
  await step(() => db.credential.update({ where: { id: 'missing' }, data: { description: 'x' } }));
  // An interactive transaction that fails after a write, and a batch whose second statement fails: neither stays.
  await step(() =>
    db.$transaction(async (tx) => {
      await tx.credential.create({ data: credential('rolled-back', 'u1') });
      throw new Error('given up');
    }),
  );
  await step(() => db.$transaction([db.credential.create({ data: credential('batch-1', 'u1') }), db.credential.create({ data: credential('c3', 'u1') })]));
  await step(() => db.credential.findMany({ where: { id: { in: ['rolled-back', 'batch-1'] } } }));
  await step(() => db.$transaction(async (tx) => tx.credential.delete({ where: { id: 'c4' } })));
  await step(() => db.credential.deleteMany({ where: { id: { startsWith: 'c1' } } }));
  // Raw SQL: every value type, a syntax error, a value left out after the same statement was given one.
  await step(() => db.$queryRaw`SELECT ${12345678901234n} AS big, ${Buffer.from('bytes')} AS blob, ${null} AS nothing, ${'text'} AS t, ${1.5} AS f`);
  await step(() => db.$queryRawUnsafe('SELECT nope FROM nowhere'));
  await step(() => db.$queryRawUnsafe('SELECT ? AS v', 'a secret'));
  await step(() => db.$queryRawUnsafe('SELECT ? AS v'));
  await step(() => db.$queryRawUnsafe('SELECT ? AS v', 'another'));
  // More texts than the cache keeps, twice over: statements dropped and compiled again.
  for (let round = 0; round < 2; round++) for (let i = 0; i < 10; i++) await step(() => db.$queryRawUnsafe(`SELECT ${i} AS n, ? AS round`, round));
  await step(() => db.credential.findMany({ orderBy: { id: 'asc' }, select: { id: true, description: true, version: true } }));
  return steps;
}

describe('the SQLite statement cache', () => {
  it('answers every operation, failures included, as Prisma’s adapter does without it', async () => {
    const plainFile = databaseFile('plain');
    const cachedFile = databaseFile('cached');
    const plain = new PrismaClient({ adapter: sqliteAdapter(`file:${plainFile}`) });
    // A cache of 4: the 10 texts of the loop above push statements out and bring them back.
    const cached = new PrismaClient({ adapter: withStatementCache(sqliteAdapter(`file:${cachedFile}`), 4) });
    try {
      const expected = await script(plain);
      const actual = await script(cached);
      expect(actual).toEqual(expected);
      // The script did reach what it is meant to: failures of each kind.
      const errors = expected.filter((o) => 'error' in o).map((o) => ('error' in o ? (o.error.code ?? o.error.message) : ''));
      expect(errors).toEqual(expect.arrayContaining(['P2002', 'P2003', 'P2025']));
      expect(errors.length).toBeGreaterThanOrEqual(7);
    } finally {
      await plain.$disconnect();
      await cached.$disconnect();
    }
  });

  it('reads a table another connection changed with its new columns, named (the adapter alone names a new column "undefined" once)', async () => {
    const file = databaseFile('altered');
    const db = new PrismaClient({ adapter: withStatementCache(sqliteAdapter(`file:${file}`)) });
    try {
      await db.$executeRawUnsafe('CREATE TABLE scratch (a INTEGER)');
      await db.$executeRawUnsafe('INSERT INTO scratch VALUES (1)');
      expect(await db.$queryRawUnsafe('SELECT * FROM scratch')).toEqual([{ a: 1 }]);
      // A migration by another process: SQLite compiles the kept statement again when it runs; its columns are read after.
      const other = new Sqlite(file);
      other.exec("ALTER TABLE scratch ADD COLUMN b TEXT DEFAULT 'x'");
      other.close();
      expect(await db.$queryRawUnsafe('SELECT * FROM scratch')).toEqual([{ a: 1, b: 'x' }]);
      expect(await db.$queryRawUnsafe('SELECT * FROM scratch')).toEqual([{ a: 1, b: 'x' }]);
    } finally {
      await db.$disconnect();
    }
  });

  it('compiles a statement once while it is among the last ones used, again after it was pushed out', () => {
    const db = new Sqlite(':memory:');
    const compile = db.prepare.bind(db);
    const compiled: string[] = [];
    db.prepare = ((sql: string) => {
      compiled.push(sql);
      return compile(sql);
    }) as typeof db.prepare;
    cacheStatements(db, 2);
    const query = (sql: string, ...values: unknown[]) => {
      const call = db.prepare(sql).bind(values) as unknown as { columns(): unknown[]; raw(): { all(): unknown[] } };
      call.columns();
      return call.raw().all();
    };
    expect(query('SELECT ? AS v', 1)).toEqual([[1]]);
    expect(query('SELECT ? AS v', 2)).toEqual([[2]]);
    expect(query('SELECT 3')).toEqual([[3]]);
    expect(compiled).toEqual(['SELECT ? AS v', 'SELECT 3']);
    // A third text pushes out the least recently used ('SELECT ? AS v'), which is compiled again when next used.
    query('SELECT 4');
    query('SELECT 3');
    query('SELECT ? AS v', 5);
    expect(compiled).toEqual(['SELECT ? AS v', 'SELECT 3', 'SELECT 4', 'SELECT ? AS v']);
    // A value is the one call's: the next call without one fails as it would on a fresh statement.
    expect(() => query('SELECT ? AS v')).toThrow(/Too few parameter values/);
    db.close();
  });
});
