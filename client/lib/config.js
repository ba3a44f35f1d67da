// @ts-check
/**
 * The client's settings: from flags, then the environment (CREDENTIALS_SERVER, CREDENTIALS_TOKEN,
 * CREDENTIALS_WORKSPACE), then its config file ($CREDENTIALS_CONFIG, else $XDG_CONFIG_HOME/credentials/config.json,
 * else ~/.config/credentials/config.json). The file holds the server, the token and its expiry, a default workspace
 * and a CA file — never a secret's value — and is written 0600 in a 0700 directory, atomically.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { ClientError } from './errors.js';

/** @typedef {{ server?: string, token?: string, tokenExpiresAt?: string, workspace?: string, caFile?: string, user?: string }} StoredConfig */

/** @param {NodeJS.ProcessEnv} env */
export function configPath(env = process.env) {
  if (env.CREDENTIALS_CONFIG) return env.CREDENTIALS_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'credentials', 'config.json');
}

/** The stored settings ({} when there are none). @param {string} file @returns {StoredConfig} */
export function readConfig(file) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (/** @type {{ code?: string }} */ (error).code === 'ENOENT') return {};
    throw new ClientError(`cannot read ${file}: ${/** @type {Error} */ (error).message}`);
  }
  try {
    const parsed = JSON.parse(text);
    return parsed && typeof parsed === 'object' ? parsed : {};
  } catch {
    throw new ClientError(`${file} is not JSON: fix it, or remove it and run \`credentials login\``);
  }
}

/** Writes the settings, 0600, atomically (a temporary file renamed over it). @param {string} file @param {StoredConfig} config */
export function writeConfig(file, config) {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
}

/** Forgets the stored settings. @param {string} file */
export function removeConfig(file) {
  rmSync(file, { force: true });
}

/**
 * The settings a command runs with.
 * @param {{ server?: string, token?: string, workspace?: string, caFile?: string, insecure?: boolean }} flags
 * @param {NodeJS.ProcessEnv} env
 */
export function settings(flags, env = process.env) {
  const file = configPath(env);
  const stored = readConfig(file);
  return {
    file,
    stored,
    server: flags.server ?? env.CREDENTIALS_SERVER ?? stored.server,
    token: flags.token ?? env.CREDENTIALS_TOKEN ?? stored.token,
    tokenFromFile: flags.token === undefined && env.CREDENTIALS_TOKEN === undefined && stored.token !== undefined,
    tokenExpiresAt: stored.tokenExpiresAt,
    workspace: flags.workspace ?? env.CREDENTIALS_WORKSPACE ?? stored.workspace,
    caFile: flags.caFile ?? env.CREDENTIALS_CA_FILE ?? stored.caFile,
    insecure: flags.insecure === true,
  };
}
