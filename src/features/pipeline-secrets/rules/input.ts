/**
 * What a pipeline secret's name and value may be. The name: Nextflow's rule (upstream's pattern, the same as
 * Nextflow's `SecretsHelper.NAME_REGEX`) and at most 50 characters; a refusal says what is wrong. The value: any
 * text from 1 byte to 64 KiB (UTF-8), a PEM or a JSON file included.
 */
import { ValidationError } from '../../../core/errors.js';

/** Upstream's pattern, verbatim (Seqera API 1.187, PipelineSecret.name). */
export const NAME_PATTERN = /^[a-zA-Z_](?:[0-9A-Za-z]+|(_)(?!\1)){1,49}$/;
export const MAX_NAME_LENGTH = 50;
export const MAX_VALUE_BYTES = 64 * 1024;

/** Why `name` is not a pipeline secret's name, or undefined when it is one. */
export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (name.length > MAX_NAME_LENGTH) return `must be at most ${MAX_NAME_LENGTH} characters (it has ${name.length})`;
  if (!/^[A-Za-z_]/.test(name)) return 'must start with a letter or _';
  const other = /[^0-9A-Za-z_]/.exec(name);
  if (other) return `may hold only letters, digits and _ (it holds ${JSON.stringify(other[0])} at position ${other.index + 1})`;
  if (name.length < 2) return 'must be at least 2 characters';
  if (!NAME_PATTERN.test(name)) return 'must not hold two _ in a row';
  return undefined;
}

/** The name, checked (a ValidationError on `name` saying what is wrong). */
export function parseName(raw: unknown): string {
  if (typeof raw !== 'string') throw ValidationError.of('name', 'is required: a text');
  const problem = nameProblem(raw);
  if (problem) throw ValidationError.of('name', problem);
  return raw;
}

/** The value, checked (a ValidationError on `value`, never quoting it). */
export function parseValue(raw: unknown): string {
  if (typeof raw !== 'string') throw ValidationError.of('value', 'is required: a text');
  if (raw.length === 0) throw ValidationError.of('value', 'must not be empty');
  const bytes = Buffer.byteLength(raw, 'utf8');
  if (bytes > MAX_VALUE_BYTES) throw ValidationError.of('value', `must be at most ${MAX_VALUE_BYTES} bytes (64 KiB) in UTF-8 (it has ${bytes})`);
  return raw;
}

/** A secret's id as a client sends it: a positive integer below 2^53, else undefined (answered as not found). */
export function parseSecretId(raw: string | number): number | undefined {
  const text = String(raw);
  if (!/^[1-9][0-9]{0,15}$/.test(text)) return undefined;
  const id = Number(text);
  return Number.isSafeInteger(id) ? id : undefined;
}

/**
 * What a secret's value is sealed with: its own associated data (a value moved to another row fails to open). A
 * version's slot is `<id>#<number>`: `pipeline-secret:<id>#<number>`.
 */
export const pipelineSecretSealingContext = (id: number | string): string => `pipeline-secret:${id}`;
export const pipelineSecretVersionSealingContext = (id: number, version: number): string => pipelineSecretSealingContext(`${id}#${version}`);
