/**
 * `npm run bench`: seeds a database, starts the service (the compiled release, NODE_ENV=production) and
 * the references (bench/references.ts) as processes, loads each case from a separate process (autocannon,
 * 50 connections, fixed duration), prints every target with its verdict and writes the run as JSON under
 * bench/results/.
 *
 *   BENCH_DURATION  seconds per case (default 8)
 *   DATABASE_URL    postgresql://… benchmarks PostgreSQL: a new database on that server (dropped after)
 *
 * Before any ratio is printed the references are checked: the raw reference must answer exactly the
 * service's bytes (describe and list), and must not be slower than a bare node:http server answering a
 * constant by more than RAW_FLOOR_FACTOR — a slow reference makes every ratio a flattering lie.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { allocatorEnvironment } from '../scripts/image-environment.mjs';
import { measureMapping } from './mapping.js';
import { type BenchDatabase, seedBenchDatabase } from './seed.js';

/** Every server the bench starts (the service, the references). */
const servers: ChildProcess[] = [];

const root = resolve(import.meta.dirname, '..');
const duration = Number(process.env.BENCH_DURATION ?? 8);
const connections = 50;
/**
 * The raw describe must answer at least 1/RAW_FLOOR_FACTOR of the constant server's rate. Here a constant
 * answer costs about 40 µs and one SQLite statement about 30 µs in a serving process (against 9 µs in a
 * tight loop), so the cheapest correct describe answers at about half the constant rate; a reference that
 * mapped rows through slow code (the former one: 3× below this limit) falls under a third.
 */
const RAW_FLOOR_FACTOR = 3;
/** On PostgreSQL every statement is a round trip to a server process on the same cores (about 250 µs of CPU here, against 40 µs for a constant answer): raw reaches about 15% of constant. */
const RAW_FLOOR_FACTOR_POSTGRES = 10;
const WARM_UP_SECONDS = 2;

interface Load {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  total: number;
  errors: number;
  non2xx: number;
}

interface LoadOptions {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  bodyTemplate?: string;
  connections?: number;
}

/**
 * Starts `command` (its own process group: npm's children go with it); resolves once `readyUrl` answers, with
 * the milliseconds that took and a stop that ends the group and waits until the port is free. Output is discarded.
 */
