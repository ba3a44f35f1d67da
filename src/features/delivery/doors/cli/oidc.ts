/** `oidc`: the OIDC issuer's signing keys (docs/delivery.md): list, rotate. */
import type { Command } from 'commander';
import { type CliContext, json, list, out } from '../../../../doors/cli/context.js';

export function oidcCommands(program: Command, { withServices }: CliContext): void {
  const oidc = program.command('oidc').description('the OIDC issuer of federated credentials (PUBLIC_URL; see docs/delivery.md)');
  oidc
    .command('keys')
    .description('the signing keys the JWKS publishes: the signing one, and those replaced within one OIDC_KEY_ROTATE_EVERY')
    .addOption(json())
    .action((options: { json?: boolean }) =>
      withServices(async (services) =>
        list(!!options.json, await services.issuer.list(), (k) =>
          k.retiredAt === null
            ? `${k.id}  signing    since ${k.createdAt.toISOString()}`
            : `${k.id}  published  replaced ${k.retiredAt.toISOString()} (verifies tokens it signed until they expire)`,
        ),
      ),
    );
  oidc
    .command('rotate')
    .description('make a new signing key now (the one before stays published for one rotation period)')
    .action(() =>
      withServices(async (services) => {
        if (!services.issuer.issuer) {
          out('This service is not an OIDC issuer: set PUBLIC_URL first.');
          return 1;
        }
        const id = await services.issuer.rotate();
        out(`new signing key ${id}; the previous one stays in the JWKS until tokens it signed have expired.`);
      }),
    );
}
