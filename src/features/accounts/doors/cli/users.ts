/** `users` and `tokens`: people and their access tokens. */
import { type Command, Option } from 'commander';
import { actorOf } from '../../../../core/caller.js';
import { type CliContext, duration, json, list, out, UsageError, userOf } from '../../../../doors/cli/context.js';

export function usersCommands(program: Command, { withServices, operator }: CliContext): void {
  const users = program.command('users').description('users');
  users
    .command('create <name>')
    .description('create a user')
    .action((name: string) =>
      withServices(async (services) => {
        const user = await services.tokens.createUser(name, 'cli');
        out(`created user ${user.name} (id ${user.id})`);
      }),
    );
  users
    .command('list')
    .description('list users')
    .addOption(json())
    .action((options: { json?: boolean }) =>
      withServices(async (services) => list(!!options.json, await services.tokens.listUsers(), (u) => `${u.id}  ${u.name}`)),
    );

  for (const [verb, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    users
      .command(`${verb} <user>`)
      .description(
        disabled
          ? 'disable a user (name or id): its tokens and sessions are refused from the next request on, on every instance'
          : 'enable a disabled user again (its sessions stay ended; its tokens work again)',
      )
      .action((user: string) =>
        withServices(async (services) => {
          const found = await userOf(services, user);
          await services.signIn.setDisabled(found.id, disabled);
          out(`${verb}d user ${found.name}`);
        }),
      );
  }

  users
    .command('remove <user>')
    .description(
      'remove a user (name or id): their tokens, sessions, personal credentials, participations and memberships go; the audit trail keeps their events',
    )
    .action((user: string) =>
      withServices(async (services) => {
        const name = await services.tokens.removeUser(user, actorOf(operator));
        out(`removed user ${name}`);
      }),
    );

  const tokens = program.command('tokens').description('access tokens');
  tokens
    .command('create <user>')
    .description('create an access token for a user (name or id); it is printed once')
    .option('--name <label>', 'a label for the token', 'cli')
    .option('--expires-in <duration>', 'refused once past: 90d, 12h, 30m, 45s (default: never)')
    .option('--scope <scope>', 'all (default), read, write, or keys:read (list, describe and fetch keys, nothing else: for a pipeline agent)', 'all')
    .addOption(new Option('--json', 'print {id, token, scope, expiresAt} as JSON'))
    .action((user: string, options: { name: string; expiresIn?: string; scope: string; json?: boolean }) =>
      withServices(async (services) => {
        const owner = await userOf(services, user);
        const expiresAt = options.expiresIn === undefined ? undefined : new Date(Date.now() + duration(options.expiresIn, 'expires-in'));
        const { token, info } = await services.tokens.createToken(owner.id, options.name, actorOf(operator), { expiresAt, scope: options.scope });
        if (options.json)
          return void out(JSON.stringify({ id: info.id, user: owner.name, name: info.name, scope: info.scope, expiresAt: info.expiresAt, token }, null, 2));
        const until = info.expiresAt ? `, valid until ${info.expiresAt.toISOString()}` : '';
        out(`created token ${info.id} for ${owner.name} (scope ${info.scope})${until}; it is shown only this once:\n\n  ${token}\n`);
      }),
    );
  tokens
    .command('list <user>')
    .description("list a user's tokens (never their values)")
    .addOption(json())
    .action((user: string, options: { json?: boolean }) =>
      withServices(async (services) => {
        const owner = await userOf(services, user);
        return list(!!options.json, await services.tokens.listTokens(owner.id), (t) => {
          const state = t.revokedAt
            ? `revoked ${t.revokedAt.toISOString()}`
            : t.expiresAt && t.expiresAt.getTime() <= Date.now()
              ? `expired ${t.expiresAt.toISOString()}`
              : `active${t.expiresAt ? ` until ${t.expiresAt.toISOString()}` : ''}`;
          return `${t.id}  ${t.name.padEnd(16)}  ${t.scope.padEnd(9)}  created ${t.createdAt.toISOString()}  ${state}`;
        });
      }),
    );
  tokens
    .command('revoke <token-id>')
    .description('revoke a token (refused from the next request on, by every instance)')
    .action((id: string) =>
      withServices(async (services) => {
        if (!(await services.tokens.revokeToken(id, actorOf(operator)))) throw new UsageError(`no active token '${id}'`);
        out(`revoked token ${id}`);
      }),
    );
}
