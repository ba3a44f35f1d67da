/**
 * `npm run bench:memory`: what holds the service's memory after load. Starts
 * the release as deployed (`node --max-semi-space-size=4 dist/main.js`,
 * production), seeds credentials, runs `BENCH_DURATION` seconds (default 60) of
 * mixed load (REST describe, list and create, GraphQL reads), lets it idle,
 * then reads the process's memory from /metrics and takes a heap snapshot
 * (SIGUSR2), and prints: RSS, V8 heap used and total, external and array
 * buffers, and the heap's largest kinds of objects by self size.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { allocatorEnvironment } from '../scripts/image-environment.mjs';

const root = resolve(import.meta.dirname, '..');
const duration = Number(process.env.BENCH_DURATION ?? 60);
const dir = mkdtempSync(join(tmpdir(), 'credentials-memory-'));
const port = 20000 + Math.floor(Math.random() * 20000);
const base = `http://127.0.0.1:${port}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const service = spawn(process.execPath, ['--max-semi-space-size=4', '--heapsnapshot-signal=SIGUSR2', join(root, 'dist', 'main.js')], {
  cwd: dir,
  env: {
    ...process.env,
    // The allocator's settings of the container image (its ENV), as deployed.
    ...allocatorEnvironment(root),
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: process.env.DATABASE_URL ?? `file:${join(dir, 'data', 'credentials.db')}`,
    MASTER_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    METRICS_TOKEN: 'memory-bench-metrics-token-0123456789',
    LOG_LEVEL: 'warn',
    MAX_CREDENTIALS_PER_CONTEXT: '100000000',
  },
  stdio: ['ignore', 'ignore', 'pipe'],
});
let stderr = '';
service.stderr.on('data', (d) => (stderr += d));
for (let i = 0; !/cst_[0-9A-Za-z]{43}/.test(stderr); i++) {
  if (i > 300) throw new Error(`the service did not start:\n${stderr}`);
  await sleep(100);
}
const token = /cst_[0-9A-Za-z]{43}/.exec(stderr)![0];
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

/** The process's memory as its /metrics report it, in MB. */
async function memory(): Promise<Record<string, number>> {
  const text = await (await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer memory-bench-metrics-token-0123456789' } })).text();
  const read = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN) / 1024 / 1024;
  return {
    rss: read('process_resident_memory_bytes'),
    heapUsed: read('nodejs_heap_size_used_bytes'),
    heapTotal: read('nodejs_heap_size_total_bytes'),
    external: read('nodejs_external_memory_bytes'),
  };
}

const ids: string[] = [];
for (let i = 0; i < 200; i++) {
  const response = await fetch(`${base}/api/credentials`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ credentials: { name: `seed-${i}`, provider: 'github', keys: { username: 'u', token: `ghp_${i}` } } }),
  });
  ids.push(((await response.json()) as { credentialsId: string }).credentialsId);
}
const idle = await memory();

const load = (options: object) =>
  new Promise<string>((resolveLoad) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench', 'load.ts'), JSON.stringify(options)], { cwd: root });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', () => resolveLoad(out.trim()));
  });
const query = JSON.stringify({
  query: 'query One($id: ID!) { credential(id: $id) { __typename ... on Credential { id name provider } } }',
  variables: { id: ids[0] },
});
const results = await Promise.all([
  load({ url: `${base}/api/credentials/${ids[1]}`, headers, connections: 20, duration }),
  load({ url: `${base}/api/credentials`, headers, connections: 10, duration }),
  load({ url: `${base}/graphql`, method: 'POST', headers, body: query, connections: 20, duration }),
  load({
    url: `${base}/api/credentials`,
    method: 'POST',
    headers,
    bodyTemplate: JSON.stringify({ credentials: { name: 'load-{{n}}', provider: 'github', keys: { username: 'u', token: 'ghp_{{n}}' } } }),
    connections: 5,
    duration,
  }),
]);
const loaded = await memory();
await sleep(10_000);
const settled = await memory();

/** The process's resident memory by kind of mapping (Linux: /proc/<pid>/smaps), in MB. */
function mappings(pid: number): Record<string, number> {
  const kinds: Record<string, number> = {};
  let kind = '';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      const path = header[1]!.trim();
      kind =
        path === ''
          ? 'anonymous (V8 heap, WebAssembly memory, malloc arenas)'
          : path.startsWith('[')
            ? path
            : path.includes('.node')
              ? `native addon ${path.split('/').pop()}`
              : path.endsWith('/node')
                ? 'node binary'
                : 'other files';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) kinds[kind] = (kinds[kind] ?? 0) + Number(rss[1]) / 1024;
  }
  return kinds;
}
const resident = existsSync(`/proc/${service.pid}/smaps`) ? mappings(service.pid!) : {};

service.kill('SIGUSR2');
let snapshot: string | undefined;
for (let i = 0; i < 600 && !snapshot; i++) {
  await sleep(100);
  const file = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot'));
  // Written in pieces: wait until its JSON closes.
  if (file && readFileSync(join(dir, file), 'utf8').trimEnd().endsWith('}')) snapshot = join(dir, file);
}
// Taking the snapshot collected the garbage: what is left is what the service holds.
const collected = await memory();
service.kill('SIGTERM');

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}
const heap = JSON.parse(readFileSync(snapshot!, 'utf8')) as Snapshot;
const fields = heap.snapshot.meta.node_fields;
const types = heap.snapshot.meta.node_types[0];
const [typeAt, nameAt, sizeAt] = [fields.indexOf('type'), fields.indexOf('name'), fields.indexOf('self_size')];
const byKind = new Map<string, { count: number; bytes: number }>();
for (let i = 0; i < heap.nodes.length; i += fields.length) {
  const type = types[heap.nodes[i + typeAt]!]!;
  const name = type === 'object' || type === 'closure' || type === 'native' ? heap.strings[heap.nodes[i + nameAt]!]! : `(${type})`;
  const kind = byKind.get(name) ?? { count: 0, bytes: 0 };
  kind.count += 1;
  kind.bytes += heap.nodes[i + sizeAt]!;
  byKind.set(name, kind);
}
const top = [...byKind].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 25);
const mb = (n: number) => `${n.toFixed(1)} MB`;
console.log(`load (${duration} s): ${results.join('\n  ')}`);
for (const [label, m] of Object.entries({
  'idle after start and seed': idle,
  'at the end of the load': loaded,
  '10 s later': settled,
  'after the heap snapshot (a full collection)': collected,
})) {
  console.log(`${label}: RSS ${mb(m.rss!)}, V8 heap used ${mb(m.heapUsed!)} of ${mb(m.heapTotal!)}, external ${mb(m.external!)}`);
}
console.log('resident memory 10 s later, by mapping:');
for (const [kind, size] of Object.entries(resident).sort((a, b) => b[1] - a[1])) console.log(`  ${size.toFixed(1).padStart(7)} MB  ${kind}`);
console.log('heap snapshot, largest kinds by self size:');
for (const [name, { count, bytes }] of top)
  console.log(`  ${(bytes / 1024 / 1024).toFixed(2).padStart(7)} MB  ${String(count).padStart(8)}  ${name.slice(0, 90)}`);
rmSync(dir, { recursive: true, force: true });
