// @ts-check
/**
 * `credentials run`: one delivery, then CMD with the values in its environment (and files, for values that are
 * files), its signals forwarded, and its exit code as ours. The token the client signs in with is not passed on.
 * With --nextflow, the pipeline secrets (and each credential's fields) go into a secrets file in Nextflow's format
 * (a JSON array of {name, value}, 0600, in a 0700 directory) named by NXF_SECRETS_FILE. Every file is removed when
 * CMD ends, however it ends.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { join } from 'node:path';
import { deliver } from './delivery.js';
import { ClientError } from './errors.js';
import { privateDirectory, variableValue, writePrivate } from './files.js';
import { nextflowSecrets, plan } from './variables.js';

/** Variables of the client's own that CMD never sees. */
const WITHHELD = ['CREDENTIALS_TOKEN'];
const SIGNALS = /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT']);

/**
 * @param {import('./delivery.js').Session} session
 * @param {{ credentials: string[], secrets: string[], workspace?: string, nextflow: boolean, prefix?: string, command: string[] }} options
 * @returns {Promise<number>} CMD's exit code
 */
export async function run(session, options) {
  if (options.command.length === 0) throw new ClientError('name the command to run after --, e.g. credentials run --secret TOKEN -- ./deploy.sh');
  const delivery = await deliver(session, options);
  const planned = plan(delivery, { prefix: options.prefix, secretsAsVariables: !options.nextflow });
  const nextflow = options.nextflow ? nextflowSecrets(delivery) : [];
  const needsFiles = options.nextflow || planned.some((p) => p.file);
  const files = needsFiles ? privateDirectory() : undefined;
  /** @type {NodeJS.ProcessEnv} */
  const env = { ...process.env };
  for (const name of WITHHELD) delete env[name];
  for (const item of planned) env[item.variable] = variableValue(item, files?.dir);
  if (files && options.nextflow) {
    const path = join(files.dir, 'nextflow-secrets.json');
    writePrivate(path, JSON.stringify(nextflow));
    env.NXF_SECRETS_FILE = path;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(/** @type {string} */ (options.command[0]), options.command.slice(1), { stdio: 'inherit', env });
    /** @type {Partial<Record<NodeJS.Signals, () => void>>} */
    const forwarders = {};
    for (const signal of SIGNALS) {
      forwarders[signal] = () => child.kill(signal);
      process.on(signal, forwarders[signal]);
    }
    const done = () => {
      for (const signal of SIGNALS) process.off(signal, /** @type {() => void} */ (forwarders[signal]));
      files?.remove();
    };
    child.on('error', (error) => {
      done();
      const code = /** @type {{ code?: string }} */ (error).code;
      reject(new ClientError(code === 'ENOENT' ? `command not found: ${options.command[0]}` : `cannot start ${options.command[0]}: ${error.message}`, 127));
    });
    child.on('exit', (code, signal) => {
      done();
      resolve(code ?? 128 + signalNumber(signal));
    });
  });
}

/** @param {NodeJS.Signals | null} signal */
function signalNumber(signal) {
  return constants.signals[signal ?? 'SIGTERM'] ?? 15;
}
