/**
 * The operator's command line, as commander's program: the tool's own help and
 * version, and each group of commands from its file in commands/.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { auditCommands } from './commands/audit.js';
import { backupCommands } from './commands/backup.js';
import { credentialsCommands } from './commands/credentials.js';
import { dbCommands } from './commands/db.js';
import { keysCommands } from './commands/keys.js';
import { oidcCommands } from './commands/oidc.js';
import { pairingsCommands } from './commands/pairings.js';
import { usersCommands } from './commands/users.js';
import { webhooksCommands } from './commands/webhooks.js';
import { workspacesCommands } from './commands/workspaces.js';
import type { CliContext } from './context.js';

export function cliProgram(context: CliContext, version: string): Command {
  const program = new Command('credentials-service')
    .description('Operator commands of the credentials service. Settings come from the environment (and .env), as for the server.')
    .version(version)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .addHelpText(
      'after',
      `
Exit codes: 0 done; 1 refused or failed (the message says why); 2 usage error; 130 interrupted (keys rotate: run it again to resume).
Every command also runs as \`npm run cli -- <command>\`. Details: docs/operating.md, Commands.`,
    );
  for (const group of [
    usersCommands,
    keysCommands,
    workspacesCommands,
    credentialsCommands,
    pairingsCommands,
    oidcCommands,
    webhooksCommands,
    auditCommands,
    backupCommands,
    dbCommands,
  ]) {
    group(program, context);
  }
  return program;
}

/** The package's version (package.json, beside src/ and dist/). */
export const packageVersion = (): string =>
  (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
