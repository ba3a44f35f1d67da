/** `pairings`: the services that may receive credentials' keys (see docs/api-rest.md, Delivering keys). */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { actorOf } from '../../../../core/caller.js';
import { type CliContext, json, list, out, UsageError } from '../../../../doors/cli/context.js';

export function pairingsCommands(program: Command, { withServices, operator }: CliContext): void {
  const pairings = program.command('pairings').description("services that may receive credentials' keys");
  pairings
    .command('add')
    .description(
      'register a service by its public key (RSA of 2048 bits or more, or EC P-256), or pair with a Wave instance (--wave: Wave mints the key; needs PUBLIC_URL and PAIRING_ALLOWED_HOSTS); prints the pairing id',
    )
    .requiredOption('--name <name>', 'a name for people')
    .option('--public-key <file>', 'its public key, PEM')
    .option('--wave <url>', "a Wave instance's URL: asks it for a pairing (POST <url>/pairing)")
    .addOption(json())
    .action((options: { name: string; publicKey?: string; wave?: string; json?: boolean }) =>
      withServices(async (services) => {
        if ((options.publicKey === undefined) === (options.wave === undefined)) throw new UsageError('give --public-key <file> or --wave <url>', 2);
        let pairing: Awaited<ReturnType<typeof services.pairings.add>>;
        if (options.wave !== undefined) {
          pairing = await services.pairings.pairWithWave(options.name, options.wave, actorOf(operator));
        } else {
          if (!existsSync(options.publicKey!)) throw new UsageError(`no file ${options.publicKey}`);
          pairing = await services.pairings.add(options.name, readFileSync(options.publicKey!, 'utf8'), actorOf(operator));
        }
        if (options.json) {
          const { publicKey: _key, ...shown } = pairing;
          return void out(JSON.stringify(shown, null, 2));
        }
        out(`paired ${pairing.name}: pairing id ${pairing.id} (${pairing.kind}, ${pairing.algorithm}, key fingerprint ${pairing.fingerprint})`);
      }),
    );
  pairings
    .command('list')
    .description('the paired services, their algorithms and key fingerprints')
    .addOption(json())
    .action((options: { json?: boolean }) =>
      withServices(async (services) =>
        list(
          !!options.json,
          (await services.pairings.list()).map(({ publicKey: _key, ...p }) => p),
          (p) =>
            `${p.id}  ${p.name.padEnd(24)}  ${p.kind.padEnd(4)}  ${p.algorithm.padEnd(15)}  ${p.fingerprint}  created ${p.createdAt.toISOString()}${
              p.endpoint ? `  ${p.endpoint}` : ''
            }${p.renewedAt ? `  renewed ${p.renewedAt.toISOString()}` : ''}${p.lastUsedAt ? `  last used ${p.lastUsedAt.toISOString()}` : ''}`,
        ),
      ),
    );
  pairings
    .command('remove <pairing-id>')
    .description('stop delivering keys to a service')
    .action((id: string) =>
      withServices(async (services) => {
        await services.pairings.remove(id);
        out(`removed pairing ${id}`);
      }),
    );
}
