/** The sign-in settings that name files (OIDC_PROVIDERS, OIDC_MACHINE_ISSUERS): read and checked at start, a mistake stopping it. */
import { readFileSync } from 'node:fs';
import { parseGroupRoles, parseOidcProviders } from '../features/sign-in/use-cases/browser.js';
import { parseMachineIssuers } from '../features/sign-in/use-cases/machine.js';
import type { Config } from '../infra/config/index.js';
import { ConfigError } from '../infra/config/index.js';

/** The trusted machine issuers of OIDC_MACHINE_ISSUERS's file (none when unset); a problem stops the start, naming it. */
export function machineIssuers(file: string | undefined) {
  return file === undefined ? [] : readSettingFile('OIDC_MACHINE_ISSUERS', file, (text) => parseMachineIssuers(text, file));
}

/** The sign-in settings with the group mapping and the providers file read (a mistake stops the start, naming the setting). */
export function signInSettings(config: Config['signIn']) {
  if (!config) return undefined;
  const groupRoles = parseGroupRoles(config.groupRoles);
  if (typeof groupRoles === 'string') throw new ConfigError(`Invalid configuration: OIDC_GROUP_ROLES: ${groupRoles}`);
  const { providersFile, ...rest } = config;
  const providers = [...config.providers];
  if (providersFile) {
    providers.push(...readSettingFile('OIDC_PROVIDERS', providersFile, (text) => parseOidcProviders(text, providersFile, config.production)));
  }
  const names = providers.map((p) => p.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new ConfigError(`Invalid configuration: OIDC_PROVIDERS: the provider name ${twice} is used twice (default is OIDC_ISSUER's)`);
  return { ...rest, providers, groupRoles };
}

/** A setting's file, read and parsed: a file that cannot be read, or a parse's problem, stops the start naming the setting. */
function readSettingFile<T>(setting: string, file: string, parse: (text: string) => T): T {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`Invalid configuration: ${setting}: ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    return parse(text);
  } catch (error) {
    throw new ConfigError(`Invalid configuration: ${(error as Error).message}`);
  }
}
