// @ts-check
/**
 * Which environment variables a delivered value becomes: one table, by provider (docs/client.md shows it). A value
 * that is a file for its consumers (a Google service-account key, an SSH private key) is written to a 0600 file and
 * its variable names the file. A pipeline secret is a variable of its own name. Two values for one variable is an
 * error, before anything runs.
 */
import { ClientError } from './errors.js';

/** @typedef {(keys: Record<string, any>) => unknown} Pick */
/** @typedef {{ variable: string, value: Pick, file?: string }} Variable */

const field = (/** @type {string} */ name) => (/** @type {Record<string, any>} */ keys) => keys[name];
const token = (/** @type {Record<string, any>} */ keys) => keys.token ?? keys.password;
const aws = [
  { variable: 'AWS_ACCESS_KEY_ID', value: field('accessKey') },
  { variable: 'AWS_SECRET_ACCESS_KEY', value: field('secretKey') },
  { variable: 'AWS_SESSION_TOKEN', value: field('sessionToken') },
];
const git = (/** @type {string} */ prefix) => [
  { variable: `${prefix}_TOKEN`, value: token },
  { variable: `${prefix}_USER`, value: field('username') },
];

/** Provider → its variables. @type {Record<string, Variable[]>} */
export const VARIABLES = {
  aws,
  s3: aws,
  github: git('GITHUB'),
  gitlab: git('GITLAB'),
  bitbucket: git('BITBUCKET'),
  gitea: git('GITEA'),
  azurerepos: [{ variable: 'AZURE_DEVOPS_EXT_PAT', value: token }],
  'container-reg': [
    { variable: 'REGISTRY', value: field('registry') },
    { variable: 'REGISTRY_USER', value: field('userName') },
    { variable: 'REGISTRY_PASSWORD', value: field('password') },
  ],
  google: [{ variable: 'GOOGLE_APPLICATION_CREDENTIALS', value: field('data'), file: 'google-credentials.json' }],
  ssh: [
    { variable: 'SSH_KEY_FILE', value: field('privateKey'), file: 'ssh-key' },
    { variable: 'SSH_KEY_PASSPHRASE', value: field('passphrase') },
  ],
  azure: [
    { variable: 'AZURE_BATCH_ACCOUNT_NAME', value: field('batchName') },
    { variable: 'AZURE_BATCH_ACCOUNT_KEY', value: field('batchKey') },
    { variable: 'AZURE_STORAGE_ACCOUNT_NAME', value: field('storageName') },
    { variable: 'AZURE_STORAGE_ACCOUNT_KEY', value: field('storageKey') },
  ],
  azure_entra: [
    { variable: 'AZURE_TENANT_ID', value: field('tenantId') },
    { variable: 'AZURE_CLIENT_ID', value: field('clientId') },
    { variable: 'AZURE_CLIENT_SECRET', value: field('clientSecret') },
  ],
  k8s: [{ variable: 'KUBERNETES_TOKEN', value: field('token') }],
};

/** A pipeline secret's variable: its own name (Nextflow's names are valid variable names). */
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * @typedef {{ credentials?: { credentialsId: string, name: string, provider: string, keys: Record<string, any> }[],
 *   pipelineSecrets?: Record<string, string> }} Delivery
 * @typedef {{ variable: string, value: string, from: string, file?: string }} Planned
 */

/**
 * What a delivery becomes: each variable once (a file's variable holds the file's name to write, filled in by the
 * caller), or a ClientError naming a clash. `secretsAsVariables`: pipeline secrets too (not with --nextflow).
 * @param {Delivery} delivery @param {{ prefix?: string, secretsAsVariables?: boolean }} [options]
 * @returns {Planned[]}
 */
export function plan(delivery, { prefix = '', secretsAsVariables = true } = {}) {
  if (prefix !== '' && !VARIABLE_NAME.test(prefix)) throw new ClientError(`--env-prefix ${prefix.slice(0, 40)}: letters, digits and _ only`);
  /** @type {Map<string, Planned>} */
  const planned = new Map();
  const add = (/** @type {Planned} */ item) => {
    const earlier = planned.get(item.variable);
    if (earlier) {
      throw new ClientError(`${earlier.from} and ${item.from} would both set ${item.variable}: ask for one of them, or use --env-prefix in separate runs`);
    }
    planned.set(item.variable, item);
  };
  for (const credential of delivery.credentials ?? []) {
    const table = VARIABLES[credential.provider];
    if (!table) {
      throw new ClientError(
        `credential ${credential.name} (${credential.provider}) has no variables: use \`credentials render\` or --nextflow to get its fields`,
      );
    }
    for (const entry of table) {
      const value = entry.value(credential.keys ?? {});
      if (value === undefined || value === null || value === '') continue;
      add({ variable: prefix + entry.variable, value: String(value), from: `credential ${credential.name}`, ...(entry.file ? { file: entry.file } : {}) });
    }
  }
  if (secretsAsVariables) {
    for (const [name, value] of Object.entries(delivery.pipelineSecrets ?? {})) {
      if (!VARIABLE_NAME.test(name)) throw new ClientError(`pipeline secret ${name.slice(0, 60)} is not a variable name`);
      add({ variable: prefix + name, value, from: `pipeline secret ${name}` });
    }
  }
  return [...planned.values()];
}

/**
 * Nextflow's secrets (its `secrets.NAME`): every pipeline secret by its name, and each credential's fields as
 * `<credential>_<field>` (a credential's name with anything but letters, digits and _ as _).
 * @param {Delivery} delivery
 * @returns {{ name: string, value: string }[]}
 */
export function nextflowSecrets(delivery) {
  /** @type {Map<string, string>} */
  const secrets = new Map();
  for (const credential of delivery.credentials ?? []) {
    const base = credential.name.replace(/[^A-Za-z0-9_]/g, '_');
    for (const [name, value] of Object.entries(credential.keys ?? {})) {
      if (value === null || value === undefined || typeof value === 'object') continue;
      secrets.set(`${base}_${name}`, String(value));
    }
  }
  for (const [name, value] of Object.entries(delivery.pipelineSecrets ?? {})) {
    if (secrets.has(name)) throw new ClientError(`pipeline secret ${name} and a credential's field would both be secrets.${name}`);
    secrets.set(name, value);
  }
  return [...secrets].map(([name, value]) => ({ name, value }));
}
