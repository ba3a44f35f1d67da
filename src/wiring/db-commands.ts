/** `db`: the database schema (migrations) as a release step. */
import type { Command } from 'commander';
import { type CliContext, json, out } from '../doors/cli/context.js';
import { migrateDatabase, missingMigrations } from './runtime.js';

export function dbCommands(program: Command, { settings, setExitCode }: CliContext): void {
  const db = program.command('db').description('the database schema (migrations)');
  db.command('migrate')
    .description('apply the pending migrations (a release step, with MIGRATE_ON_START=false on the servers)')
    .action(async () => {
      const applied = await migrateDatabase(settings());
      out(applied.length > 0 ? `applied ${applied.length} migrations: ${applied.join(', ')}` : 'the database is up to date; nothing to apply');
    });
  db.command('status')
    .description('the migrations the database lacks (exit 1 when any)')
    .addOption(json())
    .action(async (options: { json?: boolean }) => {
      const pending = await missingMigrations(settings());
      if (options.json) out(JSON.stringify({ pending }, null, 2));
      else out(pending.length > 0 ? `pending: ${pending.join(', ')}` : 'the database is up to date');
      setExitCode(pending.length > 0 ? 1 : 0);
    });
}
