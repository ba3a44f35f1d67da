/**
 * RSA key pairs for tests. Making a 2048-bit pair costs 50–500 ms of CPU; the tests need distinct keys, not new
 * ones, so each worker makes a pool on first use and every file it runs reuses it (files share a worker's
 * modules). Real keys all the same: what signs, encrypts and verifies with them is the real thing.
 */
import { generateKeyPairSync, type KeyPairKeyObjectResult } from 'node:crypto';

const pool: KeyPairKeyObjectResult[] = [];

/** The i-th RSA 2048 key pair of this worker's pool: distinct from every other index. */
export function rsaKeyPair(i = 0): KeyPairKeyObjectResult {
  while (pool.length <= i) pool.push(generateKeyPairSync('rsa', { modulusLength: 2048 }));
  return pool[i]!;
}

/** A source of distinct RSA 2048 key pairs: each call gives the next of the pool. */
export function rsaKeyPairs(): () => KeyPairKeyObjectResult {
  let next = 0;
  return () => rsaKeyPair(next++);
}
