/**
 * `npm run bench:audit-reads`: what AUDIT_READS=true costs. Seeds the bench's
 * database, then starts the compiled release with AUDIT_READS off and on, in
 * turn (twice each: the machine is noisy, so the ratio of each pair is
 * printed), and loads the REST describe and list and the GraphQL one-credential
 * query as clients send them (50 connections, BENCH_DURATION seconds each).
 * The reference of each ratio is the same release without the setting: the
 * cost is one INSERT per read.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { allocatorEnvironment } from '../scripts/image-environment.mjs';
import { seedBenchDatabase } from './seed.js';

const root = resolve(import.meta.dirname, '..');
const duration = Number(process.env.BENCH_DURATION ?? 8);
const port = 18910;
const svc = `http://127.0.0.1:${port}`;

interface Load {
  requestsPerSecond: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

function loadOnce(options: Record<string, unknown>, seconds: number): Promise<Load> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/load.ts', JSON.stringify({ connections: 50, duration: seconds, ...options })], {
      cwd: root,
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? done(JSON.parse(out.trim().split('\n').pop()!) as Load) : fail(new Error(`load exited ${code}`))));
  });
}

async function startService(env: Record<string, string>): Promise<ChildProcess> {
  const script = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const child = spawn(process.execPath, script.split(/\s+/).slice(1), { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  for (;;) {
    try {
      await fetch(`${svc}/healthz`);
      return child;
    } catch {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'credentials-bench-reads-'));
  const postgresServer = /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '') ? process.env.DATABASE_URL : undefined;
  const seeded = await seedBenchDatabase(dir, postgresServer);
  const user = seeded.users.list100;
  const headers = { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' };
  const cases = {
    'REST describe': { url: `${svc}/api/credentials/${user.firstId}`, headers },
    'REST list (100)': { url: `${svc}/api/credentials`, headers },
    'GraphQL credential': {
      url: `${svc}/graphql`,
      method: 'POST',
      headers,
      body: JSON.stringify({
        query: 'query One($id: ID!) { credential(id: $id) { ... on Credential { id name provider } } }',
        variables: { id: user.firstId },
      }),
    },
  };
  const env = {
    // The allocator's settings of the container image (its ENV), as deployed.
    ...allocatorEnvironment(root),
    NODE_ENV: 'production',
    DATABASE_URL: seeded.databaseUrl,
    MASTER_KEY_FILE: seeded.keyFile,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    AUTH_FAILURES_PER_MINUTE: '1000000',
  };
  const results: Record<string, { off: number[]; on: number[] }> = {};
  try {
    for (let round = 0; round < 2; round++) {
      for (const auditReads of ['false', 'true'] as const) {
        const service = await startService({ ...env, AUDIT_READS: auditReads });
        try {
          for (const [name, options] of Object.entries(cases)) {
            await loadOnce(options, 2);
            const load = await loadOnce(options, duration);
            if (load.errors || load.non2xx) throw new Error(`${name}: ${load.errors} errors, ${load.non2xx} non-2xx`);
            results[name] ??= { off: [], on: [] };
            const entry = results[name];
            (auditReads === 'true' ? entry.on : entry.off).push(load.requestsPerSecond);
            process.stdout.write(
              `  round ${round + 1} AUDIT_READS=${auditReads.padEnd(5)} ${name.padEnd(20)} ${load.requestsPerSecond.toFixed(0).padStart(6)} req/s  p99 ${load.p99Ms} ms\n`,
            );
          }
        } finally {
          service.kill('SIGTERM');
          await new Promise((r) => service.once('exit', r));
        }
      }
    }
    process.stdout.write('\nAUDIT_READS=true against off (the same release): throughput kept, per round\n');
    for (const [name, { off, on }] of Object.entries(results)) {
      const ratios = on.map((value, i) => `${((value / off[i]!) * 100).toFixed(0)}%`);
      process.stdout.write(`  ${name.padEnd(20)} ${ratios.join('  ')}\n`);
    }
  } finally {
    await seeded.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
