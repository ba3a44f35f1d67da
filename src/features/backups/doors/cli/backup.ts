/**
 * `backup`, `backup verify`, `restore`: a consistent snapshot of the running
 * service's database (never the master keys), the proof that a snapshot opens
 * with given keys, and putting one in place (docs/operating.md, Backups).
 */
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { type CliContext, json, out, UsageError } from '../../../../doors/cli/context.js';
import type { BackupStorage } from '../../ports.js';
import { BackupRefused, backupDatabase, type Progress, restoreDatabase, type VerifyReport, verified, verifyBackup } from '../../use-cases/backup.js';

/** A progress bar on a terminal (stderr), nothing otherwise; stopped by `done`. */
function progressBar(): { progress: Progress; done: () => void } {
  if (!process.stderr.isTTY) return { progress: () => {}, done: () => {} };
  const bar = new cliProgress.SingleBar({ stream: process.stderr, format: '{phase} [{bar}] {value}/{total}' }, cliProgress.Presets.shades_classic);
  let phase: string | undefined;
  return {
    progress: (name, done, total) => {
      if (phase !== name) {
        if (phase !== undefined) bar.stop();
        bar.start(total, done, { phase: name });
        phase = name;
      }
      bar.setTotal(total);
      bar.update(done, { phase: name });
    },
    done: () => {
      if (phase !== undefined) bar.stop();
    },
  };
}

/** Runs a backup command: its refusals are the operator's to fix (exit 1, the message says what). */
async function refusing<T>(work: (progress: Progress) => Promise<T>): Promise<T> {
  const bar = progressBar();
  try {
    return await work(bar.progress);
  } catch (error) {
    if (error instanceof BackupRefused || (error as Error).name === 'BackupToolMissing') throw new UsageError((error as Error).message);
    throw error;
  } finally {
    bar.done();
  }
}

const verifyLines = (r: VerifyReport) => [
  `${r.file}: ${r.kind === 'sqlite' ? 'SQLite snapshot' : 'pg_dump file'}, integrity ${r.integrity}, schema ${r.contents.migration ?? 'none'}`,
  r.mac === 'ok' ? 'MAC ok: byte for byte the backup the service wrote' : `MAC FAILED: ${r.macProblem}`,
  `${r.contents.credentials} credentials, ${r.contents.deletedCredentials} deleted and restorable, ${r.contents.versions} versions, ${r.contents.users} users, ${r.contents.workspaces} workspaces, ${r.contents.auditEvents} audit events`,
  r.unreadableCount === 0
    ? `all ${r.sealed} sealed values open with these keys`
    : `${r.unreadableCount} of ${r.sealed} sealed values do NOT open with these keys: ${r.unreadable.join(', ')}${r.unreadableCount > r.unreadable.length ? ', …' : ''}`,
];

export function backupCommands(program: Command, { settings, setExitCode }: CliContext, storage: BackupStorage): void {
  const backup = program
    .command('backup')
    .description('write a consistent snapshot of the database while the service runs (never the master keys); `backup verify` checks one')
    .option('--to <file>', 'the snapshot file to write (must not exist)')
    .addOption(json())
    .action(async (options: { to?: string; json?: boolean }) => {
      if (!options.to) throw new UsageError('backup needs --to <file> (or: backup verify <file>)', 2);
      const file = options.to;
      const report = await refusing((progress) => backupDatabase(storage, settings(), file, progress));
      if (options.json) out(JSON.stringify(report, null, 2));
      else {
        out(
          `wrote ${report.file} (${report.kind === 'sqlite' ? 'SQLite snapshot' : 'pg_dump, custom format'}, ${report.bytes} bytes) and its MAC ${report.macFile}`,
        );
        out(`${report.contents.credentials} credentials, ${report.contents.deletedCredentials} deleted and restorable, ${report.contents.versions} versions`);
        out('It holds sealed secrets but no master key: keep the key file backed up apart from it. Check it with `backup verify`.');
      }
    });
  backup
    .command('verify <file>')
    .description(
      'check a snapshot: its MAC (byte for byte the backup the service wrote), its integrity, and that every sealed value opens with the keys; exit 1 if any fails',
    )
    .option('--key-file <file>', 'the master key file to try (default: the configured keys)')
    .addOption(json())
    .action(async (file: string, own: { keyFile?: string; json?: boolean }, command: Command) => {
      // `--json` after `verify` is the parent's option too (commander gives it to `backup`): both are read.
      const options = { ...own, ...command.optsWithGlobals<{ json?: boolean }>() };
      const report = await refusing((progress) => verifyBackup(storage, settings(), file, options.keyFile, progress));
      if (options.json) out(JSON.stringify(report, null, 2));
      else for (const line of verifyLines(report)) out(line);
      setExitCode(verified(report) ? 0 : 1);
    });
  program
    .command('restore <file>')
    .description('put a SQLite snapshot in place of the configured database, after proving it opens with the keys (servers stopped)')
    .option('--force', 'replace an existing database (it is kept beside, as <file>.before-restore-<time>)')
    .option('--unverified', 'restore a snapshot whose MAC is missing or does not verify (audited as such)')
    .option('--key-file <file>', 'the master key file the snapshot must open with (default: the configured keys)')
    .addOption(json())
    .action(async (file: string, options: { force?: boolean; unverified?: boolean; keyFile?: string; json?: boolean }) => {
      const report = await refusing((progress) =>
        restoreDatabase(storage, settings(), file, { force: options.force, unverified: options.unverified, keyFile: options.keyFile }, progress),
      );
      if (options.json) out(JSON.stringify(report, null, 2));
      else {
        for (const line of verifyLines(report)) out(line);
        out(`restored into ${settings().databaseUrl}${report.previous ? `; the database it replaced is kept as ${report.previous}` : ''}`);
        if (report.migrations.length > 0) out(`applied ${report.migrations.length} migrations: ${report.migrations.join(', ')}`);
      }
    });
}
