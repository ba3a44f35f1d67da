/**
 * `audit`: the trail with names beside ids — the latest events, newest first,
 * or (`--format jsonl|csv`) every event matching the filters, oldest first,
 * streamed for export.
 */
import type { Command } from 'commander';
import { OPERATOR } from '../../../../core/caller.js';
import { INSTANT_FORMAT, instantOf } from '../../../../core/time.js';
import { type CliContext, json, list, UsageError, userOf, wholeNumber } from '../../../../doors/cli/context.js';
import type { AuditEventView } from '../../model.js';
import { auditStream } from '../../rules/formats.js';

const line = (e: AuditEventView) => {
  const context = e.workspaceId !== null ? `workspace ${e.workspaceName ?? e.workspaceId}` : `owner ${e.ownerName ?? e.ownerUserId ?? '-'}`;
  const target = e.targetName ? `${e.targetType} '${e.targetName}' (${e.targetId})` : `${e.targetType} ${e.targetId}`;
  return `${e.at.toISOString()}  ${e.action.padEnd(19)}  ${target}  ${context}  by ${e.actorName ?? e.actor ?? '-'} via ${e.door ?? '-'}${e.detail ? `  ${e.detail}` : ''}`;
};

/** A date (midnight UTC) or an instant by the service's one rule. */
const instant = (name: string, value: string | undefined): Date | undefined => {
  if (value === undefined) return undefined;
  const date = instantOf(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (!date) throw new UsageError(`--${name} must be a date or ${INSTANT_FORMAT} (2026-11-24, 2026-11-24T09:00:00Z)`, 2);
  return date;
};

interface AuditOptions {
  credential?: string;
  user?: string;
  workspace?: string;
  actor?: string;
  since?: string;
  until?: string;
  kinds?: string;
  limit: number;
  format?: string;
  json?: boolean;
}

export function auditCommands(program: Command, { withServices }: CliContext): void {
  program
    .command('audit')
    .description('the audit trail with names: the latest events, newest first; or every match, oldest first, as --format jsonl|csv')
    .option('--credential <id>', "one credential's events")
    .option('--user <name or id>', "the events of a user's credentials and tokens")
    .option('--workspace <org/ws>', "a workspace's events")
    .option('--actor <name or id>', 'only what this user (or operator, background) did')
    .option('--since <date>', 'from this date or instant on')
    .option('--until <date>', 'before this date or instant')
    .option('--kinds <list>', 'only these kinds, separated by commas (credential.create, token.revoke, …)')
    .option('--limit <n>', 'how many (without --format)', wholeNumber('limit'), 50)
    .option('--format <format>', 'jsonl or csv: every matching event, streamed')
    .addOption(json())
    .action((options: AuditOptions) =>
      withServices(async (services) => {
        if (options.format !== undefined && options.format !== 'jsonl' && options.format !== 'csv') throw new UsageError('--format must be jsonl or csv', 2);
        const owner = options.user ? await userOf(services, options.user) : undefined;
        const workspaceId = options.workspace ? (await services.workspaces.workspace(OPERATOR, { fullName: options.workspace })).id : undefined;
        const actor =
          options.actor === undefined || options.actor === 'operator' || options.actor === 'background'
            ? options.actor
            : (await userOf(services, options.actor)).id;
        if (options.credential !== undefined) {
          // One credential's events: the latest, by its id (the trail's own index).
          const events = await services.audit.views(await services.audit.latest({ targetId: options.credential, limit: options.limit }));
          return list(!!options.json, events, line);
        }
        const filter = {
          since: instant('since', options.since),
          until: instant('until', options.until),
          actor,
          kinds: options.kinds
            ?.split(',')
            .map((k) => k.trim())
            .filter(Boolean),
          context: { ...(owner ? { ownerUserId: owner.id } : {}), ...(workspaceId !== undefined ? { workspaceId } : {}) },
        };
        if (options.format) {
          const stream = auditStream(services.audit.export(OPERATOR, filter), options.format === 'csv' ? 'csv' : 'ndjson');
          for await (const chunk of stream) if (!process.stdout.write(chunk)) await new Promise((r) => process.stdout.once('drain', r));
          return 0;
        }
        const page = await services.audit.events(OPERATOR, filter, { first: Math.min(options.limit, 100) });
        return list(!!options.json, page.items, line);
      }),
    );
}
