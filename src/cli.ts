#!/usr/bin/env node
/**
 * The operator's command line: `credentials-service <command>` (the package's
 * bin), also `npm run cli -- <command>`. `--help` on the tool and on every
 * command; `--json` on every listing. Exit codes: 0 done; 1 refused or failed
 * (the message says why; an unexpected failure gives an error id that is in
 * the log); 2 a usage error (unknown command, missing argument or option);
 * 130 interrupted (keys rotate, resumable). The commands: each feature's doors/cli/;
 * their run and exit codes: src/wiring/cli-program.ts.
 */
import { cliContext } from './doors/cli/context.js';
import { loadEnvFile } from './infra/config/index.js';
import { createLogger } from './infra/logger.js';
import { runCli } from './wiring/cli-program.js';
import { openRuntime } from './wiring/runtime.js';

// Log lines (warnings, failures with their error id) go to stderr; what the command prints, to stdout.
const logger = createLogger('warn', process.stderr);
const context = cliContext(logger, (config, log) => openRuntime(config, log));
process.exitCode = await runCli(process.argv.slice(2), context, logger, loadEnvFile);
