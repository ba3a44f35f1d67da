/** `keys`: the master keys (see docs/security.md): list, init, add, rotate, remove. */
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { type CliContext, json, list, out, wholeNumber } from '../../../../doors/cli/context.js';
import type { Services } from '../../../../doors/services.js';
import { initKeyFile } from '../../use-cases/master-keys.js';

export function keysCommands(program: Command, { withServices, settings, operator }: CliContext): void {
  const keys = program.command('keys').description('master keys (see docs/security.md)');
  keys
    .command('init')
    .description('create the key file if it does not exist (for NODE_ENV=production)')
    .action(() => {
      const config = settings();
      const id = initKeyFile({ file: config.masterKeyFile, fromEnvironment: config.masterKeys !== undefined });
      out(
        id === undefined
          ? `${config.masterKeyFile} exists already; nothing changed.`
          : `created ${config.masterKeyFile} (mode 0600) with primary key ${id}. Back it up: without it, secrets cannot be opened.`,
      );
    });
  keys
    .command('list')
    .description('the keys, which one is primary, and how many secrets each seals')
    .addOption(json())
    .action((options: { json?: boolean }) =>
      withServices(async (services) =>
        list(!!options.json, await services.masterKeys.list(), (k) =>
          k.missing
            ? `${k.id}  MISSING  seals ${k.seals} secrets that cannot be opened without it`
            : `${k.id}  ${k.primary ? 'primary' : '       '}  seals ${k.seals} secrets`,
        ),
      ),
    );
  keys
    .command('add')
    .description('add a new key and make it the primary key')
    .action(() =>
      withServices(async (services) => {
        const id = services.masterKeys.add();
        out(`added key ${id}; it is now the primary key: new secrets are sealed with it (running servers pick it up within a second).`);
        out('Run `npm run cli -- keys rotate` to re-seal the existing secrets with it.');
      }),
    );
  keys
    .command('rotate')
    .description('re-seal every secret under the primary key; Ctrl-C stops after the current batch, and running it again resumes')
    .option('--batch <n>', 'secrets per batch', wholeNumber('batch'), 100)
    .option('--pause <ms>', 'pause between batches', wholeNumber('pause'), 0)
    .option('--limit <n>', 'stop after this many', wholeNumber('limit'))
    .action((options: { batch: number; pause: number; limit?: number }) =>
      withServices((services) => rotate(services, operator, { batchSize: options.batch, pauseMs: options.pause, limit: options.limit })),
    );
  keys
    .command('remove <key-id>')
    .description('remove a key no secret uses any more')
    .action((id: string) =>
      withServices(async (services) => {
        await services.masterKeys.remove(id);
        out(`removed key ${id}`);
      }),
    );
}

/** Re-seals with a progress bar on a terminal (plain lines otherwise); SIGINT/SIGTERM stop after the batch (exit 130). */
async function rotate(services: Services, operator: CliContext['operator'], options: { batchSize: number; pauseMs: number; limit?: number }): Promise<number> {
  const rotation = services.rotation;
  const total = await rotation.countNotUnderPrimary();
  out(`primary key ${services.keys.ring.primaryId}; ${total} secrets are sealed by older keys`);
  let stop = false;
  const onSignal = () => {
    stop = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const bar = process.stderr.isTTY
    ? new cliProgress.SingleBar(
        { stream: process.stderr, format: 're-sealing [{bar}] {value}/{total} | {remaining} still under older keys' },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  bar?.start(total, 0, { remaining: total });
  let last = { resealed: 0, remaining: total, unreadable: [] as string[] };
  try {
    for await (const progress of rotation.reseal(operator, { ...options, shouldStop: () => stop })) {
      last = progress;
      if (bar) bar.update(progress.resealed, { remaining: progress.remaining });
      else out(`re-sealed ${progress.resealed}; ${progress.remaining} still sealed by older keys`);
    }
  } finally {
    bar?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (last.unreadable.length > 0) {
    out(`${last.unreadable.length} secrets could not be opened and were left as they are: ${last.unreadable.join(', ')}`);
  }
  if (stop) {
    out(`interrupted after re-sealing ${last.resealed}; ${last.remaining} still sealed by older keys. Run the command again to resume.`);
    return 130;
  }
  out(`done: re-sealed ${last.resealed}; ${last.remaining} still sealed by older keys.`);
  return last.unreadable.length > 0 ? 1 : 0;
}
