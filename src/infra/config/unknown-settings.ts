/**
 * Settings the service does not know: every name in `.env` that is no
 * setting, and every variable of the environment that starts like the
 * service's settings, or is within two edits of one, but is none; each with
 * the setting it probably meant. The names come from the declarations (settings.ts).
 */
import { SETTINGS } from './settings.js';

const KNOWN = Object.keys(SETTINGS);
/**
 * The first words of the service's settings (GRAPHQL_, VALIDATION_, METRICS_…): a variable of the
 * environment that starts like one of them is meant for the service. (AWS_ and NODE_ belong to others too.)
 */
const PREFIXES = [...new Set(KNOWN.filter((name) => name.includes('_')).map((name) => `${name.split('_')[0]}_`))].filter(
  (prefix) => prefix !== 'AWS_' && prefix !== 'NODE_',
);

/** Edits (insert, delete, replace, swap of two neighbours) from one name to another. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The setting a misspelled name most likely means, if one is close. */
function meant(name: string): string | undefined {
  const close = KNOWN.map((known) => ({ known, d: distance(name.toUpperCase(), known) })).sort((a, b) => a.d - b.d)[0];
  return close && close.d <= Math.max(1, Math.floor(close.known.length / 4)) ? close.known : undefined;
}

/** Close enough to a setting to be a misspelling of it, whatever its first word: two edits at most, in a name of 8 or more. */
const nearSetting = (name: string) =>
  name.length >= 8 && KNOWN.some((known) => Math.abs(known.length - name.length) <= 2 && distance(name.toUpperCase(), known) <= 2);

/**
 * Warnings about settings the service does not know, so that a misspelled one
 * is not silently ignored: every name in `.env` (`fileNames`) that is no
 * setting, and every variable of the environment that starts like the
 * service's settings, or is within two edits of one, but is none. Each says
 * what was probably meant.
 */
export function unknownSettings(env: NodeJS.ProcessEnv, fileNames: readonly string[] = []): string[] {
  const inFile = new Set(fileNames);
  const unknown = [
    ...fileNames.filter((name) => !KNOWN.includes(name)).map((name) => ({ name, where: ' in .env' })),
    ...Object.keys(env)
      .filter((name) => !inFile.has(name) && !KNOWN.includes(name) && (PREFIXES.some((prefix) => name.startsWith(prefix)) || nearSetting(name)))
      .map((name) => ({ name, where: '' })),
  ];
  return unknown.map(({ name, where }) => {
    const guess = meant(name);
    return `unknown setting ${name}${where} is ignored${guess ? ` (did you mean ${guess}?)` : ''}`;
  });
}
