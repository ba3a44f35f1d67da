/**
 * What text the service accepts, everywhere a client chooses it (names,
 * descriptions, key fields), on both doors and both databases.
 *
 * - Names are shown to people and compared by them: no control characters, and
 *   nothing invisible or direction-changing that would let one name pass for
 *   another (bidi overrides such as U+202E, zero-width characters, the BOM).
 * - Free text (descriptions, key values) may hold tab and line breaks (CR LF
 *   too: PEM keys pasted from Windows), no other C0 control (NUL, ESC…) nor DEL.
 * - No text may hold an unpaired UTF-16 surrogate: it is not a character, and it
 *   cannot be stored as valid UTF-8.
 */
import { z } from 'zod';

// biome-ignore lint/suspicious/noControlCharactersInRegex: these rules exist to find control characters
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: these rules exist to find control characters
const FREE_TEXT_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
/** Bidi marks, embeddings, overrides and isolates; zero-width and invisible formatting characters; the BOM. */
const INVISIBLE = /[\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\u3164\ufeff\uffa0]/;
const LONE_SURROGATE = /\p{Cs}/u;

export const TEXT_RULES = {
  wellFormed: 'must not contain unpaired surrogates',
  nameControl: 'must not contain control characters',
  nameInvisible: 'must not contain invisible or direction-changing characters',
  freeTextControl: 'must not contain control characters other than tab and line breaks',
} as const;

const wellFormed = (s: string) => !LONE_SURROGATE.test(s);

/** A name people read and tell apart: 1–`max` characters, printable, visible, no padding. */
export const nameText = (max: number) =>
  z
    .string({ error: 'must be a string' })
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine(wellFormed, TEXT_RULES.wellFormed)
    .refine((s) => !CONTROL.test(s), TEXT_RULES.nameControl)
    .refine((s) => !INVISIBLE.test(s), TEXT_RULES.nameInvisible)
    .refine((s) => s.trim() === s, 'must not start or end with blanks');

/** Free text of at most `max` characters: tab and line breaks allowed, other controls not. */
export const freeText = (max: number) =>
  z
    .string({ error: 'must be a string' })
    .max(max, `must be at most ${max} characters`)
    .refine(wellFormed, TEXT_RULES.wellFormed)
    .refine((s) => !FREE_TEXT_CONTROL.test(s), TEXT_RULES.freeTextControl);

/** A client-chosen value quoted in a message: at most `max` characters, so an error never echoes a whole body. */
export function quoted(value: unknown, max = 40): string {
  const text = String(value);
  const shown =
    text.length <= max
      ? text
      : `${Array.from(text.slice(0, max + 1))
          .slice(0, max)
          .join('')}…`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are escaped for the message
  return `'${shown.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}'`;
}

/**
 * A web address a probe may call: absolute http or https, with a host, and no
 * user or password in it (a secret there would be stored and shown in the
 * clear). Empty is no address.
 */
export const webUrl = (max: number) =>
  freeText(max).refine((s) => {
    if (s === '') return true;
    try {
      const url = new URL(s);
      return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '' && url.username === '' && url.password === '' && s.trim() === s;
    } catch {
      return false;
    }
  }, 'must be an http or https URL (https://host[:port][/path]) without a user or password');

/** A host and an optional port (`quay.io`, `registry.local:5000`, `[::1]:5000`): where a registry is. */
export const hostAndPort = (max: number) =>
  freeText(max).refine(
    (s) =>
      s === '' || /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*)(:\d{1,5})?$/.test(s),
    'must be a host name, with a port if needed (quay.io, registry.example.com:5000), without a scheme or a path',
  );
