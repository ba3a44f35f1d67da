/**
 * `npm run bench:soak`: the service over time. Two instances of the release as deployed (`node dist/main.js`,
 * production) on one new PostgreSQL database (on SOAK_POSTGRES_URL, else TEST_POSTGRES_URL: a server whose user
 * may create databases; dropped at the end), for SOAK_MINUTES (default 30) after a warm-up of a minute (a fifth of
 * the run when shorter; the same load, counted in no sample), under a steady mixed load spread over
 * both: REST describe and list, GraphQL `credential(id)`, creates, updates and deletes (at most 200 made ones live,
 * so that the lists stay one size), direct deliveries (each to a fresh
 * X25519 key), the webhook of every event to a local receiver, and ten live subscribers (server-sent events).
 *
 * Every 10 s it samples each instance's RSS (/proc), its event-loop delay (p99 and max of the last interval, its
 * /metrics) and the p99 of the reads answered in the interval. It fails (exit 1) when an instance's RSS drifts more
 * than 10% once settled (the last five samples' mean against that of the five after the first five minutes, or the
 * first fifth of a shorter run: heaps grow to their working size first), when the last five minutes'
 * read p99 exceeds 1.5× the first five's (a fifth of the run each, when it is shorter than 25 minutes), on any
 * unexpected answer or error, when a subscriber's stream ended or the receiver stopped receiving, or when an
 * acknowledged write is missing at the end (every credential read back through the other instance).
 *
 * Writes bench/results/soak-<date>.json (the samples and the verdicts) and the chart soak-<date>.svg beside it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { allocatorEnvironment } from '../scripts/image-environment.mjs';
import { newPostgresDatabase } from './seed.js';
import { soakChart } from './soak-chart.js';

const root = resolve(import.meta.dirname, '..');
const minutes = Number(process.env.SOAK_MINUTES ?? 30);
const server = process.env.SOAK_POSTGRES_URL ?? process.env.TEST_POSTGRES_URL;
if (!server) throw new Error('set SOAK_POSTGRES_URL (or TEST_POSTGRES_URL): a PostgreSQL server whose user may create databases');
if (!(minutes > 0)) throw new Error('SOAK_MINUTES must be a positive number');
const durationMs = minutes * 60_000;
const SAMPLE_MS = 10_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const METRICS_TOKEN = `soak-metrics-${randomBytes(12).toString('hex')}`;

// ---- The database, the receiver, the two instances ----------------------------------------------------------------
const database = await newPostgresDatabase(server, 'credentials_soak');
const databaseUrl = database.databaseUrl;

let hooks = 0;
let lastHookAt = 0;
const receiver = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    hooks++;
    lastHookAt = Date.now();
    response.writeHead(204).end();
  });
});
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
const hookPort = (receiver.address() as AddressInfo).port;

const masterKeys = `k1:${randomBytes(32).toString('base64')}`;
const instances: { url: string; child: ChildProcess; stderr: string }[] = [];
for (const port of [18950, 18951]) {
  const child = spawn(process.execPath, ['--max-semi-space-size=4', join(root, 'dist', 'main.js')], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      // The allocator's settings of the container image (its ENV), as deployed.
      ...allocatorEnvironment(root),
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      MASTER_KEYS: masterKeys,
      METRICS_TOKEN,
      LOG_LEVEL: 'warn',
      WEBHOOK_ALLOWED_HOSTS: `127.0.0.1:${hookPort}`,
      DIRECT_DELIVERIES_PER_MINUTE: '1000000',
      AUTH_FAILURES_PER_MINUTE: '1000000',
      // The ten subscribers share one token.
      SUBSCRIPTIONS_PER_TOKEN: '10',
      SUBSCRIPTIONS_PER_USER: '20',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const instance = { url: `http://127.0.0.1:${port}`, child, stderr: '' };
  child.stderr!.on('data', (d) => (instance.stderr = (instance.stderr + d).slice(-20_000)));
  instances.push(instance);
  // One at a time: the first migrates the new database and makes the first user's token.
  for (let i = 0; ; i++) {
    if (i > 600) throw new Error(`instance ${port} did not start:\n${instance.stderr}`);
    if (child.exitCode !== null) throw new Error(`instance ${port} exited ${child.exitCode}:\n${instance.stderr}`);
    if (
      await fetch(`${instance.url}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await sleep(100);
  }
}
const token = /cst_[0-9A-Za-z]{43}/.exec(instances[0]!.stderr)?.[0];
if (!token) throw new Error(`no first token in the first instance's output:\n${instances[0]!.stderr}`);
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
const at = (i: number) => instances[i % instances.length]!.url;

// ---- Requests, and what counts as unexpected --------------------------------------------------------------------
const errors: string[] = [];
const unexpected = (what: string) => {
  if (errors.length < 100) errors.push(`${new Date().toISOString()} ${what}`);
};
async function call(url: string, init: RequestInit, expected: number): Promise<{ ms: number; body: string } | undefined> {
  const started = performance.now();
  try {
    const response = await fetch(url, { ...init, headers: { ...headers, ...(init.headers as object) } });
    const body = await response.text();
    if (response.status !== expected) return void unexpected(`${init.method ?? 'GET'} ${url}: ${response.status} ${body.slice(0, 200)}`);
    return { ms: performance.now() - started, body };
  } catch (error) {
    return void unexpected(`${init.method ?? 'GET'} ${url}: ${(error as Error).message}`);
  }
}
const graphql = (i: number, query: string, variables: object = {}) =>
  call(`${at(i)}/graphql`, { method: 'POST', body: JSON.stringify({ query, variables }) }, 200).then((answer) => {
    if (answer && (JSON.parse(answer.body) as { errors?: unknown }).errors) return void unexpected(`GraphQL: ${answer.body.slice(0, 200)}`);
    return answer;
  });

// Setup: credentials to read, the webhook, the subscribers.
const seeded: string[] = [];
for (let i = 0; i < 50; i++) {
  const answer = await call(`${at(i)}/api/credentials`, { method: 'POST', body: credentialBody(`seed-${i}`, 'seeded') }, 200);
  if (!answer) throw new Error(`seeding failed: ${errors.join('\n')}`);
  seeded.push((JSON.parse(answer.body) as { credentialsId: string }).credentialsId);
}
const hook = await graphql(0, `mutation { createWebhook(input: { url: "http://127.0.0.1:${hookPort}/hook" }) { __typename } }`);
if (!hook?.body.includes('MutationCreateWebhookSuccess')) throw new Error(`the webhook was not created: ${hook?.body} ${errors.join('\n')}`);

const subscribers = Array.from({ length: 10 }, (_, i) => subscribe(i));
function subscribe(i: number) {
  const state = { events: 0, ended: false, controller: new AbortController() };
  void (async () => {
    try {
      const response = await fetch(`${at(i)}/graphql`, {
        method: 'POST',
        headers: { ...headers, accept: 'text/event-stream' },
        body: JSON.stringify({ query: 'subscription { credentialEvents { kind targetId } }' }),
        signal: state.controller.signal,
      });
      for await (const chunk of response.body!) {
        const text = Buffer.from(chunk).toString();
        state.events += (text.match(/^event: next/gm) ?? []).length;
        if (text.includes('"errors"')) unexpected(`subscriber ${i}: ${text.slice(0, 300)}`);
      }
    } catch (error) {
      if ((error as Error).name !== 'AbortError') unexpected(`subscriber ${i}: ${(error as Error).message}`);
    }
    state.ended = true;
  })();
  return state;
}

// ---- The load: each kind at its own steady rate ------------------------------------------------------------------
let reads: number[] = [];
const acknowledged = new Map<string, { name: string; description: string }>();
/** The credentials made here and not deleted, oldest first. */
const live: string[] = [];
/** The one a PUT is writing now: the deletes leave it alone (a first 30-minute run raced an update with a delete). */
const updating = new Set<string>();
const LIVE_MADE = 200;
const DELETED = '(deleted)';
let stopping = false;

