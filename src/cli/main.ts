/** Operator commands: `npm run cli -- <command>` (see `npm run cli -- help`). */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { loadConfig, type Config } from '../config.js';
import { OPERATOR } from '../core/caller.js';
import { answerFor, logUnexpected } from '../doors/error-table.js';
import { createLogger } from '../logger.js';
import { openRuntime, StartupError } from '../runtime.js';
import { generateKey, writeKeyFile } from '../secrets/keyring.js';
import type { Services } from '../services.js';

const USAGE = `Usage: npm run cli -- <command>

Users and tokens
  users create <name>                 create a user
  users list                          list users
  tokens create <user> [--name <n>] [--expires-in <duration>] [--scope <scope>]
                                      create an access token for a user (name or id); prints it once.
                                      --expires-in: 90d, 12h, 30m, 45s (refused once past; default: never)
                                      --scope: all (default), read, write, or keys:read (list, describe and
                                      fetch keys, nothing else: for a pipeline agent)
  tokens list <user>                  list a user's tokens (never their values)
  tokens revoke <token-id>            revoke a token

Master keys (see README, Security)
  keys init                           create the key file if it does not exist (for NODE_ENV=production)
  keys list                           the keys, which one is primary, and how many secrets each seals
  keys add                            add a new key and make it the primary key
  keys rotate [--batch <n>] [--pause <ms>] [--limit <n>]
                                      re-seal every secret under the primary key; Ctrl-C stops
                                      after the current batch, and running it again resumes
  keys remove <key-id>                remove a key no secret uses any more

Organizations and workspaces (see README, Organizations and workspaces)
  orgs create <name> --owner <user>   create an organization; the user is its OWNER
  orgs list                           list organizations
  workspaces create <org>/<name> [--owner <user>]
                                      create a workspace (the user takes part as its OWNER)
  workspaces list [<org>]             list workspaces
  participants add <org>/<ws> <user> <role>
                                      add a user to a workspace with a role:
                                      OWNER, ADMIN, MAINTAIN, LAUNCH, CONNECT or VIEW
  participants role <org>/<ws> <user> <role>
                                      change a participant's role
  participants list <org>/<ws>        list a workspace's participants and their roles
  participants remove <org>/<ws> <user>
                                      remove a participant (refused at their next request)

Paired services (see README, Delivering keys to a paired service)
  pairings add --name <name> --public-key <PEM file>
                                      register a service that may receive credentials' keys, encrypted
                                      for its public key (RSA of 2048 bits or more, or EC P-256);
                                      prints the pairing id
  pairings list                       the paired services, their algorithms and key fingerprints
  pairings remove <pairing-id>        stop delivering keys to a service

Audit trail
  audit [--credential <id>] [--user <name or id>] [--workspace <org>/<ws>] [--limit <n>]
                                      the latest changes, newest first
`;

class UsageError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

const out = (line: string) => process.stdout.write(line + '\n');

