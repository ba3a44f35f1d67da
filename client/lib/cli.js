// @ts-check
/**
 * The `credentials` command: parses its arguments, runs one command, and turns every failure into one line on
 * standard error (exit 1; 2 for a usage error; 127 for a command that cannot be started). No value is ever printed
 * but by `aws-credential-process`, whose output AWS reads.
 */
import { awsCredentialProcess } from './aws.js';
import { settings as loadSettings, removeConfig, writeConfig } from './config.js';
import { CLIENT, tokenOf, workspaceId } from './delivery.js';
import { ClientError } from './errors.js';
import { graphql, serverUrl } from './http.js';
import { loginInBrowser, loginWithOidc, loginWithToken, whoIs } from './login.js';
import { render } from './render.js';
import { run } from './run.js';

export const USAGE = `credentials ${CLIENT.version}: secrets from the credentials service, into the processes that use them

  credentials login --server URL [--no-browser]     sign in in a browser
  credentials login --server URL --token            store a token read from standard input
  credentials login --server URL --oidc-token FILE  exchange a machine's OIDC token (CI, Kubernetes)
  credentials logout | whoami
  credentials config --workspace ORG/WS            a default workspace for the commands below
  credentials ls [--workspace ORG/WS]
  credentials run [--workspace ORG/WS] [--credential NAME]... [--secret NAME]... [--nextflow] [--env-prefix P] -- CMD [ARGS...]
  credentials aws-credential-process --credential NAME [--workspace ORG/WS]
  credentials render --to DIR [--workspace ORG/WS] [--credential NAME]... [--secret NAME]... [--refresh]

Every command takes --server URL, --ca-file FILE (a private CA) and --insecure (plain http:// to another machine).
Settings: flags, then CREDENTIALS_SERVER, CREDENTIALS_TOKEN, CREDENTIALS_WORKSPACE, then the config file
($CREDENTIALS_CONFIG, else $XDG_CONFIG_HOME/credentials/config.json). Docs: docs/client.md.`;

const VALUE_FLAGS = new Set(['--server', '--workspace', '--credential', '--secret', '--to', '--env-prefix', '--ca-file', '--oidc-token']);
const BOOLEAN_FLAGS = new Set(['--nextflow', '--refresh', '--insecure', '--token', '--no-browser', '--json', '--help']);

/** @typedef {{ values: Map<string, string[]>, flags: Set<string>, command: string[] }} Parsed */

/** @param {string[]} args @returns {Parsed} */
export function parse(args) {
  /** @type {Parsed} */
  const parsed = { values: new Map(), flags: new Set(), command: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = /** @type {string} */ (args[i]);
    if (arg === '--') {
      parsed.command = args.slice(i + 1);
      break;
    }
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (VALUE_FLAGS.has(name)) {
      const value = inline ?? args[++i];
      if (value === undefined) throw new ClientError(`${name} needs a value`, 2);
      parsed.values.set(name, [...(parsed.values.get(name) ?? []), value]);
    } else if (BOOLEAN_FLAGS.has(name) && inline === undefined) {
      parsed.flags.add(name);
    } else if (arg.startsWith('--')) {
      // The flag's name only: what follows = may be a value that must not be echoed.
      throw new ClientError(`unknown option ${name.slice(0, 40)} (credentials --help)`, 2);
    } else {
      // Never echoed: a stray argument may be a secret typed where it does not belong (a token is read from standard input).
      throw new ClientError(`unexpected argument at position ${i + 1}: options take one value each, and a command to run follows -- (credentials --help)`, 2);
    }
  }
  return parsed;
}

/**
 * Runs the command line; its exit code.
 * @param {string[]} argv @param {{ out: (line: string) => void, err: (line: string) => void }} io
 */
