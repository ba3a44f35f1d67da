#!/usr/bin/env node
/**
 * `npm test`: the type checks (`tsc -p .`, `tsc -p client`), the layer check (`npm run check:layers`) and the client's own
 * tests (`node --test` in client/) run beside the tests
 * (`vitest run`, with the arguments given to this script), not before them: much of the tests' time is spent
 * waiting on servers, processes and timers, and the checks fill it. The tests' output streams as it comes; each
 * check's output is printed when it ends, and only in full when it failed. The exit code is the first failure's,
 * or 0 when all passed.
 */
import { spawn } from 'node:child_process';

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Runs a command with its output kept; resolves with its exit code and output. */
function quiet(name, command, args) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', (error) => resolve({ name, code: 1, output: `${output}${error.message}\n`, seconds: 0 }));
    child.on('close', (code, signal) => resolve({ name, code: code ?? (signal ? 1 : 0), output, seconds: (Date.now() - started) / 1000 }));
  });
}

/** Runs a command on this terminal; resolves with its exit code. */
function loud(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit' });
    child.on('error', () => resolve(1));
    child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const checks = [
  quiet('types (tsc -p .)', npx, ['tsc', '-p', '.']),
  quiet('layers (npm run check:layers)', npm, ['run', '--silent', 'check:layers']),
  quiet('client types (tsc -p client)', npx, ['tsc', '-p', 'client']),
  quiet("client's own tests (npm test in client/)", npm, ['test', '--silent', '--prefix', 'client']),
];
const tests = await loud(npx, ['vitest', 'run', ...process.argv.slice(2)]);
let code = tests;
for (const check of await Promise.all(checks)) {
  if (check.code === 0) {
    process.stdout.write(`\n✔ ${check.name} passed (${check.seconds.toFixed(1)} s)\n`);
  } else {
    process.stdout.write(`\n✘ ${check.name} failed (exit ${check.code}):\n${check.output}\n`);
    code ||= check.code;
  }
}
process.exit(code);
