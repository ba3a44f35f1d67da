/**
 * Prisma's schema engine, built to WebAssembly, driven through a driver
 * adapter. The native engine that `prisma migrate` downloads is not needed.
 * (Node 20 cannot import the package's .wasm entry, so it is instantiated here.)
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { bindMigrationAwareSqlAdapterFactory, type SqlDriverAdapter, type SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';
import * as bindings from '@prisma/schema-engine-wasm/schema_engine_bg';
import type pg from 'pg';
import type { Pool } from 'pg';
import { pgDriver } from './client.js';

let initialised = false;

function initialise(): void {
  if (initialised) return;
  const entry = createRequire(import.meta.url).resolve('@prisma/schema-engine-wasm/schema_engine_bg');
  const module = new WebAssembly.Module(readFileSync(join(dirname(entry), 'schema_engine_bg.wasm')));
  const instance = new WebAssembly.Instance(module, { './schema_engine_bg.js': bindings as unknown as WebAssembly.ModuleImports });
  const b = bindings as unknown as { __wbg_set_wasm(exports: unknown): void };
  b.__wbg_set_wasm(instance.exports);
  (instance.exports as { __wbindgen_start(): void }).__wbindgen_start();
  initialised = true;
}

/**
 * Runs `work` with a schema engine on the database of `adapterFactory`, then
 * frees the engine and closes every connection it opened (freeing the engine
 * alone leaves them open, holding locks).
 */
export async function withSchemaEngine<T>(
  schemaPath: string,
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  work: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  initialise();
  const opened: SqlDriverAdapter[] = [];
  const tracked: SqlMigrationAwareDriverAdapterFactory = {
    provider: adapterFactory.provider,
    adapterName: adapterFactory.adapterName,
    connect: async () => track(await adapterFactory.connect()),
    connectToShadowDb: async () => track(await adapterFactory.connectToShadowDb()),
  };
  const track = (adapter: SqlDriverAdapter) => {
    opened.push(adapter);
    // The engine replays a whole migration script through executeRaw on the
    // shadow database; better-sqlite3 prepares one statement at a time.
    const executeRaw = adapter.executeRaw.bind(adapter);
    adapter.executeRaw = async (query) => {
      if (adapter.provider === 'sqlite' && query.args.length === 0 && hasSeveralStatements(query.sql)) {
        await adapter.executeScript(query.sql);
        return 0;
      }
      return executeRaw(query);
    };
    // The pg adapter splits a script at every ';', which breaks function bodies
    // (triggers); PostgreSQL runs a whole script itself, as one implicit transaction.
    if (adapter.provider === 'postgres') {
      const pool = (adapter as unknown as { underlyingDriver(): Pool }).underlyingDriver();
      adapter.executeScript = async (script) => {
        // On a connection of its own, closed after: the engine may drop a shadow database right after.
        const connection = new (pgDriver().Client)((pool as unknown as { options: pg.ClientConfig }).options);
        await connection.connect();
        try {
          await connection.query(script);
        } finally {
          await connection.end();
        }
      };
    }
    return adapter;
  };
  const { SchemaEngine: Engine } = bindings as unknown as { SchemaEngine: typeof SchemaEngine };
  const engine = await Engine.new({ datamodels: [[schemaPath, readFileSync(schemaPath, 'utf8')]] }, () => {}, bindMigrationAwareSqlAdapterFactory(tracked));
  try {
    return await work(engine);
  } finally {
    engine.free();
    // (A PostgreSQL shadow database the engine dropped already fails to drop again: that is fine.)
    await Promise.allSettled(opened.map((adapter) => adapter.dispose()));
  }
}

/** True when `sql` holds more than one statement (ignoring a trailing semicolon and comments). */
function hasSeveralStatements(sql: string): boolean {
  const code = sql
    .replace(/--.*$/gm, '')
    .replace(/'(?:[^']|'')*'/g, "''")
    .trim()
    .replace(/;\s*$/, '');
  return code.includes(';');
}