export async function main(argv, io) {
  const [commandName, ...rest] = argv;
  if (commandName === undefined || commandName === '--help' || commandName === 'help' || commandName === '-h') {
    io.out(USAGE);
    return commandName === undefined ? 2 : 0;
  }
  if (commandName === '--version') {
    io.out(CLIENT.version);
    return 0;
  }
  const args = parse(rest);
  const one = (/** @type {string} */ name) => args.values.get(name)?.at(-1);
  const all = (/** @type {string} */ name) => args.values.get(name) ?? [];
  const config = loadSettings({ server: one('--server'), workspace: one('--workspace'), caFile: one('--ca-file'), insecure: args.flags.has('--insecure') });
  /** @type {import('./delivery.js').Session} */
  const session = { server: config.server ?? '', token: config.token, caFile: config.caFile, insecure: config.insecure, workspace: config.workspace };
  if (config.tokenFromFile && config.tokenExpiresAt && Date.parse(config.tokenExpiresAt) <= Date.now()) {
    if (commandName !== 'login' && commandName !== 'logout') throw new ClientError('your sign-in has expired: run `credentials login`');
  }
  switch (commandName) {
    case 'login': {
      if (!config.server) throw new ClientError('give the service: credentials login --server https://credentials.example.com', 2);
      const server = serverUrl(config.server, config.insecure);
      const who = args.flags.has('--token')
        ? await loginWithToken(config, server)
        : one('--oidc-token') !== undefined
          ? await loginWithOidc(config, server, /** @type {string} */ (one('--oidc-token')))
          : await loginInBrowser(config, server, { openBrowser: !args.flags.has('--no-browser'), say: io.err });
      io.err(`Signed in to ${server} as ${who.name}.`);
      return 0;
    }
    case 'logout': {
      removeConfig(config.file);
      io.err('Signed out: the stored token is forgotten (revoke it with the service to end it everywhere).');
      return 0;
    }
    case 'whoami': {
      const who = await whoIs(session, tokenOf(session));
      if (args.flags.has('--json')) io.out(JSON.stringify({ server: session.server, ...who }));
      else {
        io.out(`${who.name} at ${session.server}`);
        for (const w of who.workspaces) io.out(`  ${w.fullName}  ${w.role ?? '-'}  (direct delivery from ${w.directDelivery})`);
      }
      return 0;
    }
    case 'ls':
      return list(session, config.workspace, args.flags.has('--json'), io);
    case 'run': {
      return run(session, {
        credentials: all('--credential'),
        secrets: all('--secret'),
        workspace: config.workspace,
        nextflow: args.flags.has('--nextflow'),
        prefix: one('--env-prefix'),
        command: args.command,
      });
    }
    case 'aws-credential-process': {
      io.out(JSON.stringify(await awsCredentialProcess(session, { credential: one('--credential'), workspace: config.workspace })));
      return 0;
    }
    case 'render': {
      const to = one('--to');
      if (!to) throw new ClientError('name the directory: --to DIR', 2);
      return render(
        session,
        {
          to,
          credentials: all('--credential'),
          secrets: all('--secret'),
          workspace: config.workspace,
          prefix: one('--env-prefix'),
          refresh: args.flags.has('--refresh'),
        },
        io.err,
      );
    }
    case 'config': {
      // `credentials config --workspace ORG/WS`: a default workspace for the commands that take one.
      writeConfig(config.file, { ...config.stored, ...(one('--workspace') ? { workspace: one('--workspace') } : {}) });
      return 0;
    }
    default:
      throw new ClientError(`unknown command ${commandName.slice(0, 40)} (credentials --help)`, 2);
  }
}

const CREDENTIALS_PAGE = `query ($workspaceId: ID, $after: String) {
  credentials(workspaceId: $workspaceId, first: 100, after: $after) { edges { node { name provider } } pageInfo { hasNextPage endCursor } }
}`;
const SECRETS_PAGE = `query ($workspaceId: ID, $after: String) {
  pipelineSecrets(workspaceId: $workspaceId, first: 100, after: $after) { edges { node { name workspaceId } } pageInfo { hasNextPage endCursor } }
}`;

/** `ls`: what the caller may use in the context, names and providers only. */
async function list(
  /** @type {import('./delivery.js').Session} */ session,
  /** @type {string | undefined} */ workspace,
  /** @type {boolean} */ json,
  /** @type {{ out: (line: string) => void }} */ io,
) {
  const token = tokenOf(session);
  const id = await workspaceId(session, workspace);
  const pages = async (/** @type {string} */ query, /** @type {string} */ field) => {
    const nodes = [];
    let after;
    for (;;) {
      const data = await graphql(session, token, query, { workspaceId: id, after });
      const connection = data[field];
      nodes.push(...connection.edges.map((/** @type {{ node: unknown }} */ e) => e.node));
      if (!connection.pageInfo.hasNextPage) return nodes;
      after = connection.pageInfo.endCursor;
    }
  };
  const credentials = await pages(CREDENTIALS_PAGE, 'credentials');
  const secrets = await pages(SECRETS_PAGE, 'pipelineSecrets');
  if (json) {
    io.out(JSON.stringify({ credentials, pipelineSecrets: secrets.map((s) => ({ name: s.name, scope: s.workspaceId === null ? 'user' : 'workspace' })) }));
    return 0;
  }
  for (const c of credentials) io.out(`credential  ${c.name}  ${c.provider}`);
  for (const s of secrets) io.out(`secret      ${s.name}  ${s.workspaceId === null ? 'yours' : 'workspace'}`);
  return 0;
}