async function run(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      'expires-in': { type: 'string' },
      scope: { type: 'string' },
      batch: { type: 'string' },
      pause: { type: 'string' },
      limit: { type: 'string' },
      credential: { type: 'string' },
      user: { type: 'string' },
      workspace: { type: 'string' },
      owner: { type: 'string' },
      'public-key': { type: 'string' },
    },
  });
  const [group, command, arg, arg2, arg3] = positionals;
  if (!group || group === 'help') {
    process.stdout.write(USAGE);
    return group ? 0 : 2;
  }
  const config = loadConfig();
  if (group === 'keys' && command === 'init') return keysInit(config);
  const services = await openRuntime(config, logger);
  try {
    switch (`${group} ${command ?? ''}`.trim()) {
      case 'users create': {
        const user = await services.tokens.createUser(arg ?? '', 'cli');
        out(`created user ${user.name} (id ${user.id})`);
        return 0;
      }
      case 'users list': {
        for (const user of await services.tokens.listUsers()) out(`${user.id}  ${user.name}`);
        return 0;
      }
      case 'tokens create': {
        const user = await userOf(services, arg);
        const expiresIn = values['expires-in'] === undefined ? undefined : duration(values['expires-in'], 'expires-in');
        const expiresAt = expiresIn === undefined ? undefined : new Date(Date.now() + expiresIn);
        const { token, info } = await services.tokens.createToken(user.id, values.name ?? 'cli', OPERATOR, { expiresAt, scope: values.scope });
        const until = info.expiresAt ? `, valid until ${info.expiresAt.toISOString()}` : '';
        out(`created token ${info.id} for ${user.name} (scope ${info.scope})${until}; it is shown only this once:\n\n  ${token}\n`);
        return 0;
      }
      case 'tokens list': {
        const user = await userOf(services, arg);
        for (const t of await services.tokens.listTokens(user.id)) {
          const state = t.revokedAt
            ? `revoked ${t.revokedAt.toISOString()}`
            : t.expiresAt && t.expiresAt.getTime() <= Date.now()
              ? `expired ${t.expiresAt.toISOString()}`
              : `active${t.expiresAt ? ` until ${t.expiresAt.toISOString()}` : ''}`;
          out(`${t.id}  ${t.name.padEnd(16)}  ${t.scope.padEnd(9)}  created ${t.createdAt.toISOString()}  ${state}`);
        }
        return 0;
      }
      case 'tokens revoke': {
        if (!(await services.tokens.revokeToken(arg ?? '', OPERATOR))) throw new UsageError(`no active token '${arg ?? ''}'`);
        out(`revoked token ${arg}`);
        return 0;
      }
      case 'keys list':
        return await keysList(services);
      case 'keys add':
        return await keysAdd(config, services);
      case 'keys rotate':
        return await keysRotate(services, {
          batchSize: positive(values.batch, 'batch', 100),
          pauseMs: positive(values.pause, 'pause', 0),
          limit: values.limit === undefined ? undefined : positive(values.limit, 'limit', 0),
        });
      case 'keys remove':
        return await keysRemove(config, services, arg);
      case 'orgs create': {
        const org = await services.workspaces.createOrganization(null, arg ?? '', required(values.owner, '--owner <user>'));
        out(`created organization ${org.name} (id ${org.id}), owned by ${values.owner}`);
        return 0;
      }
      case 'orgs list': {
        for (const org of await services.workspaces.listOrganizations()) out(`${String(org.id).padStart(6)}  ${org.name}`);
        return 0;
      }
      case 'workspaces create': {
        const [org, name] = required(arg, '<org>/<name>').split('/');
        const workspace = await services.workspaces.createWorkspace(null, { name: org ?? '' }, name ?? '');
        if (values.owner) await services.workspaces.addParticipant(null, { id: String(workspace.id) }, values.owner, 'OWNER');
        out(`created workspace ${workspace.organizationName}/${workspace.name} (id ${workspace.id})${values.owner ? `; ${values.owner} takes part as OWNER` : ''}`);
        return 0;
      }
      case 'workspaces list': {
        for (const w of await services.workspaces.listWorkspaces(arg)) out(`${String(w.id).padStart(6)}  ${w.organizationName}/${w.name}`);
        return 0;
      }
      case 'participants add': {
        const added = await services.workspaces.addParticipant(null, { fullName: required(arg, '<org>/<ws>') }, required(arg2, '<user>'), required(arg3, '<role>'));
        out(`${added.userName} takes part in ${arg} as ${added.role}`);
        return 0;
      }
      case 'participants role': {
        const updated = await services.workspaces.updateParticipantRole(null, { fullName: required(arg, '<org>/<ws>') }, required(arg2, '<user>'), required(arg3, '<role>'));
        out(`${updated.userName} is now ${updated.role} in ${arg}`);
        return 0;
      }
      case 'participants list': {
        for (const p of await services.workspaces.listParticipants(null, { fullName: required(arg, '<org>/<ws>') })) {
          out(`${p.userName.padEnd(24)}  ${p.role.padEnd(8)}  since ${p.createdAt.toISOString()}`);
        }
        return 0;
      }
      case 'participants remove': {
        await services.workspaces.removeParticipant(null, { fullName: required(arg, '<org>/<ws>') }, required(arg2, '<user>'));
        out(`removed ${arg2} from ${arg}`);
        return 0;
      }
      case 'pairings add': {
        const file = required(values['public-key'], '--public-key <PEM file>');
        if (!existsSync(file)) throw new UsageError(`no file ${file}`);
        const pairing = await services.pairings.add(required(values.name, '--name <name>'), readFileSync(file, 'utf8'));
        out(`paired ${pairing.name}: pairing id ${pairing.id} (${pairing.algorithm}, key fingerprint ${pairing.fingerprint})`);
        return 0;
      }
      case 'pairings list': {
        for (const p of await services.pairings.list()) {
          out(`${p.id}  ${p.name.padEnd(24)}  ${p.algorithm.padEnd(14)}  ${p.fingerprint}  created ${p.createdAt.toISOString()}`);
        }
        return 0;
      }
      case 'pairings remove': {
        await services.pairings.remove(required(arg, '<pairing-id>'));
        out(`removed pairing ${arg}`);
        return 0;
      }
      case 'audit':
        return await audit(services, values.credential, values.user, values.workspace, positive(values.limit, 'limit', 50));
      default:
        throw new UsageError(`unknown command '${positionals.join(' ')}'\n\n${USAGE}`, 2);
    }
  } finally {
    await services.close();
  }
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration such as `90d`, `12h`, `30m`, `45s`, in milliseconds (at most ten years). */
function duration(value: string, name: string): number {
  const match = /^([1-9][0-9]{0,5})([smhd])$/.exec(value);
  const ms = match ? Number(match[1]) * UNIT_MS[match[2]!]! : NaN;
  if (!(ms > 0 && ms <= 3650 * UNIT_MS.d!)) throw new UsageError(`--${name} must be a duration such as 90d, 12h, 30m or 45s (at most 3650d)`);
  return ms;
}

