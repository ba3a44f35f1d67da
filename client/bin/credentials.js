#!/usr/bin/env node
// @ts-check
import { main } from '../lib/cli.js';
import { ClientError } from '../lib/errors.js';

try {
  process.exitCode = await main(process.argv.slice(2), { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`) });
} catch (error) {
  if (error instanceof ClientError) {
    process.stderr.write(`credentials: ${error.message}\n`);
    process.exitCode = error.exitCode;
  } else {
    // Never a stack (nor anything it might carry): the error's own words, one line.
    process.stderr.write(
      `credentials: unexpected error: ${String(/** @type {Error} */ (error)?.message ?? error)
        .split('\n')[0]
        ?.slice(0, 300)}\n`,
    );
    process.exitCode = 1;
  }
}
