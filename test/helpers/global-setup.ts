/**
 * Once per test run, before any test file: a database with every committed
 * migration applied (a SQLite file, and on PostgreSQL a template database),
 * which test servers copy instead of migrating their own (migrating takes
 * 0.1–0.5 s a database; a copy a few milliseconds). Removed after the run.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import type { TestProject } from 'vitest/node';
import { applyMigrations } from '../../src/platform/db/migrate.js';
import { dropPostgresDatabase, onServer } from '../../tools/postgres-databases.js';
import { prepareChromium } from './browser.js';

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
  await applyMigrations(`file:${sqliteTemplate}`);

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
