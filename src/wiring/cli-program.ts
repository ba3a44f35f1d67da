/**
 * The operator's command line, as commander's program: the tool's own help and
 * version, and each group of commands from its file in commands/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import type { CliContext } from '../doors/cli/context.js';
import { usersCommands } from '../features/accounts/doors/cli/users.js';
import { auditCommands } from '../features/audit/doors/cli/audit.js';
import { backupCommands } from '../features/backups/doors/cli/backup.js';
import { credentialsCommands } from '../features/credentials/doors/cli/credentials.js';
import { oidcCommands } from '../features/delivery/doors/cli/oidc.js';
import { pairingsCommands } from '../features/delivery/doors/cli/pairings.js';
import { webhooksCommands } from '../features/events/doors/cli/webhooks.js';
import { keysCommands } from '../features/keys/doors/cli/keys.js';
import { secretsCommands } from '../features/pipeline-secrets/doors/cli/secrets.js';
import { workspacesCommands } from '../features/workspaces/doors/cli/workspaces.js';
import { projectRoot } from '../infra/project.js';
import { backupStorage } from './backup-storage.js';
import { dbCommands } from './db-commands.js';

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
    secretsCommands,
    pairingsCommands,
    oidcCommands,
    webhooksCommands,
    auditCommands,
    (program: Command, context: CliContext) => backupCommands(program, context, backupStorage),
    dbCommands,
  ]) {
    group(program, context);
  }
  return program;
}

/** The package's version (package.json, beside src/ and dist/). */
export const packageVersion = (): string => (JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string }).version;
