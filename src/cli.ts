#!/usr/bin/env node
/**
 * The operator's command line: `credentials-service <command>` (the package's
 * bin), also `npm run cli -- <command>`. `--help` on the tool and on every
 * command; `--json` on every listing. Exit codes: 0 done; 1 refused or failed
 * (the message says why; an unexpected failure gives an error id that is in
 * the log); 2 a usage error (unknown command, missing argument or option);
 * 130 interrupted (keys rotate, resumable).
 */
import { existsSync, readFileSync } from 'node:fs';
import cliProgress from 'cli-progress';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { OPERATOR } from './core/caller.js';
import { DomainError, logUnexpected } from './core/errors.js';
import { durationWithin } from './core/time.js';
import { type Config, loadConfig, loadEnvFile } from './infra/config.js';
import { createLogger } from './infra/logger.js';
import { generateKey, writeKeyFile } from './secrets/keyring.js';
import { migrateDatabase, missingMigrations, openRuntime } from './wiring/runtime.js';
import type { Services } from './wiring/services.js';
import { explainStartupFailure } from './wiring/startup.js';

/** A mistake of the operator's that the message explains (exit 1, or 2 for a usage error). */
class UsageError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

const out = (line: string) => process.stdout.write(`${line}\n`);

/** A listing: one JSON document (an array) with --json, else one line per item. */
function list<T>(json: boolean, items: readonly T[], line: (item: T) => string): number {
  if (json) out(JSON.stringify(items, null, 2));
  else for (const item of items) out(line(item));
  return 0;
}

// Log lines (warnings, failures with their error id) go to stderr; what the command prints, to stdout.
const logger = createLogger('warn', process.stderr);

let config: Config | undefined;
const settings = () => (config ??= loadConfig());

/** Runs `work` with the services (opened on the configured database, closed after); its number is the exit code. */
async function withServices(work: (services: Services) => Promise<unknown>): Promise<void> {
  const services = await openRuntime(settings(), logger);
  try {
    const code = await work(services);
    process.exitCode = typeof code === 'number' ? code : 0;
  } finally {
    await services.close();
  }
}

/** A whole number option (commander's argument parser: its error is a usage error). */
const wholeNumber =
  (name: string) =>
  (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`--${name} must be a whole number`);
    return n;
  };

const json = () => new Option('--json', 'print JSON (an array) instead of lines, for scripts');

