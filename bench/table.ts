/**
 * The README's results table from the newest runs in bench/results/ (not its before/ folder, nor the soak's): the newest SQLite
 * run and the newest PostgreSQL run, ratios only (absolute figures depend on the machine), with each target's verdict.
 * Usage: node --import tsx bench/table.ts
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

interface Verdict {
  case: string;
  target: string;
  measured: string;
  ratio?: number;
  met: boolean;
}
interface Results {
  date: string;
  database: string;
  machine: { cpus: number; model?: string; node: string };
  noise: string;
  referenceHolds: boolean;
  verdicts: Verdict[];
}

const dir = resolve(import.meta.dirname, 'results');
const runs = readdirSync(dir)
  .filter((f) => f.endsWith('.json') && !f.startsWith('soak-'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Results);
const sqlite = runs.filter((r) => r.database === 'sqlite').slice(-1);
const postgres = runs.filter((r) => r.database === 'postgresql').slice(-1);
const columns = [
  ...sqlite.map((r, i) => ({ title: sqlite.length > 1 ? `SQLite, run ${i + 1}` : 'SQLite', run: r })),
  ...postgres.map((r) => ({ title: 'PostgreSQL', run: r })),
];

const shown = (v: Verdict | undefined) => {
  if (!v) return '–';
  const value =
    v.ratio === undefined
      ? v.measured.replace(/ \(best of 5 samples\)/, '')
      : v.target.includes('×')
        ? `${v.ratio.toFixed(1)}×`
        : `${Math.round(v.ratio * 100)}%`;
  return `${value} ${v.met ? '✓' : '✗'}`;
};
const names = columns[0]!.run.verdicts.map((v) => v.case).filter((name) => !name.startsWith('  '));
const lines = [
  `| case | target | ${columns.map((c) => c.title).join(' | ')} |`,
  `|---|---|${columns.map(() => '---').join('|')}|`,
  ...names.map((name) => {
    const target = columns[0]!.run.verdicts.find((v) => v.case === name)!.target;
    // Latency, memory and start are absolute by nature; every throughput figure is a ratio to its reference.
    return `| ${name} | ${target} | ${columns.map((c) => shown(c.run.verdicts.find((v) => v.case === name))).join(' | ')} |`;
  }),
];
const machine = columns[0]!.run.machine;
process.stdout.write(
  `Runs of ${columns.map((c) => `${c.run.date.slice(0, 16).replace('T', ' ')} UTC (${c.title}, Node ${c.run.machine.node})`).join(', ')}; ${machine.cpus} cores` +
    `${machine.model ? ` (${machine.model})` : ''}. ${columns.map((c) => `${c.title}: ${c.run.noise}`).join('; ')}.\n\n${lines.join('\n')}\n`,
);
