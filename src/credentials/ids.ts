import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * A random base62 string from the system's cryptographic source. Bytes of 248
 * and above are rejected so every character is uniformly likely (248 = 4 × 62).
 */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) out += ALPHABET[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/** Entity ids: 22 base62 characters (about 131 random bits), like `1mO5qKOUcacMaFXJsmJzQh`. */
export const newId = (): string => randomBase62(22);

export const ID_PATTERN = /^[0-9A-Za-z]{22}$/;