function positive(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a whole number`);
  return n;
}

async function userOf(services: Services, nameOrId: string | undefined) {
  const user = nameOrId ? await services.tokens.findUser(nameOrId) : null;
  if (!user) throw new UsageError(`no user '${nameOrId ?? ''}'`);
  return user;
}

function requireKeyFile(config: Config, action: string): void {
  if (config.masterKeys) {
    const { id, key } = generateKey();
    throw new UsageError(
      `keys come from MASTER_KEYS, not a file: to ${action}, edit MASTER_KEYS on every instance ` +
        `(the first entry is the primary key) and restart them. A new key: ${id}:${key.toString('base64')}`,
    );
  }
}

function keysInit(config: Config): number {
  requireKeyFile(config, 'create keys');
  if (existsSync(config.masterKeyFile)) {
    out(`${config.masterKeyFile} exists already; nothing changed.`);
    return 0;
  }
  const { id, key } = generateKey();
  writeKeyFile(config.masterKeyFile, { primary: id, keys: new Map([[id, key]]) });
  out(`created ${config.masterKeyFile} (mode 0600) with primary key ${id}. Back it up: without it, secrets cannot be opened.`);
  return 0;
}

async function keysList(services: Services): Promise<number> {
  const ring = services.keys.ring;
  const usage = await services.rotation.usage();
  for (const id of ring.keyIds) {
    out(`${id}  ${id === ring.primaryId ? 'primary' : '       '}  seals ${usage.get(id) ?? 0} secrets`);
  }
  for (const [id, count] of usage) {
    if (!ring.keyIds.includes(id)) out(`${id}  MISSING  seals ${count} secrets that cannot be opened without it`);
  }
  return 0;
}

async function keysAdd(config: Config, services: Services): Promise<number> {
  requireKeyFile(config, 'add a key');
  const keys = services.keys.ring.exportKeys();
  const { id, key } = generateKey();
  keys.set(id, key);
  writeKeyFile(config.masterKeyFile, { primary: id, keys });
  out(`added key ${id}; it is now the primary key: new secrets are sealed with it (running servers pick it up within a second).`);
  out(`Run \`npm run cli -- keys rotate\` to re-seal the existing secrets with it.`);
  return 0;
}

