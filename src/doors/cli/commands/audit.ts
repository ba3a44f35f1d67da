/** `audit`: the latest changes, newest first, with each event's context. */
import type { Command } from 'commander';
import { OPERATOR } from '../../../core/caller.js';
import { type CliContext, json, list, userOf, wholeNumber } from '../context.js';

export function auditCommands(program: Command, { withServices }: CliContext): void {
  program
    .command('audit')
    .description('the latest changes, newest first')
    .option('--credential <id>', "one credential's events")
    .option('--user <name or id>', "the events of a user's credentials and tokens")
    .option('--workspace <org/ws>', "a workspace's events")
    .option('--limit <n>', 'how many', wholeNumber('limit'), 50)
    .addOption(json())
    .action((options: { credential?: string; user?: string; workspace?: string; limit: number; json?: boolean }) =>
      withServices(async (services) => {
        const owner = options.user ? await userOf(services, options.user) : undefined;
        const workspaceId = options.workspace ? (await services.workspaces.workspace(OPERATOR, { fullName: options.workspace })).id : undefined;
        const events = await services.audit.latest({ targetId: options.credential, ownerUserId: owner?.id, workspaceId, limit: options.limit });
        return list(!!options.json, events, (e) => {
          const context = e.workspaceId !== null ? `workspace ${e.workspaceId}` : `owner ${e.ownerUserId ?? '-'}`;
          return `${e.at.toISOString()}  ${e.action.padEnd(18)}  ${e.targetType} ${e.targetId}  ${context}  by ${e.actor ?? '-'} via ${e.door ?? '-'}${e.detail ? `  ${e.detail}` : ''}`;
        });
      }),
    );
}
