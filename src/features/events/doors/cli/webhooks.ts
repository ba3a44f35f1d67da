/**
 * `webhooks`: a context's webhooks as the operator manages them — add (the
 * signing secret printed once), list, resume, remove, and a webhook's delivery log.
 */
import type { Command } from 'commander';
import type { Owner } from '../../../../core/caller.js';
import { OPERATOR } from '../../../../core/caller.js';
import { type CliContext, json, list, out, UsageError, userOf, wholeNumber } from '../../../../doors/cli/context.js';
import type { Services } from '../../../../doors/services.js';
import type { WebhookDeliveryView, WebhookView } from '../../use-cases/webhooks.js';

interface ContextOptions {
  user?: string;
  workspace?: string;
}

/** The context named by --user or --workspace (one of them). */
async function contextOf(services: Services, options: ContextOptions): Promise<Owner> {
  if ((options.user === undefined) === (options.workspace === undefined)) throw new UsageError('name whose webhooks: --user <name> or --workspace <org/ws>', 2);
  if (options.user !== undefined) return { kind: 'user', id: (await userOf(services, options.user)).id };
  return { kind: 'workspace', id: (await services.workspaces.workspace(OPERATOR, { fullName: options.workspace! })).id };
}

const line = (w: WebhookView) =>
  `${w.id}  ${w.status}  ${w.url}  ${w.kinds ? w.kinds.join(',') : 'every kind'}${w.failingSince ? `  failing since ${w.failingSince.toISOString()}` : ''}${
    w.disabledAt ? `  disabled ${w.disabledAt.toISOString()}` : ''
  }${w.pausedAt ? `  paused ${w.pausedAt.toISOString()}` : ''}`;

const deliveryLine = (d: WebhookDeliveryView) =>
  `${d.id}  evt_${d.eventId}  ${(d.action ?? '?').padEnd(19)}  ${d.status.padEnd(9)}  ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}${
    d.lastStatus !== null ? `  HTTP ${d.lastStatus}` : ''
  }${d.lastError ? `  ${d.lastError}` : ''}`;

export function webhooksCommands(program: Command, { withServices, operator }: CliContext): void {
  const webhooks = program.command('webhooks').description("a context's webhooks: add, list, resume, remove, and their delivery logs");
  webhooks
    .command('add <url>')
    .description('subscribe a URL to the events of a user or a workspace; prints the signing secret (shown this once)')
    .option('--user <name or id>', "the user's own events")
    .option('--workspace <org/ws>', "the workspace's events")
    .option('--kinds <list>', 'only these kinds, separated by commas (credential.create, credential.expiring, …); default every kind')
    .addOption(json())
    .action((url: string, options: ContextOptions & { kinds?: string; json?: boolean }) =>
      withServices(async (services) => {
        const kinds = options.kinds
          ?.split(',')
          .map((k) => k.trim())
          .filter(Boolean);
        const { webhook, secret } = await services.webhooks.create(operator, { url, kinds }, await contextOf(services, options));
        if (options.json) out(JSON.stringify({ ...webhook, secret }, null, 2));
        else out(`added webhook ${webhook.id} for ${webhook.url}\nsigning secret (shown this once): ${secret}`);
      }),
    );
  webhooks
    .command('list')
    .description("a user's or a workspace's webhooks, oldest first")
    .option('--user <name or id>')
    .option('--workspace <org/ws>')
    .addOption(json())
    .action((options: ContextOptions & { json?: boolean }) =>
      withServices(async (services) => list(!!options.json, await services.webhooks.list(operator, await contextOf(services, options)), line)),
    );
  webhooks
    .command('resume <id>')
    .description('resume a PAUSED or DISABLED webhook: it receives events again (what was pending is sent)')
    .action((id: string) =>
      withServices(async (services) => {
        const webhook = await services.webhooks.resume(operator, id);
        out(`resumed webhook ${webhook.id}: ${webhook.status}`);
      }),
    );
  webhooks
    .command('remove <id>')
    .description('delete a webhook and its delivery log (what is pending is not sent)')
    .action((id: string) =>
      withServices(async (services) => {
        await services.webhooks.delete(operator, id);
        out(`removed webhook ${id}`);
      }),
    );
  webhooks
    .command('deliveries <id>')
    .description("a webhook's delivery log, newest first")
    .option('--limit <n>', 'how many (at most 100)', wholeNumber('limit'), 20)
    .addOption(json())
    .action((id: string, options: { limit: number; json?: boolean }) =>
      withServices(async (services) => {
        if (options.limit > 100) throw new UsageError('--limit is at most 100', 2);
        return list(!!options.json, (await services.webhooks.deliveries(operator, id, { first: options.limit })).items, deliveryLine);
      }),
    );
}
