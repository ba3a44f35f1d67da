/**
 * The operator's command line, as commander's program: the tool's own help and
 * version, and each group of commands from its file in commands/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import type { Logger } from 'pino';
import { DomainError, logUnexpected } from '../core/errors.js';
import { type CliContext, type cliContext, UsageError } from '../doors/cli/context.js';
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
import { ConfigError } from '../infra/config/index.js';
import { projectRoot } from '../infra/project.js';
import { backupStorage } from './backup-storage.js';
import { dbCommands } from './db-commands.js';
import { explainStartupFailure } from './startup.js';

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

/**
 * Runs one command line (`args`: what follows the program's name) and gives its exit code: 0 done; 1 a refusal, a
 * usage problem the message explains, a database or key file that cannot be used, or an unexpected failure (its
 * error id in the log); 2 a usage error (commander's, or one the command names so); the command's own code
 * otherwise (`db status`, `backup verify`, 130 for an interrupted `keys rotate`). Messages go to standard error.
 */
export async function runCli(args: readonly string[], context: ReturnType<typeof cliContext>, logger: Logger, before: () => void = () => {}): Promise<number> {
  try {
    before();
    await cliProgram(context, packageVersion()).parseAsync([...args], { from: 'user' });
    return context.exitCode();
  } catch (error) {
    // Usage and start-up problems, and refusals of the domain, are told as they are;
    // anything else is an unexpected failure, logged with an error id.
    if (error instanceof CommanderError) {
      // Help and version are answers; anything else commander refused is a usage error (it printed why).
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2;
    }
    if (error instanceof UsageError || error instanceof DomainError || error instanceof ConfigError) {
      // A refusal, whatever its kind, is exit code 1 (usage errors 2): the message says which.
      process.stderr.write(`error: ${(error as Error).message}\n`);
      return error instanceof UsageError ? error.exitCode : 1;
    }
    // The database or the key file cannot be used: what to change, in one line.
    const config = context.config();
    const explained = config ? explainStartupFailure(error, config) : undefined;
    if (explained) process.stderr.write(`error: ${explained}\n`);
    else process.stderr.write(`error: unexpected failure (Error ID: ${logUnexpected(logger, error)})\n`);
    return 1;
  }
}
