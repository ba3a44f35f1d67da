#!/usr/bin/env node
/**
 * The operator's command line: `credentials-service <command>` (the package's
 * bin), also `npm run cli -- <command>`. `--help` on the tool and on every
 * command; `--json` on every listing. Exit codes: 0 done; 1 refused or failed
 * (the message says why; an unexpected failure gives an error id that is in
 * the log); 2 a usage error (unknown command, missing argument or option);
 * 130 interrupted (keys rotate, resumable). The commands: each feature's doors/cli/.
 */
import { CommanderError } from 'commander';
import { DomainError, logUnexpected } from './core/errors.js';
import { cliContext, UsageError } from './doors/cli/context.js';
import { ConfigError, loadEnvFile } from './infra/config/index.js';
import { createLogger } from './infra/logger.js';
import { cliProgram, packageVersion } from './wiring/cli-program.js';
import { openRuntime } from './wiring/runtime.js';
import { explainStartupFailure } from './wiring/startup.js';

// Log lines (warnings, failures with their error id) go to stderr; what the command prints, to stdout.
const logger = createLogger('warn', process.stderr);
const context = cliContext(logger, (config, log) => openRuntime(config, log));

try {
  loadEnvFile();
  await cliProgram(context, packageVersion()).parseAsync(process.argv);
} catch (error) {
  // Usage and start-up problems, and refusals of the domain, are told as they are;
  // anything else is an unexpected failure, logged with an error id.
  const config = context.config();
  const explained = config ? explainStartupFailure(error, config) : undefined;
  if (error instanceof CommanderError) {
    // Help and version are answers; anything else commander refused is a usage error (it printed why).
    process.exitCode = error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2;
  } else if (error instanceof UsageError || error instanceof DomainError || error instanceof ConfigError) {
    // A refusal, whatever its kind, is exit code 1 (usage errors 2): the message says which.
    process.stderr.write(`error: ${(error as Error).message}\n`);
    process.exitCode = error instanceof UsageError ? error.exitCode : 1;
  } else if (explained) {
    // The database or the key file cannot be used: what to change, in one line.
    process.stderr.write(`error: ${explained}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`error: unexpected failure (Error ID: ${logUnexpected(logger, error)})\n`);
    process.exitCode = 1;
  }
}
