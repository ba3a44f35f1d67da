/**
 * `npm run docs:settings`: writes the settings tables of docs/operating.md
 * (between the settings markers) from the declarations in
 * src/infra/config/settings.ts; test/fast/settings.test.ts fails when the
 * file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SETTINGS } from '../src/infra/config/settings.js';

export const OPERATING = resolve(import.meta.dirname, '../docs/operating.md');
export const START = '<!-- settings: generated from src/infra/config/settings.ts by `npm run docs:settings` -->';
export const END = '<!-- settings: end -->';

/** The tables: one per group, in the declarations' order. */
export function settingsTables(): string {
  const groups = new Map<string, string[]>();
  for (const [name, setting] of Object.entries(SETTINGS) as [string, { group: string; shown?: string; fallback?: string; doc: string }][]) {
    const shown = setting.shown ?? (setting.fallback === undefined ? '(unset)' : `\`${setting.fallback}\``);
    const rows = groups.get(setting.group) ?? [];
    rows.push(`| \`${name}\` | ${shown} | ${setting.doc} |`);
    groups.set(setting.group, rows);
  }
  return [...groups]
    .map(([group, rows]) => [`### ${group}`, '', '| Variable | Default (development / production) | Meaning |', '| --- | --- | --- |', ...rows].join('\n'))
    .join('\n\n');
}

/** docs/operating.md with its tables written from the declarations. */
export function withTables(text: string): string {
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`docs/operating.md lacks the settings markers (${START} … ${END})`);
  return `${text.slice(0, start + START.length)}\n\n${settingsTables()}\n\n${text.slice(end)}`;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  writeFileSync(OPERATING, withTables(readFileSync(OPERATING, 'utf8')));
  console.log(`wrote the settings tables of ${OPERATING}`);
}