async function start(
  command: string[],
  readyUrl: string,
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; startMs: number; stop(): Promise<void> }> {
  const started = performance.now();
  const child = spawn(command[0]!, command.slice(1), { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'], detached: true });
  servers.push(child);
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  const stop = async () => {
    if (exited === undefined) process.kill(-child.pid!, 'SIGTERM');
    if (exited === undefined) await new Promise((r) => child.once('exit', r));
    // The port is free again once the server has closed it.
    for (;;) {
      try {
        await fetch(readyUrl);
        await new Promise((r) => setTimeout(r, 20));
      } catch {
        break;
      }
    }
  };
  for (;;) {
    if (exited !== undefined) throw new Error(`${command.join(' ')} exited ${exited}`);
    try {
      await fetch(readyUrl);
      return { child, startMs: performance.now() - started, stop };
    } catch {
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

/** Starts the service with `command` (a fresh process), the milliseconds to its first answer, then stops it. */
async function timeStart(command: string[], readyUrl: string, env: Record<string, string>): Promise<number> {
  const { startMs, stop } = await start(command, readyUrl, env);
  await stop();
  return startMs;
}

/**
 * One request of the case first: a case whose answer is not a 2xx, or a GraphQL
 * answer with errors (HTTP 200), would measure an error path, not the case.
 */
async function probe(options: LoadOptions): Promise<string> {
  const body = options.body ?? options.bodyTemplate?.replaceAll('{{n}}', `probe-${process.pid}-${Math.random()}`);
  const response = await fetch(options.url, { method: options.method ?? 'GET', headers: options.headers, body });
  const text = await response.text();
  const graphqlFailed = options.url.endsWith('/graphql') && ('errors' in (JSON.parse(text) as object) || /"__typename":"\w+Error"/.test(text));
  if (!response.ok || graphqlFailed) {
    throw new Error(`bench case ${options.method ?? 'GET'} ${options.url} does not answer as expected: ${response.status} ${text.slice(0, 300)}`);
  }
  return text;
}

function spawnLoad(options: LoadOptions, seconds = duration): Promise<Load> {
  return new Promise((resolveLoad, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/load.ts', JSON.stringify({ connections, duration: seconds, ...options })], { cwd: root });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => process.stderr.write(d));
    child.on('exit', (code) => (code === 0 ? resolveLoad(JSON.parse(out.trim().split('\n').pop()!) as Load) : reject(new Error(`load exited ${code}`))));
  });
}

/** One case: probed, warmed up (2 s, not counted: code optimised, pages cached), then measured. */
async function load(label: string, options: LoadOptions): Promise<Load> {
  await probe(options);
  await spawnLoad(options, WARM_UP_SECONDS);
  const result = await spawnLoad(options);
  process.stdout.write(`  ${label.padEnd(44)} ${result.requestsPerSecond.toFixed(0).padStart(6)} req/s  p99 ${String(result.p99Ms).padStart(4)} ms\n`);
  return result;
}

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const percent = (ratio: number) => `${(ratio * 100).toFixed(0)}%`;

interface Verdict {
  case: string;
  target: string;
  measured: string;
  reference?: string;
  ratio?: number;
  met: boolean;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'credentials-bench-'));
  const postgresServer = /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '') ? process.env.DATABASE_URL : undefined;
  process.stdout.write(`seeding ${postgresServer ? 'a new PostgreSQL database' : dir} (100 + 1,000 + 100,000 credentials)…\n`);
  const seeded: BenchDatabase = await seedBenchDatabase(dir, postgresServer);
  const { users, workspace } = seeded;
  const ports = { service: 18900, raw: 18901, floor: 18902, constant: 18903 };
  const svc = `http://127.0.0.1:${ports.service}`;

  // The release as it is deployed: compiled JavaScript, production settings, logging one line per request at info.
  const serviceEnv = {
    // The allocator's settings of the container image (its ENV), as deployed.
    ...allocatorEnvironment(root),
    NODE_ENV: 'production',
    DATABASE_URL: seeded.databaseUrl,
    MASTER_KEY_FILE: seeded.keyFile,
    PORT: String(ports.service),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    AUTH_FAILURES_PER_MINUTE: '1000000',
    // The write cases create tens of thousands of credentials in one personal context.
    MAX_CREDENTIALS_PER_CONTEXT: '100000000',
    // Direct deliveries come from one user here: its per-user rate must not be what is measured.
    DIRECT_DELIVERIES_PER_MINUTE: '1000000',
  };
  // The GraphQL describe as a persisted operation (a trusted document): the app sends its hash.
  const persistedFile = join(dir, 'persisted-operations.json');
  writeFileSync(persistedFile, JSON.stringify({ [sha256(ONE)]: ONE }));
  Object.assign(serviceEnv, { GRAPHQL_PERSISTED_OPERATIONS: persistedFile });
  // `npm start`'s command line (its V8 flags included), without npm in between, nor its stale-build check.
  const startScript = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start.replace(
    ' --import ./scripts/ensure-build.mjs',
    '',
  );
  // Start to first answer, on the idle machine before any load: through npm (its prestart check included) and
  // without, twice each (the better counts: a start is one sample, and a neighbour's burst is not the service's).
  const startTimes = { node: [] as number[], npm: [] as number[] };
  for (let i = 0; i < 2; i++) {
    startTimes.npm.push(await timeStart(['npm', 'start', '--silent'], `${svc}/healthz`, serviceEnv));
    startTimes.node.push(await timeStart([process.execPath, ...startScript.split(/\s+/).slice(1)], `${svc}/healthz`, serviceEnv));
  }
  const {
    child: service,
    startMs: serviceStartMs,
    stop: stopService,
  } = await start([process.execPath, ...startScript.split(/\s+/).slice(1)], `${svc}/healthz`, serviceEnv);
  startTimes.node.push(serviceStartMs);
  const startMs = Math.min(...startTimes.node);
  const npmStartMs = Math.min(...startTimes.npm);
  await new Promise((r) => setTimeout(r, 2000));
  const idleRss = rssMb(service.pid!);
  const references = await Promise.all([
    start(
      [process.execPath, '--import', 'tsx', 'bench/references.ts', 'raw', String(ports.raw), seeded.databaseUrl, seeded.keyFile, users.list100.userId],
      `http://127.0.0.1:${ports.raw}/`,
    ),
    start([process.execPath, '--import', 'tsx', 'bench/references.ts', 'floor', String(ports.floor)], `http://127.0.0.1:${ports.floor}/graphql`),
    start([process.execPath, '--import', 'tsx', 'bench/references.ts', 'constant', String(ports.constant)], `http://127.0.0.1:${ports.constant}/`),
  ]);
  const raw = `http://127.0.0.1:${ports.raw}`;
  const auth = (u: { token: string }) => ({ authorization: `Bearer ${u.token}`, 'content-type': 'application/json' });
  const graphql = (u: { token: string }, query: string, variables: Record<string, unknown> = {}) => ({
    url: `${svc}/graphql`,
    method: 'POST',
    headers: auth(u),
    body: JSON.stringify({ query, variables }),
  });
  const cases = {
    constant: { url: `http://127.0.0.1:${ports.constant}/` },
    describeRaw: { url: `${raw}/describe/${users.list100.userId}/${users.list100.firstId}` },
    describeStored: { url: `${raw}/stored/${users.list100.userId}/${users.list100.firstId}` },
    describe: { url: `${svc}/api/credentials/${users.list100.firstId}`, headers: auth(users.list100) },
    listRaw: { url: `${raw}/list/${users.list100.userId}` },
    secretsRaw: { url: `${raw}/secrets/${users.scale1k.userId}` },
    secrets: { url: `${svc}/api/pipeline-secrets`, headers: auth(users.scale1k) },
    list: { url: `${svc}/api/credentials`, headers: auth(users.list100) },
    floor: { url: `http://127.0.0.1:${ports.floor}/graphql`, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ hello }"}' },
    // As GraphiQL and generated clients send it: the document's text, the id as a variable, no operation name…
    one: graphql(users.list100, ONE, { id: users.list100.firstId }),
    // …and as a persisted operation: its hash instead of its text.
    onePersisted: {
      url: `${svc}/graphql`,
      method: 'POST',
      headers: auth(users.list100),
      body: JSON.stringify({ variables: { id: users.list100.firstId }, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(ONE) } } }),
    },
    page: graphql(users.list100, PAGE),
    describeInWorkspace: { url: `${svc}/api/credentials/${workspace.firstId}?workspaceId=${workspace.id}`, headers: auth(users.list100) },
    workspacePage: graphql(users.list100, PAGE.replace('credentials(first: 100)', `credentials(first: 100, workspaceId: "${workspace.id}")`)),
    scale1k: graphql(users.scale1k, PAGE),
    scale100k: graphql(users.scale100k, PAGE),
    describe1k: { url: `${svc}/api/credentials/${users.scale1k.firstId}`, headers: auth(users.scale1k) },
    describe100k: { url: `${svc}/api/credentials/${users.scale100k.firstId}`, headers: auth(users.scale100k) },
    // Keys delivered to a paired service: decrypted, then encrypted for it (a JWE; Wave's packet), audited, last use recorded.
    keysJwe: { url: `${svc}/api/credentials/${users.list100.firstId}/keys?pairingId=${seeded.pairings.jwe}`, headers: auth(users.list100) },
    keysWave: { url: `${svc}/api/credentials/${users.list100.firstId}/keys?pairingId=${seeded.pairings.wave}`, headers: auth(users.list100) },
    // A credential delivered to the caller's own key (the client's X25519 key): decrypted, encrypted to it, audited.
    direct: {
      url: `${svc}/api/deliveries`,
      method: 'POST',
      headers: auth(users.list100),
      body: JSON.stringify({ credentials: [users.list100.firstId], recipient: x25519Jwk(), client: { name: 'bench' } }),
    },
  };

  // The references answer the service's own bytes, or no ratio means anything.
  for (const [rawCase, serviceCase] of [
    [cases.describeRaw, cases.describe],
    [cases.describeStored, cases.describe],
    [cases.listRaw, cases.list],
    [cases.secretsRaw, cases.secrets],
  ] as const) {
    const [expected, actual] = await Promise.all([probe(rawCase), probe(serviceCase)]);
    if (expected !== actual)
      throw new Error(`the reference ${rawCase.url} answers other bytes than the service:\n${expected.slice(0, 400)}\n${actual.slice(0, 400)}`);
  }

  const readCases = async (run: number) => {
    process.stdout.write(`run ${run}: each case ${duration} s, ${connections} connections\n`);
    const results = {} as Record<keyof typeof cases, Load>;
    for (const [name, options] of Object.entries(cases) as [keyof typeof cases, LoadOptions][]) results[name] = await load(name, options);
    return results;
  };
  const first = await readCases(1);
  const rssAfterFirst = rssMb(service.pid!);

  const createBody = JSON.stringify({ credentials: { name: 'bench-{{n}}', provider: 'github', keys: { username: 'u', token: 'ghp_{{n}}' } } });
  const writes = {
    insertRaw: {
      url: `${raw}/insert/${users.writer.userId}`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      bodyTemplate: createBody.replace('bench-', 'raw-'),
    },
    createRest: { url: `${svc}/api/credentials`, method: 'POST', headers: auth(users.writer), bodyTemplate: createBody },
    createGraphql: {
      url: `${svc}/graphql`,
      method: 'POST',
      headers: auth(users.writer),
      // As clients send it: one operation text, the values as variables.
      bodyTemplate: JSON.stringify({
        query: 'mutation Create($input: CredentialInput!) { createCredential(input: $input) { __typename } }',
        variables: { input: { name: 'gql-{{n}}', keys: { github: { username: 'u', token: 'ghp_{{n}}' } } } },
      }),
    },
  };
  process.stdout.write('writes\n');
  const insertRaw = await load('insertRaw', writes.insertRaw);
  const createRest = await load('createRest', writes.createRest);
  const createGraphql = await load('createGraphql', writes.createGraphql);
  // Reads while writes commit: describes (50 connections) during a create storm (10 more connections).
  await probe(writes.createRest);
  const [describeDuringStorm, storm] = await Promise.all([spawnLoad(cases.describe), spawnLoad({ ...writes.createRest, connections: 10 })]);
  process.stdout.write(
    `  ${'describe during a create storm'.padEnd(44)} ${describeDuringStorm.requestsPerSecond.toFixed(0).padStart(6)} req/s  p99 ${String(describeDuringStorm.p99Ms).padStart(4)} ms (creates: ${storm.requestsPerSecond.toFixed(0)}/s)\n`,
  );

  const second = await readCases(2);
  const rssAfterSecond = rssMb(service.pid!);
  // The client's overhead: `credentials run --credential ID -- true` against `true`, on the idle service (best of 5 each).
  const clientOverhead = await measureClient(svc, users.list100.token, users.list100.firstId);
  // Memory as an operator sees it: mixed load (reads, creates, GraphQL pages, deliveries) for a minute, then idle.
  process.stdout.write(`mixed load ${MIXED_SECONDS} s, then ${IDLE_SECONDS} s idle\n`);
  const mixed = await Promise.all([
    spawnLoad({ ...cases.describe, connections: 15 }, MIXED_SECONDS),
    spawnLoad({ ...cases.page, connections: 15 }, MIXED_SECONDS),
    spawnLoad({ ...cases.keysJwe, connections: 10 }, MIXED_SECONDS),
    spawnLoad({ ...writes.createRest, connections: 5 }, MIXED_SECONDS),
    spawnLoad({ ...cases.one, connections: 5 }, MIXED_SECONDS),
  ]);
  const rssAfterMixed = rssMb(service.pid!);
  await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
  const rssSettled = rssMb(service.pid!);
  process.stdout.write(`  RSS at the end of the load ${rssAfterMixed.toFixed(0)} MB, ${IDLE_SECONDS} s later ${rssSettled.toFixed(0)} MB\n`);
  const mapping = await measureMapping(seeded.databaseUrl, users.list100.userId);

  await Promise.all([stopService(), ...references.map((r) => r.stop())]);
  await seeded.drop();
  rmSync(dir, { recursive: true, force: true });

  // ---- Verdicts -----------------------------------------------------------------------------------------
  // Each read case ran twice; a case counts with its better run (for the service and the references alike):
  // other tenants of this machine slow whole stretches of a run, and the better run is the one they spared.
  const best = Object.fromEntries(
    (Object.keys(cases) as (keyof typeof cases)[]).map((name) => {
      const [a, b] = [first[name], second[name]];
      return [name, b.requestsPerSecond > a.requestsPerSecond ? b : a];
    }),
  ) as Record<keyof typeof cases, Load>;
  const verdicts: Verdict[] = [];
  const rate = (load: Load) => `${load.requestsPerSecond.toFixed(0)} req/s, p99 ${load.p99Ms} ms`;
  const compare = (name: string, target: string, service: Load, referenceName: string, reference: Load, minRatio: number, maxP99Ms?: number) => {
    if (reference.errors > 0 || reference.non2xx > 0 || reference.total === 0) {
      throw new Error(`reference '${referenceName}' for '${name}' failed: ${JSON.stringify(reference)}`);
    }
    const ratio = service.requestsPerSecond / reference.requestsPerSecond;
    const clean = service.errors === 0 && service.non2xx === 0;
    verdicts.push({
      case: name,
      target,
      measured: rate(service) + (clean ? '' : ` (${service.errors} errors, ${service.non2xx} non-2xx)`),
      reference: `${referenceName}: ${rate(reference)}`,
      ratio,
      met: ratio >= minRatio && clean && (maxP99Ms === undefined || service.p99Ms <= maxP99Ms),
    });
  };

  // The references first: a raw describe far below a constant answer would flatter every ratio.
  const floorFactor = postgresServer ? RAW_FLOOR_FACTOR_POSTGRES : RAW_FLOOR_FACTOR;
  const rawVsConstant = best.describeRaw.requestsPerSecond / best.constant.requestsPerSecond;
  verdicts.push({
    case: 'reference check: raw describe vs bare node:http constant',
    target: `≥ ${percent(1 / floorFactor)}`,
    measured: rate(best.describeRaw),
    reference: `constant: ${rate(best.constant)}`,
    ratio: rawVsConstant,
    met: rawVsConstant >= 1 / floorFactor,
  });
  const referenceHolds = rawVsConstant >= 1 / floorFactor;

  compare('REST describe GET /api/credentials/{id}', '≥ 40% of stored bytes, p99 ≤ 20 ms', best.describe, 'raw stored bytes', best.describeStored, 0.4, 20);
  compare('REST describe vs raw (row mapped to JSON)', '≥ 40% of raw', best.describe, 'raw', best.describeRaw, 0.4);
  compare('REST list, 100 credentials', '≥ 25% of raw (same bytes)', best.list, 'raw', best.listRaw, 0.25);
  compare('REST list, 1,000 pipeline secrets', '≥ 25% of raw (same bytes)', best.secrets, 'raw', best.secretsRaw, 0.25);
  compare('GraphQL credential(id), anonymous with variables', '≥ 100% of floor', best.one, 'floor', best.floor, 1.0);
  compare('GraphQL credential(id), anonymous, vs REST', '≥ 50% of REST describe', best.one, 'REST describe', best.describe, 0.5);
  compare('GraphQL credential(id), persisted operation', '≥ 100% of floor', best.onePersisted, 'floor', best.floor, 1.0);
  compare('GraphQL credential(id), persisted, vs REST', '≥ 50% of REST describe', best.onePersisted, 'REST describe', best.describe, 0.5);
  compare('GraphQL credentials(first: 100)', '≥ 60% of floor', best.page, 'floor', best.floor, 0.6);
  compare('REST describe in a workspace', '≥ 85% of personal', best.describeInWorkspace, 'personal describe', best.describe, 0.85);
  compare('GraphQL workspace page of 100', '≥ 85% of personal', best.workspacePage, 'personal page', best.page, 0.85);
  compare('scale: page of 100 of 100,000 vs of 1,000', '≥ 90% (within 10%)', best.scale100k, 'page of 1,000', best.scale1k, 0.9);
  compare('scale: describe among 100,000 vs among 1,000', '≥ 90% (within 10%)', best.describe100k, 'describe among 1,000', best.describe1k, 0.9);
  compare('keys delivery, JWE (RSA-OAEP-256)', '≥ 25% of REST describe', best.keysJwe, 'REST describe', best.describe, 0.25);
  compare("keys delivery, Wave's packet", '≥ 25% of REST describe', best.keysWave, 'REST describe', best.describe, 0.25);
  compare("direct delivery to the caller's key (X25519)", '≥ 25% of REST describe', best.direct, 'REST describe', best.describe, 0.25);
  verdicts.push({
    case: 'client overhead: credentials run -- true, against true',
    target: '≤ 0.5 s',
    measured: `+${(clientOverhead.overheadMs / 1000).toFixed(2)} s (run ${(clientOverhead.runMs / 1000).toFixed(2)} s, true ${(clientOverhead.trueMs / 1000).toFixed(2)} s; best of 5)`,
    met: clientOverhead.overheadMs <= 500,
  });
  compare('create REST (sealed, durable commit)', '≥ 40% of raw insert', createRest, 'raw insert', insertRaw, 0.4);
  compare('create GraphQL (sealed, durable commit)', '≥ 40% of raw insert', createGraphql, 'raw insert', insertRaw, 0.4);
  const stall = describeDuringStorm.p99Ms / Math.max(best.describe.p99Ms, 1);
  verdicts.push({
    case: 'writes do not stall reads: describe p99 during a create storm',
    target: '≤ 3× idle p99',
    measured: `${rate(describeDuringStorm)} (${storm.requestsPerSecond.toFixed(0)} creates/s beside)`,
    reference: `idle: ${rate(best.describe)}`,
    ratio: stall,
    met: stall <= 3 && describeDuringStorm.errors === 0 && describeDuringStorm.non2xx === 0,
  });
  const worstP99 = Math.max(best.describe.p99Ms, best.list.p99Ms, best.one.p99Ms, best.onePersisted.p99Ms, best.page.p99Ms);
  verdicts.push({ case: 'read p99 at 50 connections (worst REST/GraphQL read)', target: '≤ 20 ms', measured: `${worstP99} ms`, met: worstP99 <= 20 });
  verdicts.push({
    case: 'row → JSON mapping (REST wire, a page of 100 read again)',
    target: '≤ 2 µs a row',
    measured: `${mapping.microsPerRow.toFixed(2)} µs a row (best of 5 samples)`,
    met: mapping.microsPerRow <= 2,
  });
  verdicts.push({
    case: 'memory: RSS after run 1 / run 2',
    target: '≤ 200 MB, run 2 ≤ run 1 + 10%',
    measured: `${rssAfterFirst.toFixed(0)} / ${rssAfterSecond.toFixed(0)} MB`,
    met: rssAfterSecond <= 200 && rssAfterSecond <= rssAfterFirst * 1.1,
  });
  const mixedClean = mixed.every((m) => m.errors === 0 && m.non2xx === 0);
  verdicts.push({
    case: `memory: RSS after ${MIXED_SECONDS} s of mixed load and ${IDLE_SECONDS} s idle`,
    target: '≤ 200 MB',
    measured: `${rssSettled.toFixed(0)} MB (${rssAfterMixed.toFixed(0)} MB at the end of the load${mixedClean ? '' : '; the load met errors'})`,
    met: rssSettled <= 200 && mixedClean,
  });
  verdicts.push({ case: 'memory: RSS idle after start', target: '≤ 120 MB', measured: `${idleRss.toFixed(0)} MB`, met: idleRss <= 120 });
  verdicts.push({
    case: 'start to first answer: node dist/main.js (nothing to migrate)',
    target: '≤ 1.0 s',
    measured: `${(startMs / 1000).toFixed(2)} s (best of ${startTimes.node.length}: ${startTimes.node.map((t) => (t / 1000).toFixed(2)).join(', ')})`,
    met: startMs <= 1000,
  });
  verdicts.push({
    case: 'start to first answer: npm start, more than node',
    target: '≤ 0.3 s more',
    measured: `+${((npmStartMs - startMs) / 1000).toFixed(2)} s (npm start ${(npmStartMs / 1000).toFixed(2)} s, best of ${startTimes.npm.length})`,
    met: npmStartMs - startMs <= 300,
  });
  // Run 2 beside run 1: how much the same case moves between runs on this machine.
  const noise = Object.keys(cases).map((name) => {
    const [a, b] = [first[name as keyof typeof cases].requestsPerSecond, second[name as keyof typeof cases].requestsPerSecond];
    return Math.abs(a - b) / Math.max(a, b);
  });
  const noiseText = `run-to-run difference of the read cases: median ${percent(median(noise))}, worst ${percent(Math.max(...noise))}`;

  const database = postgresServer ? 'PostgreSQL' : 'SQLite';
  process.stdout.write(`\n${database}; ${cpus().length} cores, Node ${process.version}; ${noiseText}\n`);
  console.table(
    verdicts.map((v) => ({
      case: v.case,
      target: v.target,
      measured: v.measured,
      reference: v.reference ?? '',
      ratio:
        v.ratio === undefined || !referenceHolds
          ? v.ratio === undefined
            ? ''
            : 'refused'
          : v.target.includes('×')
            ? `${v.ratio.toFixed(1)}×`
            : percent(v.ratio),
      met: v.met ? 'yes' : 'NO',
    })),
  );
  const results = {
    date: new Date().toISOString(),
    database: database.toLowerCase(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    durationSeconds: duration,
    connections,
    referenceHolds,
    noise: noiseText,
    rssMb: { idle: idleRss, afterRun1: rssAfterFirst, afterRun2: rssAfterSecond, afterMixed: rssAfterMixed, settled: rssSettled },
    startMs,
    npmStartMs,
    startTimes,
    mapping,
    verdicts,
    runs: { first, second, writes: { insertRaw, createRest, createGraphql, describeDuringStorm, storm }, mixed },
  };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  const file = join(root, 'bench/results', `${results.date.replace(/[:.]/g, '-')}-${results.database}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`written ${file}\n`);
  if (!referenceHolds) {
    process.stdout.write(
      `\nREFUSED: the raw reference answered describe at ${percent(rawVsConstant)} of a bare node:http server (at least ${percent(1 / floorFactor)} needed); no ratio above means anything.\n`,
    );
    process.exitCode = 1;
  }
}

/** The GraphQL describe as the probe sends it: anonymous, the id as a variable, the type by an inline fragment. */
const ONE = 'query ($id: ID!) { credential(id: $id) { ... on Credential { id name provider description } } }';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const MIXED_SECONDS = Number(process.env.BENCH_MIXED_SECONDS ?? 60);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 30);

const PAGE =
  'query Page { credentials(first: 100) { edges { node { id name provider dateCreated keys { ... on GithubKeys { username } } } } pageInfo { hasNextPage endCursor } } }';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

// A run that fails midway leaves no server behind (they hold the bench's ports).
process.on('exit', () => {
  for (const child of servers) {
    try {
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
    } catch {
      // gone already
    }
  }
});
await main();

/** A public X25519 JWK, as the client sends for each delivery. */
function x25519Jwk(): Record<string, unknown> {
  const { kty, crv, x } = generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' });
  return { kty, crv, x };
}

/** Wall time of a process to its exit, in ms. */
function timed(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const started = performance.now();
  return new Promise((resolveTime, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolveTime(performance.now() - started) : reject(new Error(`${command} ${args.join(' ')} exited ${code}`))));
  });
}

/** `credentials run --credential ID -- true` against `true`: the best of five each, and the difference. */
async function measureClient(server: string, token: string, credentialId: string): Promise<{ runMs: number; trueMs: number; overheadMs: number }> {
  const env = {
    PATH: process.env.PATH,
    HOME: tmpdir(),
    CREDENTIALS_SERVER: server,
    CREDENTIALS_TOKEN: token,
    CREDENTIALS_CONFIG: join(tmpdir(), 'bench-none.json'),
  };
  const trueBin = 'true';
  const runs: number[] = [];
  const trues: number[] = [];
  for (let i = 0; i < 5; i++) {
    trues.push(await timed(trueBin, [], env));
    runs.push(await timed(process.execPath, [join(root, 'client', 'bin', 'credentials.js'), 'run', '--credential', credentialId, '--', trueBin], env));
  }
  const runMs = Math.min(...runs);
  const trueMs = Math.min(...trues);
  return { runMs, trueMs, overheadMs: runMs - trueMs };
}