/** `workers` loops that together start `perSecond` operations a second (no burst to catch up when late). */
function paced(perSecond: number, workers: number, operation: (n: number) => Promise<void>): Promise<void>[] {
  const interval = (1000 * workers) / perSecond;
  let n = 0;
  return Array.from({ length: workers }, async (_, w) => {
    let next = performance.now() + (interval * w) / workers;
    while (!stopping) {
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      next = Math.max(next + interval, performance.now());
      await operation(n++);
    }
  });
}
const read = (answer: { ms: number } | undefined) => {
  if (answer) reads.push(answer.ms);
};
const loops = [
  ...paced(150, 8, async (n) => read(await call(`${at(n)}/api/credentials/${seeded[n % seeded.length]}`, {}, 200))),
  ...paced(10, 2, async (n) => read(await call(`${at(n)}/api/credentials`, {}, 200))),
  ...paced(80, 4, async (n) =>
    read(await graphql(n, 'query One($id: ID!) { credential(id: $id) { __typename ... on Credential { id name } } }', { id: seeded[n % seeded.length] })),
  ),
  // Creates, updates and deletes of what this process created, at most LIVE_MADE live at a time (the oldest is
  // deleted past that: the lists read above stay the same size). Each credential has one writer, so the last
  // acknowledged state (a description, or deleted) is what the database must hold at the end.
  ...paced(5, 1, async (n) => {
    const answer = await call(`${at(n)}/api/credentials`, { method: 'POST', body: credentialBody(`made-${n}`, 'v0') }, 200);
    if (!answer) return;
    const { credentialsId } = JSON.parse(answer.body) as { credentialsId: string };
    acknowledged.set(credentialsId, { name: `made-${n}`, description: 'v0' });
    live.push(credentialsId);
    if (live.length > LIVE_MADE) {
      // The oldest that no update is writing right now: each credential has one writer at a time.
      const oldest = live.find((id) => !updating.has(id))!;
      live.splice(live.indexOf(oldest), 1);
      if (await call(`${at(n + 1)}/api/credentials/${oldest}`, { method: 'DELETE' }, 204)) acknowledged.set(oldest, { name: '', description: DELETED });
    }
  }),
  ...paced(10, 1, async (n) => {
    if (live.length === 0) return;
    const id = live[n % live.length]!;
    const { name } = acknowledged.get(id)!;
    updating.add(id);
    const answer = await call(`${at(n + 1)}/api/credentials/${id}`, { method: 'PUT', body: credentialBody(name, `v${n}`) }, 204);
    updating.delete(id);
    if (answer) acknowledged.set(id, { name, description: `v${n}` });
  }),
  ...paced(20, 2, async (n) => {
    const { kty, crv, x } = generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' });
    const answer = await call(
      `${at(n)}/api/deliveries`,
      { method: 'POST', body: JSON.stringify({ credentials: [seeded[n % seeded.length]], recipient: { kty, crv, x }, client: { name: 'soak' } }) },
      200,
    );
    if (answer && !(JSON.parse(answer.body) as { jwe?: string }).jwe) unexpected('a delivery without its JWE');
  }),
];

