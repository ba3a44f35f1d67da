/**
 * `credentials`: what the operator sees of every context's credentials without
 * their secrets: those deleted and still restorable (and undelete), and those
 * that expire soon.
 */
import type { Command } from 'commander';
import type { Owner } from '../../../../core/caller.js';
import { type CliContext, duration, json, list, out, wholeNumber } from '../../../../doors/cli/context.js';
import type { CredentialView } from '../../rules/view.js';

const context = (owner: Owner) => (owner.kind === 'user' ? `user ${owner.id}` : `workspace ${owner.id}`);

/** A credential as a line and as JSON: never a key value (returned ones included: they are not the operator's business here). */
const summary = (c: CredentialView) => ({
  id: c.id,
  name: c.name,
  provider: c.provider,
  context: context(c.owner),
  expiresAt: c.expiresAt,
  expiresAtSource: c.expiresAtSource,
  status: c.status,
});

export function credentialsCommands(program: Command, { withServices, operator }: CliContext): void {
  const credentials = program.command('credentials').description('deleted and expiring credentials, in every context (never their keys)');
  credentials
    .command('deleted')
    .description('deleted credentials still in their recovery window (CREDENTIAL_RECOVERY_WINDOW), the most recently deleted first')
    .option('--limit <n>', 'how many (at most 100)', wholeNumber('limit'), 100)
    .addOption(json())
    .action((options: { limit: number; json?: boolean }) =>
      withServices(async (services) => {
        const deleted = await services.credentials.deleted(operator, { first: options.limit });
        return list(
          !!options.json,
          deleted.map((d) => ({ ...summary(d), deleted: d.deleted, purgeAfter: d.purgeAfter })),
          (d) => `${d.id}  ${d.name}  ${d.provider}  ${d.context}  deleted ${d.deleted}  destroyed after ${d.purgeAfter}`,
        );
      }),
    );
  credentials
    .command('undelete <id>')
    .description('bring a deleted credential back, keys intact (--name when a live credential took its name meanwhile)')
    .option('--name <name>', 'the name to bring it back under')
    .addOption(json())
    .action((id: string, options: { name?: string; json?: boolean }) =>
      withServices(async (services) => {
        const restored = await services.credentials.undelete(operator, id, { name: options.name });
        if (options.json) out(JSON.stringify(summary(restored), null, 2));
        else out(`undeleted ${restored.id} as '${restored.name}' (${context(restored.owner)})`);
      }),
    );
  credentials
    .command('expiring')
    .description('live credentials expiring within the given time (expired ones included), the soonest first')
    .requiredOption('--within <duration>', 'such as 30d, 12h')
    .option('--limit <n>', 'how many (at most 100)', wholeNumber('limit'), 100)
    .addOption(json())
    .action((options: { within: string; limit: number; json?: boolean }) =>
      withServices(async (services) => {
        const before = new Date(Date.now() + duration(options.within, 'within'));
        const page = await services.credentials.expiring(operator, before, { first: options.limit });
        return list(
          !!options.json,
          page.items.map((item) => summary(item.credential)),
          (c) => `${c.expiresAt}  ${c.expiresAtSource}  ${c.id}  ${c.name}  ${c.provider}  ${c.context}${c.status === 'INVALID' ? '  INVALID' : ''}`,
        );
      }),
    );
}