async function keysRotate(services: Services, options: { batchSize: number; pauseMs: number; limit?: number }): Promise<number> {
  const rotation = services.rotation;
  const total = await rotation.countNotUnderPrimary();
  out(`primary key ${services.keys.ring.primaryId}; ${total} secrets are sealed by older keys`);
  let stop = false;
  const onSignal = () => {
    stop = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const bar = process.stderr.isTTY
    ? new cliProgress.SingleBar(
        { stream: process.stderr, format: 're-sealing [{bar}] {value}/{total} | {remaining} still under older keys' },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  bar?.start(total, 0, { remaining: total });
  let last = { resealed: 0, remaining: total, unreadable: [] as string[] };
  try {
    for await (const progress of rotation.reseal({ ...options, shouldStop: () => stop })) {
      last = progress;
      if (bar) bar.update(progress.resealed, { remaining: progress.remaining });
      else out(`re-sealed ${progress.resealed}; ${progress.remaining} still sealed by older keys`);
    }
  } finally {
    bar?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (last.unreadable.length > 0) {
    out(`${last.unreadable.length} secrets could not be opened and were left as they are: ${last.unreadable.join(', ')}`);
  }
  if (stop) {
    out(`interrupted after re-sealing ${last.resealed}; ${last.remaining} still sealed by older keys. Run the command again to resume.`);
    return 130;
  }
  out(`done: re-sealed ${last.resealed}; ${last.remaining} still sealed by older keys.`);
  return last.unreadable.length > 0 ? 1 : 0;
}

async function keysRemove(config: Config, services: Services, keyId: string | undefined): Promise<number> {
  requireKeyFile(config, 'remove a key');
  const ring = services.keys.ring;
  if (!keyId || !ring.keyIds.includes(keyId)) throw new UsageError(`no key '${keyId ?? ''}' in ${config.masterKeyFile}`);
  if (keyId === ring.primaryId) throw new UsageError(`key ${keyId} is the primary key; add another first (keys add)`);
  const inUse = (await services.rotation.usage()).get(keyId) ?? 0;
  if (inUse > 0) throw new UsageError(`key ${keyId} still seals ${inUse} secrets; run \`keys rotate\` first`);
  const keys = ring.exportKeys();
  keys.delete(keyId);
  writeKeyFile(config.masterKeyFile, { primary: ring.primaryId, keys });
  out(`removed key ${keyId}`);
  return 0;
}

async function audit(services: Services, credentialId: string | undefined, user: string | undefined, workspace: string | undefined, limit: number): Promise<number> {
  const owner = user ? await userOf(services, user) : undefined;
  const workspaceId = workspace ? (await services.workspaces.workspace(null, { fullName: workspace })).id : undefined;
  const events = await services.audit.latest({ targetId: credentialId, ownerUserId: owner?.id, workspaceId, limit });
  for (const e of events) {
    const context = e.workspaceId !== null ? `workspace ${e.workspaceId}` : `owner ${e.ownerUserId ?? '-'}`;
    out(`${e.at.toISOString()}  ${e.action.padEnd(18)}  ${e.targetType} ${e.targetId}  ${context}  by ${e.actor ?? '-'} via ${e.door ?? '-'}${e.detail ? `  ${e.detail}` : ''}`);
  }
  return 0;
}

function required(value: string | undefined, what: string): string {
  if (!value) throw new UsageError(`missing ${what}\n\n${USAGE}`, 2);
  return value;
}

// Log lines (warnings, failures with their error id) go to stderr; what the command prints, to stdout.
const logger = createLogger('warn', process.stderr);

try {
  process.exitCode = await run(process.argv.slice(2));
} catch (error) {
  // Usage and start-up problems, and domain errors (as the error table says), are told as they are;
  // anything else is an unexpected failure, logged with an error id.
  const answer = answerFor(error);
  if (error instanceof UsageError || error instanceof StartupError || answer) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    process.exitCode = error instanceof UsageError ? error.exitCode : (answer?.exitCode ?? 1);
  } else {
    process.stderr.write(`error: unexpected failure (Error ID: ${logUnexpected(logger, error)})\n`);
    process.exitCode = 1;
  }
}
