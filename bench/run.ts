/**
 * `npm run bench`: seeds a database, starts the service and the two references
 * (raw, floor) as processes, loads each case from a separate process
 * (autocannon, 50 connections, fixed duration), prints a table and writes it as
 * JSON under bench/results/. BENCH_DURATION (seconds, default 8) sets the length
 * of each case.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BenchDatabase, seedBenchDatabase } from './seed.js';

const root = resolve(import.meta.dirname, '..');
const duration = Number(process.env.BENCH_DURATION ?? 8);
const connections = 50;

interface Load {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  total: number;
  errors: number;
  non2xx: number;
}

/** Starts a process and resolves once `readyUrl` answers. Its output is discarded (the service logs at info, as in production). */
function start(args: string[], readyUrl: string, env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  return new Promise((resolveStarted, reject) => {
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}`)));
    const poll = async () => {
      try {
        await fetch(readyUrl);
        return resolveStarted(child);
      } catch {
        setTimeout(poll, 100);
      }
    };
    void poll();
  });
}

/**
 * One request of the case first: a case whose answer is not a 2xx, or a GraphQL
 * answer with errors (HTTP 200), would measure an error path, not the case.
 */
async function probe(options: { url: string; method?: string; headers?: Record<string, string>; body?: string; bodyTemplate?: string }) {
  const body = options.body ?? options.bodyTemplate?.replaceAll('{{n}}', `probe-${process.pid}`);
  const response = await fetch(options.url, { method: options.method ?? 'GET', headers: options.headers, body });
  const text = await response.text();
  const graphqlFailed = options.url.endsWith('/graphql') && ('errors' in (JSON.parse(text) as object) || /"__typename":"\w+Error"/.test(text));
  if (!response.ok || graphqlFailed) {
    throw new Error(`bench case ${options.method ?? 'GET'} ${options.url} does not answer as expected: ${response.status} ${text.slice(0, 300)}`);
  }
}

async function load(options: { url: string; method?: string; headers?: Record<string, string>; body?: string; bodyTemplate?: string }): Promise<Load> {
  await probe(options);
  return new Promise((resolveLoad, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/load.ts', JSON.stringify({ connections, duration, ...options })], { cwd: root });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => process.stderr.write(d));
    child.on('exit', (code) => (code === 0 ? resolveLoad(JSON.parse(out.trim().split('\n').pop()!) as Load) : reject(new Error(`load exited ${code}`))));
  });
}

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

interface Row {
  case: string;
  target: string;
  service: Load;
  reference?: { name: string; load: Load };
  ratio?: number;
  met: boolean;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'credentials-bench-'));
  // DATABASE_URL=postgresql://… benchmarks PostgreSQL: a new database is made on that server (and dropped after).
  const postgresServer = /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '') ? process.env.DATABASE_URL : undefined;
  process.stdout.write(`seeding ${postgresServer ? 'a new PostgreSQL database' : dir} (100 + 1,000 + 100,000 credentials)…\n`);
  const seeded: BenchDatabase = await seedBenchDatabase(dir, postgresServer);
  const { users, workspace } = seeded;
  const ports = { service: 18900, raw: 18901, floor: 18902 };
  const service = await start(['src/main.ts'], `http://127.0.0.1:${ports.service}/healthz`, {
    DATABASE_URL: seeded.databaseUrl,
    MASTER_KEY_FILE: seeded.keyFile,
    PORT: String(ports.service),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    AUTH_FAILURES_PER_MINUTE: '1000000',
  });
  const raw = await start(['bench/references.ts', 'raw', String(ports.raw), seeded.databaseUrl, seeded.keyFile], `http://127.0.0.1:${ports.raw}/`);
  const floor = await start(['bench/references.ts', 'floor', String(ports.floor)], `http://127.0.0.1:${ports.floor}/graphql`);
  const svc = `http://127.0.0.1:${ports.service}`;
  const auth = (u: { token: string }) => ({ authorization: `Bearer ${u.token}`, 'content-type': 'application/json' });
  const graphql = (u: { token: string }, query: string, variables: Record<string, unknown> = {}) => ({
    url: `${svc}/graphql`,
    method: 'POST',
    headers: auth(u),
    body: JSON.stringify({ query, variables }),
  });
  const rows: Row[] = [];
  const compare = (name: string, target: string, service: Load, referenceName: string, reference: Load, minRatio: number) => {
    // A reference that answered errors measured nothing: stop rather than print a ratio.
    if (reference.errors > 0 || reference.non2xx > 0 || reference.total === 0) {
      throw new Error(`reference '${referenceName}' for '${name}' failed: ${JSON.stringify(reference)}`);
    }
    const ratio = service.requestsPerSecond / reference.requestsPerSecond;
    rows.push({
      case: name,
      target,
      service,
      reference: { name: referenceName, load: reference },
      ratio,
      met: ratio >= minRatio && service.errors === 0 && service.non2xx === 0,
    });
    process.stdout.write(`  ${name}: ${service.requestsPerSecond.toFixed(0)} req/s (${(ratio * 100).toFixed(0)}% of ${referenceName})\n`);
  };

  const readCases = async () => {
    const floorLoad = await load({
      url: `http://127.0.0.1:${ports.floor}/graphql`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"{ hello }"}',
    });
    const describeRaw = await load({ url: `http://127.0.0.1:${ports.raw}/describe/${users.list100.userId}/${users.list100.firstId}` });
    const describe = await load({ url: `${svc}/api/credentials/${users.list100.firstId}`, headers: auth(users.list100) });
    const listRaw = await load({ url: `http://127.0.0.1:${ports.raw}/list/${users.list100.userId}` });
    const list = await load({ url: `${svc}/api/credentials`, headers: auth(users.list100) });
    const one = await load(
      graphql(users.list100, 'query One($id: ID!) { credential(id: $id) { ... on Credential { id name provider keys { ... on GithubKeys { username } } } } }', {
        id: users.list100.firstId,
      }),
    );
    const page =
      'query Page { credentials(first: 100) { edges { node { id name provider dateCreated keys { ... on GithubKeys { username } } } } pageInfo { hasNextPage endCursor } } }';
    const hundred = await load(graphql(users.list100, page));
    const describeInWorkspace = await load({ url: `${svc}/api/credentials/${workspace.firstId}?workspaceId=${workspace.id}`, headers: auth(users.list100) });
    const workspacePage = await load(
      graphql(users.list100, page.replace('credentials(first: 100)', `credentials(first: 100, workspaceId: "${workspace.id}")`)),
    );
    const scale1k = await load(graphql(users.scale1k, page));
    const scale100k = await load(graphql(users.scale100k, page));
    return { floorLoad, describeRaw, describe, listRaw, list, one, hundred, describeInWorkspace, workspacePage, scale1k, scale100k };
  };

  process.stdout.write(`running each case for ${duration} s with ${connections} connections…\n`);
  const first = await readCases();
  const rssAfterFirst = rssMb(service.pid!);
  compare('REST describe GET /api/credentials/{id}', '≥ 35% of raw', first.describe, 'raw', first.describeRaw, 0.35);
  compare('REST list, 100 credentials', '≥ 35% of raw', first.list, 'raw', first.listRaw, 0.35);
  compare('GraphQL credential(id)', '≥ 100% of floor', first.one, 'floor', first.floorLoad, 1.0);
  compare('GraphQL credentials(first: 100)', '≥ 50% of floor', first.hundred, 'floor', first.floorLoad, 0.5);
  compare('REST describe in a workspace', '≥ 85% of personal', first.describeInWorkspace, 'personal describe', first.describe, 0.85);
  compare('GraphQL workspace page of 100', '≥ 85% of personal', first.workspacePage, 'personal page', first.hundred, 0.85);

  const createBody = JSON.stringify({ credentials: { name: 'bench-{{n}}', provider: 'github', keys: { username: 'u', token: 'ghp_{{n}}' } } });
  const insertRaw = await load({
    url: `http://127.0.0.1:${ports.raw}/insert/${users.writer.userId}`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    bodyTemplate: createBody.replace('bench-', 'raw-'),
  });
  const createRest = await load({ url: `${svc}/api/credentials`, method: 'POST', headers: auth(users.writer), bodyTemplate: createBody });
  const createGraphql = await load({
    url: `${svc}/graphql`,
    method: 'POST',
    headers: auth(users.writer),
    // As clients send it: one operation text, the values as variables.
    bodyTemplate: JSON.stringify({
      query: 'mutation Create($input: CredentialInput!) { createCredential(input: $input) { __typename } }',
      variables: { input: { name: 'gql-{{n}}', keys: { github: { username: 'u', token: 'ghp_{{n}}' } } } },
    }),
  });
  compare('create REST (sealed, durable commit)', '≥ 30% of raw insert', createRest, 'raw insert', insertRaw, 0.3);
  compare('create GraphQL (sealed, durable commit)', '≥ 30% of raw insert', createGraphql, 'raw insert', insertRaw, 0.3);

  const p99 = Math.max(first.describe.p99Ms, first.list.p99Ms, first.one.p99Ms, first.hundred.p99Ms);
  rows.push({ case: 'read p99 latency at 50 connections (worst read case)', target: '≤ 20 ms', service: { ...first.describe, p99Ms: p99 }, met: p99 <= 20 });
  const scaleRatio = first.scale1k.requestsPerSecond / first.scale100k.requestsPerSecond;
  rows.push({
    case: 'scale: page of 100 of 100,000 vs of 1,000 (GraphQL)',
    target: 'within 1.5×',
    service: first.scale100k,
    reference: { name: 'page of 1,000', load: first.scale1k },
    ratio: 1 / scaleRatio,
    met: scaleRatio <= 1.5,
  });

  // Memory: the read cases again; RSS must stay under 200 MB and not grow.
  await readCases();
  const rssAfterSecond = rssMb(service.pid!);
  rows.push({
    case: `memory: RSS after run 1 / run 2 (MB)`,
    target: '≤ 200 MB, not growing',
    service: { requestsPerSecond: 0, p50Ms: 0, p99Ms: 0, total: 0, errors: 0, non2xx: 0 },
    met: rssAfterSecond <= 200 && rssAfterSecond <= rssAfterFirst * 1.1,
  });

  for (const child of [service, raw, floor]) child.kill('SIGTERM');
  await Promise.all([service, raw, floor].map((child) => new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(null)))));
  await seeded.drop();
  rmSync(dir, { recursive: true, force: true });

  const table = rows.map((r) => ({
    case: r.case,
    target: r.target,
    'req/s': r.case.startsWith('memory') ? `${rssAfterFirst.toFixed(0)} / ${rssAfterSecond.toFixed(0)}` : r.service.requestsPerSecond.toFixed(0),
    'p50 ms': r.case.startsWith('memory') ? '' : String(r.service.p50Ms),
    'p99 ms': r.case.startsWith('memory') ? '' : String(r.service.p99Ms),
    reference: r.reference ? `${r.reference.name}: ${r.reference.load.requestsPerSecond.toFixed(0)} req/s` : '',
    ratio: r.ratio === undefined ? '' : `${(r.ratio * 100).toFixed(0)}%`,
    met: r.met ? 'yes' : 'NO',
  }));
  process.stdout.write(`database: ${postgresServer ? 'PostgreSQL' : 'SQLite'}\n`);
  console.table(table);
  const results = {
    date: new Date().toISOString(),
    database: postgresServer ? 'postgresql' : 'sqlite',
    machine: { cpus: cpus().length, node: process.version },
    durationSeconds: duration,
    connections,
    rssMb: { afterRun1: rssAfterFirst, afterRun2: rssAfterSecond },
    rows,
  };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  const file = join(root, 'bench/results', `${results.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`written ${file}\n`);
}

await main();