function credentialBody(name: string, description: string): string {
  return JSON.stringify({ credentials: { name, description, provider: 'github', keys: { username: 'soak', token: `ghp_${name}` } } });
}

// ---- Samples -----------------------------------------------------------------------------------------------------
interface Sample {
  minute: number;
  rssMb: number[];
  loopP99Ms: number[];
  loopMaxMs: number[];
  readP99Ms: number;
  reads: number;
  hooks: number;
  subscriberEvents: number;
  /**
   * The measuring side over the interval: this process's event-loop delay p99 and its CPU (cores), and the
   * machine's idle share of all its cores. A read's time is counted here, so a late or starved load generator
   * shows as read latency: these say when it is the generator's, not the service's.
   */
  soak: { loopP99Ms: number; cpuCores: number; machineIdle: number };
}
const samples: Sample[] = [];
const ownLoop = monitorEventLoopDelay({ resolution: 10 });
ownLoop.enable();
let ownCpu = process.cpuUsage();
let ownCpuAt = performance.now();
/** The machine's CPU times (all cores): [idle, total] jiffies. */
const machineTimes = (): [number, number] => {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return [fields[3]! + (fields[4] ?? 0), fields.reduce((a, b) => a + b, 0)];
};
let machineAt = machineTimes();
/** The measuring side since the last call (see Sample.soak). */
function measuringSide(): Sample['soak'] {
  const cpu = process.cpuUsage(ownCpu);
  const now = performance.now();
  const machine = machineTimes();
  const side = {
    loopP99Ms: Math.round(ownLoop.percentile(99) / 1e5) / 10,
    cpuCores: Math.round(((cpu.user + cpu.system) / 1000 / (now - ownCpuAt)) * 100) / 100,
    machineIdle: Math.round(((machine[0] - machineAt[0]) / Math.max(1, machine[1] - machineAt[1])) * 100) / 100,
  };
  ownLoop.reset();
  ownCpu = process.cpuUsage();
  ownCpuAt = now;
  machineAt = machine;
  return side;
}
const windows: number[][] = [];
const rssMb = (pid: number) => Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
const p99 = (values: number[]) => (values.length === 0 ? 0 : [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.99)]!);
/**
 * The event loop's delay over the last interval, from the instance's /metrics: prom-client's histogram holds the
 * time between the ticks of a 1 s timer (the service's monitoring precision), so the delay is that less 1 s.
 */