const program = new Command('credentials-service')
  .description('Operator commands of the credentials service. Settings come from the environment (and .env), as for the server.')
  .version((JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version)
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride()
  .addHelpText(
    'after',
    `
Exit codes: 0 done; 1 refused or failed (the message says why); 2 usage error; 130 interrupted (keys rotate: run it again to resume).
Every command also runs as \`npm run cli -- <command>\`. Details: README, Commands.`,
  );

// ---- Users and tokens -------------------------------------------------------------------------------

const users = program.command('users').description('users');
users
  .command('create <name>')
  .description('create a user')
  .action((name: string) =>
    withServices(async (services) => {
      const user = await services.tokens.createUser(name, 'cli');
      out(`created user ${user.name} (id ${user.id})`);
    }),
  );
users
  .command('list')
  .description('list users')
  .addOption(json())
  .action((options: { json?: boolean }) =>
    withServices(async (services) => list(!!options.json, await services.tokens.listUsers(), (u) => `${u.id}  ${u.name}`)),
  );

const tokens = program.command('tokens').description('access tokens');
tokens
  .command('create <user>')
  .description('create an access token for a user (name or id); it is printed once')
  .option('--name <label>', 'a label for the token', 'cli')
  .option('--expires-in <duration>', 'refused once past: 90d, 12h, 30m, 45s (default: never)')
  .option('--scope <scope>', 'all (default), read, write, or keys:read (list, describe and fetch keys, nothing else: for a pipeline agent)', 'all')
  .addOption(new Option('--json', 'print {id, token, scope, expiresAt} as JSON'))
  .action((user: string, options: { name: string; expiresIn?: string; scope: string; json?: boolean }) =>
    withServices(async (services) => {
      const owner = await userOf(services, user);
      const expiresAt = options.expiresIn === undefined ? undefined : new Date(Date.now() + duration(options.expiresIn, 'expires-in'));
      const { token, info } = await services.tokens.createToken(owner.id, options.name, OPERATOR, { expiresAt, scope: options.scope });
      if (options.json)
        return void out(JSON.stringify({ id: info.id, user: owner.name, name: info.name, scope: info.scope, expiresAt: info.expiresAt, token }, null, 2));
      const until = info.expiresAt ? `, valid until ${info.expiresAt.toISOString()}` : '';
      out(`created token ${info.id} for ${owner.name} (scope ${info.scope})${until}; it is shown only this once:\n\n  ${token}\n`);
    }),
  );
tokens
  .command('list <user>')
  .description("list a user's tokens (never their values)")
  .addOption(json())
  .action((user: string, options: { json?: boolean }) =>
    withServices(async (services) => {
      const owner = await userOf(services, user);
      return list(!!options.json, await services.tokens.listTokens(owner.id), (t) => {
        const state = t.revokedAt
          ? `revoked ${t.revokedAt.toISOString()}`
          : t.expiresAt && t.expiresAt.getTime() <= Date.now()
            ? `expired ${t.expiresAt.toISOString()}`
            : `active${t.expiresAt ? ` until ${t.expiresAt.toISOString()}` : ''}`;
        return `${t.id}  ${t.name.padEnd(16)}  ${t.scope.padEnd(9)}  created ${t.createdAt.toISOString()}  ${state}`;
      });
    }),
  );
tokens
  .command('revoke <token-id>')
  .description('revoke a token (refused from the next request on, by every instance)')
  .action((id: string) =>
    withServices(async (services) => {
      if (!(await services.tokens.revokeToken(id, OPERATOR))) throw new UsageError(`no active token '${id}'`);
      out(`revoked token ${id}`);
    }),
  );

// ---- Master keys ----------------------------------------------------------------------------------------

const keys = program.command('keys').description('master keys (see README, Security)');
keys
  .command('init')
  .description('create the key file if it does not exist (for NODE_ENV=production)')
  .action(() => {
    process.exitCode = keysInit(settings());
  });
keys
  .command('list')
  .description('the keys, which one is primary, and how many secrets each seals')
  .addOption(json())
  .action((options: { json?: boolean }) => withServices((services) => keysList(services, !!options.json)));
keys
  .command('add')
  .description('add a new key and make it the primary key')
  .action(() => withServices((services) => keysAdd(settings(), services)));
keys
  .command('rotate')
  .description('re-seal every secret under the primary key; Ctrl-C stops after the current batch, and running it again resumes')
  .option('--batch <n>', 'secrets per batch', wholeNumber('batch'), 100)
  .option('--pause <ms>', 'pause between batches', wholeNumber('pause'), 0)
  .option('--limit <n>', 'stop after this many', wholeNumber('limit'))
  .action((options: { batch: number; pause: number; limit?: number }) =>
    withServices((services) => keysRotate(services, { batchSize: options.batch, pauseMs: options.pause, limit: options.limit })),
  );
keys
  .command('remove <key-id>')
  .description('remove a key no secret uses any more')
  .action((id: string) => withServices((services) => keysRemove(settings(), services, id)));

// ---- Organizations and workspaces ---------------------------------------------------------------------

const orgs = program.command('orgs').description('organizations (see README, Organizations and workspaces)');
orgs
  .command('create <name>')
  .description('create an organization; the user is its OWNER')
  .requiredOption('--owner <user>', 'its owner (name or id)')
  .action((name: string, options: { owner: string }) =>
    withServices(async (services) => {
      const org = await services.workspaces.createOrganization(null, name, options.owner);
      out(`created organization ${org.name} (id ${org.id}), owned by ${options.owner}`);
    }),
  );
orgs
  .command('list')
  .description('list organizations')
  .addOption(json())
  .action((options: { json?: boolean }) =>
    withServices(async (services) => list(!!options.json, await services.workspaces.listOrganizations(), (o) => `${String(o.id).padStart(6)}  ${o.name}`)),
  );

const workspaces = program.command('workspaces').description('workspaces of organizations');
workspaces
  .command('create <org/name>')
  .description('create a workspace (with --owner, the user takes part as its OWNER)')
  .option('--owner <user>', 'a user who takes part as OWNER')
  .action((fullName: string, options: { owner?: string }) =>
    withServices(async (services) => {
      const [org, name] = fullName.split('/');
      const workspace = await services.workspaces.createWorkspace(null, { name: org ?? '' }, name ?? '');
      if (options.owner) await services.workspaces.addParticipant(null, { id: String(workspace.id) }, options.owner, 'OWNER');
      out(
        `created workspace ${workspace.organizationName}/${workspace.name} (id ${workspace.id})${options.owner ? `; ${options.owner} takes part as OWNER` : ''}`,
      );
    }),
  );
workspaces
  .command('list [org]')
  .description("list workspaces (an organization's only, when named)")
  .addOption(json())
  .action((org: string | undefined, options: { json?: boolean }) =>
    withServices(async (services) =>
      list(!!options.json, await services.workspaces.listWorkspaces(org), (w) => `${String(w.id).padStart(6)}  ${w.organizationName}/${w.name}`),
    ),
  );

const participants = program.command('participants').description('who takes part in a workspace, and their roles');
const ROLES = 'OWNER, ADMIN, MAINTAIN, LAUNCH, CONNECT or VIEW';
participants
  .command('add <org/ws> <user> <role>')
  .description(`add a user to a workspace with a role: ${ROLES}`)
  .action((ws: string, user: string, role: string) =>
    withServices(async (services) => {
      const added = await services.workspaces.addParticipant(null, { fullName: ws }, user, role);
      out(`${added.userName} takes part in ${ws} as ${added.role}`);
    }),
  );
participants
  .command('role <org/ws> <user> <role>')
  .description("change a participant's role")
  .action((ws: string, user: string, role: string) =>
    withServices(async (services) => {
      const updated = await services.workspaces.updateParticipantRole(null, { fullName: ws }, user, role);
      out(`${updated.userName} is now ${updated.role} in ${ws}`);
    }),
  );
participants
  .command('list <org/ws>')
  .description("list a workspace's participants and their roles")
  .addOption(json())
  .action((ws: string, options: { json?: boolean }) =>
    withServices(async (services) =>
      list(
        !!options.json,
        await services.workspaces.listParticipants(null, { fullName: ws }),
        (p) => `${p.userName.padEnd(24)}  ${p.role.padEnd(8)}  since ${p.createdAt.toISOString()}`,
      ),
    ),
  );
participants
  .command('remove <org/ws> <user>')
  .description('remove a participant (refused at their next request)')
  .action((ws: string, user: string) =>
    withServices(async (services) => {
      await services.workspaces.removeParticipant(null, { fullName: ws }, user);
      out(`removed ${user} from ${ws}`);
    }),
  );

// ---- Paired services --------------------------------------------------------------------------------------

const pairings = program.command('pairings').description("services that may receive credentials' keys (see README, Delivering keys)");
pairings
  .command('add')
  .description('register a service by its public key (RSA of 2048 bits or more, or EC P-256); prints the pairing id')
  .requiredOption('--name <name>', 'a name for people')
  .requiredOption('--public-key <file>', 'its public key, PEM')
  .action((options: { name: string; publicKey: string }) =>
    withServices(async (services) => {
      if (!existsSync(options.publicKey)) throw new UsageError(`no file ${options.publicKey}`);
      const pairing = await services.pairings.add(options.name, readFileSync(options.publicKey, 'utf8'));
      out(`paired ${pairing.name}: pairing id ${pairing.id} (${pairing.algorithm}, key fingerprint ${pairing.fingerprint})`);
    }),
  );
pairings
  .command('list')
  .description('the paired services, their algorithms and key fingerprints')
  .addOption(json())
  .action((options: { json?: boolean }) =>
    withServices(async (services) =>
      list(
        !!options.json,
        (await services.pairings.list()).map(({ publicKey: _key, ...p }) => p),
        (p) => `${p.id}  ${p.name.padEnd(24)}  ${p.algorithm.padEnd(14)}  ${p.fingerprint}  created ${p.createdAt.toISOString()}`,
      ),
    ),
  );
pairings
  .command('remove <pairing-id>')
  .description('stop delivering keys to a service')
  .action((id: string) =>
    withServices(async (services) => {
      await services.pairings.remove(id);
      out(`removed pairing ${id}`);
    }),
  );

// ---- Audit and database ------------------------------------------------------------------------------------

program
  .command('audit')
  .description('the latest changes, newest first')
  .option('--credential <id>', "one credential's events")
  .option('--user <name or id>', "the events of a user's credentials and tokens")
  .option('--workspace <org/ws>', "a workspace's events")
  .option('--limit <n>', 'how many', wholeNumber('limit'), 50)
  .addOption(json())
  .action((options: { credential?: string; user?: string; workspace?: string; limit: number; json?: boolean }) =>
    withServices((services) => audit(services, { ...options, json: !!options.json })),
  );

const db = program.command('db').description('the database schema (migrations)');
db.command('migrate')
  .description('apply the pending migrations (a release step, with MIGRATE_ON_START=false on the servers)')
  .action(async () => {
    const applied = await migrateDatabase(settings());
    out(applied.length > 0 ? `applied ${applied.length} migrations: ${applied.join(', ')}` : 'the database is up to date; nothing to apply');
  });
db.command('status')
  .description('the migrations the database lacks (exit 1 when any)')
  .addOption(json())
  .action(async (options: { json?: boolean }) => {
    const pending = await missingMigrations(settings());
    if (options.json) out(JSON.stringify({ pending }, null, 2));
    else out(pending.length > 0 ? `pending: ${pending.join(', ')}` : 'the database is up to date');
    process.exitCode = pending.length > 0 ? 1 : 0;
  });

/** A duration such as `90d`, `12h`, `30m`, `45s`, in milliseconds (from one second to ten years). */
function duration(value: string, name: string): number {
  const parsed = durationWithin(value, { min: 1000, max: 3650 * 86_400_000 });
  if ('problem' in parsed) throw new UsageError(`--${name} ${parsed.problem}`);
  return parsed.ms;
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

async function keysList(services: Services, json: boolean): Promise<number> {
  const ring = services.keys.ring;
  const usage = await services.rotation.usage();
  const rows = [
    ...ring.keyIds.map((id) => ({ id, primary: id === ring.primaryId, missing: false, seals: usage.get(id) ?? 0 })),
    ...[...usage].filter(([id]) => !ring.keyIds.includes(id)).map(([id, seals]) => ({ id, primary: false, missing: true, seals })),
  ];
  return list(json, rows, (k) =>
    k.missing
      ? `${k.id}  MISSING  seals ${k.seals} secrets that cannot be opened without it`
      : `${k.id}  ${k.primary ? 'primary' : '       '}  seals ${k.seals} secrets`,
  );
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

async function audit(services: Services, options: { credential?: string; user?: string; workspace?: string; limit: number; json: boolean }): Promise<number> {
  const owner = options.user ? await userOf(services, options.user) : undefined;
  const workspaceId = options.workspace ? (await services.workspaces.workspace(null, { fullName: options.workspace })).id : undefined;
  const events = await services.audit.latest({ targetId: options.credential, ownerUserId: owner?.id, workspaceId, limit: options.limit });
  return list(options.json, events, (e) => {
    const context = e.workspaceId !== null ? `workspace ${e.workspaceId}` : `owner ${e.ownerUserId ?? '-'}`;
    return `${e.at.toISOString()}  ${e.action.padEnd(18)}  ${e.targetType} ${e.targetId}  ${context}  by ${e.actor ?? '-'} via ${e.door ?? '-'}${e.detail ? `  ${e.detail}` : ''}`;
  });
}

try {
  loadEnvFile();
  await program.parseAsync(process.argv);
} catch (error) {
  // Usage and start-up problems, and domain errors (as the error table says), are told as they are;
  // anything else is an unexpected failure, logged with an error id.
  if (error instanceof CommanderError) {
    // Help and version are answers; anything else commander refused is a usage error (it printed why).
    process.exitCode = error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2;
  } else if (error instanceof UsageError || error instanceof DomainError) {
    // A refusal, whatever its kind, is exit code 1 (usage errors 2): the message says which.
    process.stderr.write(`error: ${(error as Error).message}\n`);
    process.exitCode = error instanceof UsageError ? error.exitCode : 1;
  } else if (config && explainStartupFailure(error, config)) {
    // The database or the key file cannot be used: what to change, in one line.
    process.stderr.write(`error: ${explainStartupFailure(error, config)}\n`);
    process.exitCode = 1;
  } else if (error instanceof Error && error.message.startsWith('Invalid configuration:')) {
    process.stderr.write(`error: ${error.message}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`error: unexpected failure (Error ID: ${logUnexpected(logger, error)})\n`);
    process.exitCode = 1;
  }
}
