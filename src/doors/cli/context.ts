/**
 * What every command of the CLI shares: the settings, the services opened for
 * one command, its output (listings as lines or JSON), option parsers and the
 * usage error. The commands themselves are one file per group in commands/.
 */
import { InvalidArgumentError, Option } from 'commander';
import type { Logger } from 'pino';
import type { Principal } from '../../core/caller.js';
import { OPERATOR } from '../../core/caller.js';
import { durationWithin } from '../../core/time.js';
import { type Config, loadConfig } from '../../infra/config/index.js';
import type { Services } from '../services.js';

/** A mistake of the operator's that the message explains (exit 1, or 2 for a usage error). */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export interface CliContext {
  /** The settings (read once, on first use). */
  settings(): Config;
  /** Runs `work` with the services (opened on the configured database, closed after); its number is the exit code. */
  withServices(work: (services: Services) => Promise<unknown>): Promise<void>;
  /** Who the commands act as. */
  operator: Principal;
  /** What the command reads (a pipeline secret's value): standard input. */
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  /** The exit code of a command that ends without a refusal (0 unless it says otherwise). */
  setExitCode(code: number): void;
}

/** Opens the services of one command on the configured database (src/wiring/runtime.ts). */
export type OpenServices = (config: Config, logger: Logger) => Promise<Services & { close(): Promise<void> }>;

/** Where a command's settings and input come from: the environment and standard input, unless a test says otherwise. */
export interface CliSources {
  loadSettings?: () => Config;
  input?: CliContext['input'];
}

export function cliContext(
  logger: Logger,
  openServices: OpenServices,
  { loadSettings = () => loadConfig(), input = process.stdin }: CliSources = {},
): CliContext & { config(): Config | undefined; exitCode(): number } {
  let config: Config | undefined;
  let exitCode = 0;
  const settings = () => (config ??= loadSettings());
  const setExitCode = (code: number) => {
    exitCode = code;
  };
  return {
    settings,
    config: () => config,
    exitCode: () => exitCode,
    operator: OPERATOR,
    input,
    setExitCode,
    async withServices(work) {
      const services = await openServices(settings(), logger);
      try {
        const code = await work(services);
        setExitCode(typeof code === 'number' ? code : 0);
      } finally {
        await services.close();
      }
    },
  };
}

export const out = (line: string) => process.stdout.write(`${line}\n`);

/** A listing: one JSON document (an array) with --json, else one line per item. */
export function list<T>(json: boolean, items: readonly T[], line: (item: T) => string): number {
  if (json) out(JSON.stringify(items, null, 2));
  else for (const item of items) out(line(item));
  return 0;
}

/** A whole number option (commander's argument parser: its error is a usage error). */
export const wholeNumber =
  (name: string) =>
  (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`--${name} must be a whole number`);
    return n;
  };

/** A duration option such as `90d`, `12h`, `30m`, `45s`, in milliseconds (from one second to ten years): the settings' parser. */
export function duration(value: string, name: string): number {
  const parsed = durationWithin(value, { min: 1000, max: 3650 * 86_400_000 });
  if ('problem' in parsed) throw new UsageError(`--${name} ${parsed.problem}`);
  return parsed.ms;
}

export const json = () => new Option('--json', 'print JSON (an array) instead of lines, for scripts');

/** A user named by name or id, or a usage error. */
export async function userOf(services: Services, nameOrId: string | undefined) {
  const user = nameOrId ? await services.tokens.findUser(nameOrId) : null;
  if (!user) throw new UsageError(`no user '${nameOrId ?? ''}'`);
  return user;
}