async function loop(url: string): Promise<{ p99: number; max: number }> {
  const text = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } }).then((r) => r.text());
  const metric = (m: string) => Math.max(0, Number(new RegExp(`^${m} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN) * 1000 - 1000);
  return { p99: metric('nodejs_eventloop_lag_p99_seconds'), max: metric('nodejs_eventloop_lag_max_seconds') };
}

// A warm-up first, under the same load and counted in no sample (the first requests compile the code).
const WARMUP_MS = Math.min(60_000, durationMs / 5);
process.stdout.write(
  `soak: ${minutes} min after a ${WARMUP_MS / 1000} s warm-up, two instances on ${new URL(databaseUrl).pathname.slice(1)}; a sample every 10 s\n`,
);
await sleep(WARMUP_MS);
reads = [];
await Promise.all(instances.map((i) => loop(i.url).catch(() => undefined)));
measuringSide();
const started = Date.now();
while (Date.now() - started < durationMs) {
  await sleep(Math.min(SAMPLE_MS, durationMs - (Date.now() - started)));
  const window = reads;
  reads = [];
  windows.push(window);
  const loops = await Promise.all(instances.map((i) => loop(i.url).catch(() => ({ p99: Number.NaN, max: Number.NaN }))));
  const sample: Sample = {
    minute: Math.round((Date.now() - started) / 600) / 100,
    rssMb: instances.map((i) => Math.round(rssMb(i.child.pid!) * 10) / 10),
    loopP99Ms: loops.map((l) => Math.round(l.p99 * 10) / 10),
    loopMaxMs: loops.map((l) => Math.round(l.max * 10) / 10),
    readP99Ms: Math.round(p99(window) * 10) / 10,
    reads: window.length,
    hooks,
    subscriberEvents: subscribers.reduce((sum, s) => sum + s.events, 0),
    soak: measuringSide(),
  };
  samples.push(sample);
  process.stdout.write(`${JSON.stringify(sample)}\n`);
}
stopping = true;
await Promise.all(loops);

// ---- The end: every acknowledged write read back through the other instance --------------------------------------
let missing = 0;
for (const [id, { description }] of acknowledged) {
  // A deleted credential answers 403 like any unknown id (docs/api-rest.md); a live one, its last description.
  const response = await fetch(`${at(1)}/api/credentials/${id}`, { headers }).catch(() => undefined);
  const stored =
    response?.status === 403
      ? DELETED
      : response?.ok
        ? ((await response.json()) as { credentials: { description: string } }).credentials.description
        : `HTTP ${response?.status}`;
  if (stored !== description) missing++;
}
await sleep(3000);
const hooksStalled = Date.now() - lastHookAt > 30_000;
const endedSubscribers = subscribers.filter((s) => s.ended).length;
for (const s of subscribers) s.controller.abort();
for (const instance of instances) instance.child.kill('SIGTERM');
await Promise.all(instances.map((i) => new Promise((r) => (i.child.exitCode === null ? i.child.once('exit', r) : r(null)))));
receiver.close();
await database.drop();

// ---- Verdicts ----------------------------------------------------------------------------------------------------
const per = Math.max(1, Math.round((minutes >= 25 ? 5 * 60_000 : durationMs / 5) / SAMPLE_MS));
const warmup = Math.min(per, Math.floor(samples.length / 3));
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const drift = instances.map((_, i) => {
  const after = samples.slice(warmup).map((s) => s.rssMb[i]!);
  return mean(after.slice(-5)) / mean(after.slice(0, 5)) - 1;
});
const firstP99 = p99(windows.slice(0, per).flat());
const lastP99 = p99(windows.slice(-per).flat());
const verdicts = [
  {
    check: 'RSS after warm-up drifts ≤ 10% (each instance)',
    measured: drift.map((d) => `${(d * 100).toFixed(1)}%`).join(', '),
    met: drift.every((d) => d <= 0.1),
  },
  {
    check: 'read p99 of the last part ≤ 1.5× the first',
    measured: `${firstP99.toFixed(1)} ms → ${lastP99.toFixed(1)} ms (${per * 10} s each)`,
    met: lastP99 <= 1.5 * firstP99,
  },
  { check: 'no unexpected answer or error', measured: `${errors.length}${errors.length ? `: ${errors[0]}` : ''}`, met: errors.length === 0 },
  { check: 'every acknowledged write read back', measured: `${acknowledged.size - missing} of ${acknowledged.size}`, met: missing === 0 },
  {
    check: 'ten subscribers live to the end, webhooks still arriving',
    measured: `${10 - endedSubscribers} live, ${samples.at(-1)?.subscriberEvents} events; ${hooks} webhook calls`,
    met: endedSubscribers === 0 && !hooksStalled && hooks > 0,
  },
];
// Not a check, a reading aid: the measuring side in the first and the last part (medians of their samples).
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const side = (part: Sample[]) => ({
  loopP99Ms: median(part.map((s) => s.soak.loopP99Ms)),
  cpuCores: median(part.map((s) => s.soak.cpuCores)),
  machineIdle: median(part.map((s) => s.soak.machineIdle)),
});
const measuring = { first: side(samples.slice(0, per)), last: side(samples.slice(-per)) };
const date = new Date().toISOString().replace(/[:.]/g, '-');
const result = { date, minutes, instances: 2, database: 'postgresql', node: process.version, errors, verdicts, measuring, samples };
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', `soak-${date}.json`), `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(join(root, 'bench', 'results', `soak-${date}.svg`), soakChart(samples, minutes));
for (const v of verdicts) process.stdout.write(`${v.met ? '✔' : '✘'} ${v.check}: ${v.measured}\n`);
process.stdout.write(
  `  the soak itself (first → last part): event-loop p99 ${measuring.first.loopP99Ms} → ${measuring.last.loopP99Ms} ms, ` +
    `CPU ${measuring.first.cpuCores} → ${measuring.last.cpuCores} cores, machine idle ${measuring.first.machineIdle} → ${measuring.last.machineIdle}\n`,
);
process.stdout.write(`bench/results/soak-${date}.json and .svg\n`);
process.exit(verdicts.every((v) => v.met) ? 0 : 1);
