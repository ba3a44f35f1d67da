/**
 * The operator's command line run in this process against a test server's services and settings: the same program,
 * commands, messages and exit codes as the binary (`runCli`, src/wiring/cli-program.ts), without a process start
 * for each command (0.7 s of CPU each). What only a process shows — the binary itself, its environment and .env,
 * standard input from a pipe, signals, the database opened per command — is test/system/operator.test.ts's.
 */
import { Readable, Writable } from 'node:stream';
import { cliContext } from '../../src/doors/cli/context.js';
import { createLogger } from '../../src/infra/logger.js';
import { runCli } from '../../src/wiring/cli-program.js';
import type { TestServer } from './server.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Runs `args` as `credentials-service <args>` would on the server's database, `input` on its standard input. */
export async function cliOn(server: TestServer, args: string[], input = ''): Promise<CliRun> {
  let out = '';
  let err = '';
  // What the binary writes to its standard error: its messages and its log lines.
  const logger = createLogger(
    'warn',
    new Writable({
      write(chunk, _encoding, done) {
        err += String(chunk);
        done();
      },
    }),
  );
  // The server's services, left open (the test's server closes them).
  const context = cliContext(logger, async () => ({ ...server.services, close: async () => {} }), {
    loadSettings: () => server.config,
    input: Readable.from([Buffer.from(input)]),
  });
  const stdout = process.stdout.write;
  const stderr = process.stderr.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    const code = await runCli(args, context, logger);
    return { code, out, err };
  } finally {
    process.stdout.write = stdout;
    process.stderr.write = stderr;
  }
}
