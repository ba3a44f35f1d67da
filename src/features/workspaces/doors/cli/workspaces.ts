/** `orgs`, `workspaces` and `participants`: organizations, their workspaces, and who takes part in them by which role. */
import type { Command } from 'commander';
import { type CliContext, json, list, out } from '../../../../doors/cli/context.js';
import { WORKSPACE_ROLES } from '../../rules/permissions.js';

const ROLES = `${WORKSPACE_ROLES.slice(0, -1).join(', ')} or ${WORKSPACE_ROLES.at(-1)}`;

export function workspacesCommands(program: Command, { withServices, operator }: CliContext): void {
  const orgs = program.command('orgs').description('organizations (see docs/api-graphql.md, Organizations and workspaces)');
  orgs
    .command('create <name>')
    .description('create an organization; the user is its OWNER')
    .requiredOption('--owner <user>', 'its owner (name or id)')
    .action((name: string, options: { owner: string }) =>
      withServices(async (services) => {
        const org = await services.workspaces.createOrganization(operator, name, options.owner);
        out(`created organization ${org.name} (id ${org.id}), owned by ${options.owner}`);
      }),
    );
  orgs
    .command('list')
    .description('list organizations')
    .addOption(json())
    .action((options: { json?: boolean }) =>
      withServices(async (services) => list(!!options.json, await services.workspaces.listOrganizations(), (o) => `${String(o.id).padStart(6)}  ${o.name}`)),
    );

  const workspaces = program.command('workspaces').description('workspaces of organizations');
  workspaces
    .command('create <org/name>')
    .description('create a workspace (with --owner, the user takes part as its OWNER)')
    .option('--owner <user>', 'a user who takes part as OWNER')
    .addOption(json())
    .action((fullName: string, options: { owner?: string; json?: boolean }) =>
      withServices(async (services) => {
        const [org, name] = fullName.split('/');
        const workspace = await services.workspaces.createWorkspace(operator, { name: org ?? '' }, name ?? '');
        if (options.owner) await services.workspaces.addParticipant(operator, { id: String(workspace.id) }, options.owner, 'OWNER');
        if (options.json) return void out(JSON.stringify(workspace, null, 2));
        out(
          `created workspace ${workspace.organizationName}/${workspace.name} (id ${workspace.id})${options.owner ? `; ${options.owner} takes part as OWNER` : ''}`,
        );
      }),
    );
  workspaces
    .command('list [org]')
    .description("list workspaces (an organization's only, when named)")
    .addOption(json())
    .action((org: string | undefined, options: { json?: boolean }) =>
      withServices(async (services) =>
        list(!!options.json, await services.workspaces.listWorkspaces(org), (w) => `${String(w.id).padStart(6)}  ${w.organizationName}/${w.name}`),
      ),
    );

  const participants = program.command('participants').description('who takes part in a workspace, and their roles');
  participants
    .command('add <org/ws> <user> <role>')
    .description(`add a user to a workspace with a role: ${ROLES}`)
    .action((ws: string, user: string, role: string) =>
      withServices(async (services) => {
        const added = await services.workspaces.addParticipant(operator, { fullName: ws }, user, role);
        out(`${added.userName} takes part in ${ws} as ${added.role}`);
      }),
    );
  participants
    .command('role <org/ws> <user> <role>')
    .description(`change a participant's role: ${ROLES}`)
    .action((ws: string, user: string, role: string) =>
      withServices(async (services) => {
        const updated = await services.workspaces.updateParticipantRole(operator, { fullName: ws }, user, role);
        out(`${updated.userName} is now ${updated.role} in ${ws}`);
      }),
    );
  participants
    .command('list <org/ws>')
    .description("list a workspace's participants and their roles")
    .addOption(json())
    .action((ws: string, options: { json?: boolean }) =>
      withServices(async (services) =>
        list(
          !!options.json,
          await services.workspaces.listParticipants(operator, { fullName: ws }),
          (p) => `${p.userName.padEnd(24)}  ${p.role.padEnd(8)}  since ${p.createdAt.toISOString()}`,
        ),
      ),
    );
  participants
    .command('remove <org/ws> <user>')
    .description('remove a participant (refused at their next request)')
    .action((ws: string, user: string) =>
      withServices(async (services) => {
        await services.workspaces.removeParticipant(operator, { fullName: ws }, user);
        out(`removed ${user} from ${ws}`);
      }),
    );
}
