/** Operator commands: `npm run cli -- <command>` (see `npm run cli -- help`). */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { OPERATOR } from '../auth/tokens.js';
import { DomainError } from '../credentials/errors.js';
import { createLogger } from '../logger.js';
import { openRuntime } from '../runtime.js';

const USAGE = `Usage: npm run cli -- <command>

  users create <name>                 create a user
  users list                          list users
  tokens create <user> [--name <n>]   create an access token for a user (name or id); prints it once
  tokens list <user>                  list a user's tokens (never their values)
  tokens revoke <token-id>            revoke a token
`;

async function run(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { name: { type: 'string' } } });
  const [group, command, arg] = positionals;
  if (!group || group === 'help') {
    process.stdout.write(USAGE);
    return group ? 0 : 2;
  }
  const config = loadConfig();
  const services = await openRuntime(config, createLogger('warn', process.stderr));
  const { tokens } = services;
  const out = (line: string) => process.stdout.write(line + '\n');
  const userOf = async (nameOrId: string | undefined) => {
    const user = nameOrId ? await tokens.findUser(nameOrId) : null;
    if (!user) throw new Error(`no user '${nameOrId ?? ''}'`);
    return user;
  };
  try {
    switch (`${group} ${command ?? ''}`) {
      case 'users create': {
        const user = await tokens.createUser(arg ?? '', 'cli');
        out(`created user ${user.name} (id ${user.id})`);
        return 0;
      }
      case 'users list': {
        for (const user of await services.db.user.findMany({ orderBy: { createdAt: 'asc' } })) out(`${user.id}  ${user.name}`);
        return 0;
      }
      case 'tokens create': {
        const user = await userOf(arg);
        const { token, info } = await tokens.createToken(user.id, values.name ?? 'cli', OPERATOR);
        out(`created token ${info.id} for ${user.name}; it is shown only this once:\n\n  ${token}\n`);
        return 0;
      }
      case 'tokens list': {
        const user = await userOf(arg);
        for (const t of await tokens.listTokens(user.id)) {
          out(`${t.id}  ${t.name.padEnd(16)}  created ${t.createdAt.toISOString()}  ${t.revokedAt ? `revoked ${t.revokedAt.toISOString()}` : 'active'}`);
        }
        return 0;
      }
      case 'tokens revoke': {
        if (!(await tokens.revokeToken(arg ?? '', OPERATOR))) throw new Error(`no active token '${arg ?? ''}'`);
        out(`revoked token ${arg}`);
        return 0;
      }
      default:
        process.stderr.write(`unknown command '${positionals.join(' ')}'\n\n${USAGE}`);
        return 2;
    }
  } finally {
    await services.db.$disconnect();
  }
}

try {
  process.exitCode = await run(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`error: ${error instanceof DomainError || error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
