/**
 * The kinds of value a setting takes, each with its bounds and its default
 * as the settings table shows it: whole numbers, durations (one style: a whole
 * number and s, m, h or d; a `_MS` setting also takes a plain number of
 * milliseconds), on/off flags, lists of hosts, addresses or origins.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { DURATION_FORMAT, formatDuration, parseDuration } from '../../core/time.js';

/** A setting's value: how it is parsed (with its default and bounds), and the default as the table shows it. */
export interface Kind<T extends z.ZodType = z.ZodType> {
  schema: T;
  /** The default as written in the environment (`8080`, `12h`); undefined: unset. */
  fallback?: string;
}

/** The schema with its default when there is one (its value is never undefined then), else optional. */
function withFallback<S extends z.ZodType, F extends string | undefined>(schema: S, fallback: F, parsed = false) {
  type Out = F extends string ? z.ZodDefault<S> : z.ZodOptional<S>;
  if (fallback === undefined) return schema.optional() as unknown as Out;
  // A parsed default (prefault) goes through the schema like a value that was set.
  return (parsed ? schema.prefault(fallback as never) : schema.default(fallback as never)) as unknown as Out;
}

/** Comma-separated entries, trimmed, empty ones dropped. */
export const list = (text: string | undefined) =>
  (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** A whole number within bounds. */
export const count = (fallback: number, min = 1, max = 1_000_000_000) => ({
  schema: z.coerce
    .number({ error: 'must be a whole number' })
    .int({ error: 'must be a whole number' })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` })
    .default(fallback),
  fallback: String(fallback),
});

/** A TCP port; 0: the system picks a free one. */
export const port = (fallback: number) => ({ schema: z.coerce.number().int().min(0).max(65535).default(fallback), fallback: String(fallback) });

/** A TCP port, or unset (off). */
export const optionalPort = () => ({ schema: z.coerce.number().int().min(1).max(65535).optional() });

/** `true` or `false`; unset: `fallback` (the consumer reads it so). */
export const flag = (fallback: 'true' | 'false') => ({ schema: z.enum(['true', 'false']).optional(), fallback });

/** Any text of at least one character (a path, a URL checked elsewhere). */
export const text = <F extends string | undefined = undefined>(fallback?: F, max = 100_000) => ({
  schema: withFallback(z.string().min(1).max(max), fallback as F),
  fallback,
});

/** One of a few words. */
export const oneOf = <const W extends readonly [string, ...string[]]>(words: W, fallback: W[number], error?: string) => ({
  schema: z.enum(words, error ? { error } : undefined).default(fallback),
  fallback,
});

/** Text that must match a pattern (the message says what is accepted). */
export const matching = <F extends string | undefined = undefined>(pattern: RegExp, message: string, fallback?: F) => ({
  schema: withFallback(z.string().regex(pattern, message), fallback as F),
  fallback,
});

/** Entries separated by commas, each accepted by `valid`. */
export const entries = (valid: (entry: string) => boolean, message: string, whole?: (text: string) => boolean) => ({
  schema: z
    .string()
    .refine((v) => whole?.(v) || list(v).every(valid), message)
    .optional(),
});

/** An address or a CIDR range (`10.0.0.0/8`, `::1`), as TRUST_PROXY lists them. */
export const isAddressOrRange = (entry: string) => {
  const [address, bits, ...rest] = entry.split('/');
  const version = isIP(address ?? '');
  if (version === 0 || rest.length > 0) return false;
  return bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128));
};

/** `host` or `host:port` (an IPv6 address in brackets), as the *_ALLOWED_HOSTS settings list them. */
const isHostAndPort = (entry: string) => /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(entry);
export const hosts = () => entries(isHostAndPort, 'must be host or host:port entries separated by commas (an IPv6 address in brackets: [::1]:8443)');

interface DurationOptions {
  /** Also `0`, meaning this (a recovery window of 0: purge at once). */
  zero?: string;
  /** Also `off` (background validation: never); unset is off too. */
  off?: true;
  /** Also a plain whole number of milliseconds (a `_MS` setting). */
  plainMs?: true;
}

/**
 * A duration within bounds, in milliseconds: a whole number and s, m, h or d
 * (a `_MS` setting: also a whole number of milliseconds). Every duration
 * setting is parsed and explained this one way.
 */
export function duration<F extends string | undefined>(fallback: F, bounds: { min: number; max: number }, options: DurationOptions = {}) {
  const also = [options.zero !== undefined ? `or 0 (${options.zero})` : '', options.off ? 'or off' : ''].filter(Boolean).join(', ');
  const format = options.plainMs ? `a whole number of milliseconds, or ${DURATION_FORMAT}` : DURATION_FORMAT;
  const schema = z.string().transform((value, ctx): number | undefined => {
    if (options.off && value === 'off') return undefined;
    if (options.zero !== undefined && value === '0') return 0;
    const ms = options.plainMs && /^\d{1,12}$/.test(value) ? Number(value) : parseDuration(value);
    const range = `from ${formatDuration(bounds.min)} to ${formatDuration(bounds.max)}`;
    const problem =
      ms === undefined
        ? `must be a duration ${range}: ${format}`
        : ms < bounds.min || ms > bounds.max
          ? `must be a duration ${range} (${formatDuration(ms)} is not)`
          : undefined;
    if (problem) {
      ctx.addIssue({ code: 'custom', message: also ? `${problem}, ${also}` : problem });
      return z.NEVER;
    }
    return ms as number;
  });
  // The default is parsed like a value that was set (it becomes milliseconds the same way).
  return { schema: withFallback(schema, fallback, true), fallback };
}
