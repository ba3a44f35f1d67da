/**
 * Runs the project's entry points as processes, as an operator would: the compiled release (dist/, as `npm start`,
 * `npm run cli` and the container run it), built from the current sources before the system tier starts
 * (test/helpers/build-release.ts).
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { inject } from 'vitest';
import { scaled } from './time.js';

export const root = resolve(import.meta.dirname, '../..');
/** The release's entries by their paths, so that a process may run in another working directory (and read that directory's .env). */
const CLI = join(root, 'dist', 'cli.js');
/** The server as the container starts it (Dockerfile: `node --max-semi-space-size=4 dist/main.js`). */
const MAIN = ['--max-semi-space-size=4', join(root, 'dist', 'main.js')];

/**
 * The environment of a process a test starts: the machine's basics and what the test sets — never a setting of
 * the shell that runs the tests (a DATABASE_URL, a MASTER_KEYS exported by the developer).
 */
export function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const basics = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'LC_ALL', 'TZ', 'USER'].filter((name) => process.env[name] !== undefined);
  return { ...Object.fromEntries(basics.map((name) => [name, process.env[name]])), ...env };
}

/**
 * A working directory of the test run's own, holding no .env: a process started there reads only the settings its
 * test gives (a developer's .env in the checkout never changes a test's outcome). Made and removed by the run's
 * global setup (test/helpers/global-setup.ts); read when used (the global setup itself imports this module).
 */
const quietDirectory = (): string => inject('quietDirectory');

export interface SpawnOptions {
  /** The working directory (default: the project's). */
  cwd?: string;
  /** Run as this user and group (the test runs as root and needs an unprivileged process). */
  uid?: number;
  gid?: number;
}

export interface Run {
  code: number | null;
  out: string;
  err: string;
}

/** `npm run cli -- <args>` with the given environment (asynchronous: a test server may run in this process). */
export function cli(
  env: Record<string, string>,
  args: string[],
  onOutput?: (chunk: string, child: ReturnType<typeof spawn>) => void,
  /** What the command reads on standard input (it ends there: nothing when not given). */
  input = '',
): Promise<Run> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: quietDirectory(), env: childEnv(env) });
    child.stdin.end(input);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      onOutput?.(String(d), child);
    });
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) => resolveRun({ code, out, err }));
  });
}

/** Starts the server (dist/main.js); resolves with its exit when it stops by itself within `ms`. */
export function startMainExpectingExit(env: Record<string, string>, ms = 20_000, options: SpawnOptions = {}): Promise<Run> {
  ms = scaled(ms);
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, MAIN, {
      cwd: options.cwd ?? quietDirectory(),
      // Any free port unless the test names one (or its working directory's .env does): a start never fails on a
      // port some other program holds.
      env: childEnv({ ...(options.cwd ? {} : { PORT: '0' }), ...env }),
      ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid ?? options.uid }),
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`still running after ${ms} ms:\n${out}\n${err}`));
    }, ms);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolveRun({ code, out, err });
    });
  });
}

export interface RunningMain {
  url: string;
  child: ReturnType<typeof spawn>;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** What it printed on stdout: the JSON log stream. */
  stdout(): string;
  exited: Promise<number | null>;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts the server (dist/main.js) on a port the OS chooses (PORT=0); resolves once it says where GraphQL is (the bound port). */
export async function startMain(env: Record<string, string>): Promise<RunningMain> {
  const child = spawn(process.execPath, MAIN, {
    cwd: quietDirectory(),
    env: childEnv({ LOG_LEVEL: 'info', ...env, PORT: '0', HOST: '127.0.0.1' }),
  });
  let output = '';
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => {
    output += d;
    stdout += d;
  });
  child.stderr.on('data', (d: Buffer) => (output += d));
  const exited = new Promise<number | null>((r) => child.on('exit', r));
  const port = await new Promise<number>((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within ${scaled(20_000)} ms:\n${output}`)), scaled(20_000));
    child.stdout.on('data', () => {
      const bound = /GraphQL at http:\/\/localhost:(\d+)\/graphql/.exec(output);
      if (bound) {
        clearTimeout(timer);
        resolveStart(Number(bound[1]));
      }
    });
    void exited.then((code) => reject(new Error(`server exited ${code}:\n${output}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => output,
    stdout: () => stdout,
    exited,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
