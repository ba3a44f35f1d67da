/**
 * Once per test run, before any test file: a database with every committed
 * migration applied (a SQLite file, and on PostgreSQL a template database),
 * which test servers copy instead of migrating their own (migrating takes
 * 0.1–0.5 s a database; a copy a few milliseconds). Removed after the run.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import type { TestProject } from 'vitest/node';
import { applyMigrations, readMigrations } from '../../src/platform/db/migrate.js';
import { dropPostgresDatabase, onServer } from '../../tools/postgres-databases.js';
import { prepareChromium } from './browser.js';
import { root } from './process.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A migrated SQLite database file to copy. */
    sqliteTemplate: string;
    /** The name of a migrated PostgreSQL database to create others from (`CREATE DATABASE … TEMPLATE`), on TEST_POSTGRES_URL. */
    postgresTemplate: string | undefined;
    /** A working directory holding no .env, for the processes tests start (test/helpers/process.ts); removed after the run. */
    quietDirectory: string;
  }
}

interface Templates {
  dir: string;
  quietDirectory: string;
  sqliteTemplate: string;
  postgresTemplate: string | undefined;
}

// Every project of the run (fast, system) calls this setup, each through its own module loader: the templates
// are made once for the process (concurrent migrations on the one schema engine would collide).
const shared = globalThis as { credentialsTemplates?: Promise<Templates>; chromiumChecked?: boolean };

export default async function setup(project: TestProject) {
  // The browser tests' Chromium: installed once here where the machine can (never by two test files at once), or
  // one line saying they are skipped.
  if (project.name === 'system' && shared.chromiumChecked === undefined) {
    shared.chromiumChecked = true;
    const skipped = prepareChromium();
    if (skipped) process.stderr.write(`\n${skipped}\n\n`);
  }
  shared.credentialsTemplates ??= makeTemplates();
  const { dir, quietDirectory, sqliteTemplate, postgresTemplate } = await shared.credentialsTemplates;
  project.provide('sqliteTemplate', sqliteTemplate);
  project.provide('postgresTemplate', postgresTemplate);
  project.provide('quietDirectory', quietDirectory);
  return async () => {
    rmSync(dir, { recursive: true, force: true });
    // The run's temporary directory in memory, when it has one (vitest.config.ts).
    if (process.env.CREDENTIALS_TEST_TMPDIR) rmSync(process.env.CREDENTIALS_TEST_TMPDIR, { recursive: true, force: true });
    if (postgresTemplate) await admin((client) => dropPostgresDatabase(client, postgresTemplate)).catch(() => {});
  };
}

const admin = <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => onServer(process.env.TEST_POSTGRES_URL!, work);

async function makeTemplates(): Promise<Templates> {
  const dir = mkdtempSync(join(tmpdir(), 'credentials-template-'));
  const sqliteTemplate = join(dir, 'template.db');
  await migratedSqliteFile(sqliteTemplate);

  const server = process.env.TEST_POSTGRES_URL;
  let postgresTemplate: string | undefined;
  if (server) {
    postgresTemplate = `credentials_template_${process.pid}_${Date.now().toString(36)}`;
    await admin((client) => client.query(`CREATE DATABASE "${postgresTemplate}"`));
    const url = new URL(server);
    url.pathname = `/${postgresTemplate}`;
    await applyMigrations(url.toString());
  }
  // Beside the template, removed with it (one made by each test worker stayed behind after every run).
  const quietDirectory = join(dir, 'cwd');
  mkdirSync(quietDirectory, { mode: 0o700 });
  return { dir, quietDirectory, sqliteTemplate, postgresTemplate };
}

/** What a migrated SQLite file is made from: the committed migrations, the code that applies them and the engine's version. */
function migrationsKey(): string {
  const hash = createHash('sha256').update(JSON.stringify(readMigrations().migrationDirectories));
  for (const file of [
    'src/platform/db/migrate.ts',
    'src/platform/db/schema-engine.ts',
    'node_modules/@prisma/schema-engine-wasm/package.json',
    'node_modules/better-sqlite3/package.json',
  ]) {
    hash.update(readFileSync(join(root, file)));
  }
  return hash.digest('hex').slice(0, 32);
}

/**
 * A SQLite file with every migration applied, as applyMigrations makes it. Kept between runs in node_modules/.cache
 * under the key of what made it (migrationsKey), as vitest keeps its transformed sources: migrating takes 0.5 s
 * before any test file can start; a copy, a few milliseconds. A run after a change to a migration or to the code
 * that applies them migrates anew (tests of migrating itself, migrations.test.ts, always migrate).
 */
async function migratedSqliteFile(path: string): Promise<void> {
  const cache = join(root, 'node_modules', '.cache', 'credentials-tests');
  const kept = join(cache, `template-${migrationsKey()}.db`);
  if (existsSync(kept)) {
    copyFileSync(kept, path);
    return;
  }
  await applyMigrations(`file:${path}`);
  // Whole or not at all, for a run that starts meanwhile: copied beside it, then renamed into place. Where
  // node_modules cannot be written, the next run migrates again.
  const partial = `${kept}.${process.pid}`;
  try {
    mkdirSync(cache, { recursive: true });
    copyFileSync(path, partial);
    renameSync(partial, kept);
  } catch {
    rmSync(partial, { force: true });
  }
}
