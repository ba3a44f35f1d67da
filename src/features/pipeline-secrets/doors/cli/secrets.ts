/**
 * `secrets`: a context's pipeline secrets as the operator manages them — list (names, never values), add and update
 * (the value read from standard input, never from the command line, where `ps` and the shell's history would
 * show it), remove.
 */
import type { Command } from 'commander';
import type { Owner } from '../../../../core/caller.js';
import { OPERATOR } from '../../../../core/caller.js';
import { type CliContext, json, list, out, UsageError, userOf } from '../../../../doors/cli/context.js';
import type { Services } from '../../../../doors/services.js';
import type { PipelineSecretRecord } from '../../model.js';
import { MAX_VALUE_BYTES } from '../../rules/input.js';

interface ContextOptions {
  user?: string;
  workspace?: string;
}

/** The context named by --user or --workspace (one of them). */
async function contextOf(services: Services, options: ContextOptions): Promise<Owner> {
  if ((options.user === undefined) === (options.workspace === undefined)) {
    throw new UsageError('name whose pipeline secrets: --user <name> or --workspace <org/ws>', 2);
  }
  if (options.user !== undefined) return { kind: 'user', id: (await userOf(services, options.user)).id };
  return { kind: 'workspace', id: (await services.workspaces.workspace(OPERATOR, { fullName: options.workspace! })).id };
}

/**
 * The value on standard input, as it is but for one final line break (`echo`'s); read up to one byte past the most
 * a value may be (the use case then says it is too long), never all of an endless stream.
 */
async function valueFromStdin(input: CliContext['input']): Promise<string> {
  if (input.isTTY) throw new UsageError('give the value on standard input (a pipe or a file: … < value.txt), never as an argument', 2);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size > MAX_VALUE_BYTES + 1) break;
  }
  const text = Buffer.concat(chunks)
    .subarray(0, MAX_VALUE_BYTES + 2)
    .toString('utf8');
  return text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text;
}

const view = (s: PipelineSecretRecord) => ({
  id: s.id,
  name: s.name,
  context: s.owner.kind === 'user' ? `user ${s.owner.id}` : `workspace ${s.owner.id}`,
  dateCreated: s.dateCreated,
  lastUpdated: s.lastUpdated,
  lastUsed: s.lastUsed,
});

const contextOptions = (command: Command) =>
  command.option('--user <name or id>', "the user's own pipeline secrets").option('--workspace <org/ws>', "the workspace's pipeline secrets");

export function secretsCommands(program: Command, { withServices, operator, input }: CliContext): void {
  const secrets = program.command('secrets').description("a context's pipeline secrets (Seqera's): list, add, update, remove; never their values");
  contextOptions(secrets.command('list').description("a user's or a workspace's pipeline secrets, by name"))
    .addOption(json())
    .action((options: ContextOptions & { json?: boolean }) =>
      withServices(async (services) => {
        const { items } = await services.pipelineSecrets.all(operator, await contextOf(services, options));
        return list(!!options.json, items.map(view), (s) => `${s.id}  ${s.name}  updated ${s.lastUpdated.toISOString()}`);
      }),
    );
  contextOptions(secrets.command('add <name>').description('store a pipeline secret; its value is read from standard input'))
    .addOption(json())
    .action((name: string, options: ContextOptions & { json?: boolean }) =>
      withServices(async (services) => {
        const context = await contextOf(services, options);
        const created = await services.pipelineSecrets.create(operator, { name, value: await valueFromStdin(input) }, context);
        if (options.json) out(JSON.stringify(view(created), null, 2));
        else out(`added pipeline secret ${created.name}: id ${created.id}`);
      }),
    );
  contextOptions(secrets.command('update <id>').description("replace a pipeline secret's value, read from standard input"))
    .addOption(json())
    .action((id: string, options: ContextOptions & { json?: boolean }) =>
      withServices(async (services) => {
        const context = await contextOf(services, options);
        const updated = await services.pipelineSecrets.update(operator, id, { value: await valueFromStdin(input) }, context);
        if (options.json) out(JSON.stringify(view(updated), null, 2));
        else out(`updated pipeline secret ${updated.name} (${updated.id})`);
      }),
    );
  contextOptions(
    secrets.command('remove <id>').description('delete a pipeline secret (restorable for CREDENTIAL_RECOVERY_WINDOW, then its value is destroyed)'),
  ).action((id: string, options: ContextOptions) =>
    withServices(async (services) => {
      await services.pipelineSecrets.delete(operator, id, {}, await contextOf(services, options));
      out(`removed pipeline secret ${id}`);
    }),
  );
}
