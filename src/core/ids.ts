import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * A random base62 string from the system's cryptographic source. Bytes of 248
 * and above are rejected so every character is uniformly likely (248 = 4 × 62).
 */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    const byte = nextRandomByte();
    if (byte < 248) out += ALPHABET[byte % 62];
  }
  return out;
}

// Random bytes are drawn from the system source 4 KiB at a time (one call per
// ~150 ids instead of one per id: ids are made for every request); each byte
// is used once.
const pool = Buffer.alloc(4096);
let used = pool.length;

function nextRandomByte(): number {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const byte = pool[used]!;
  pool[used++] = 0;
  return byte;
}

/** Entity ids: 22 base62 characters (about 131 random bits), like `1mO5qKOUcacMaFXJsmJzQh`. */
export const newId = (): string => randomBase62(22);

export const ID_PATTERN = /^[0-9A-Za-z]{22}$/;
