/**
 * RSA key pairs for tests. Making a 2048-bit pair costs 50–500 ms of CPU (a 4096-bit one up to seconds); the tests
 * need distinct keys, not new ones: they come from test/fixtures/test-only-rsa-keys.json (made once, used nowhere
 * else), and past its end are made on first use and kept for the worker (files share a worker's modules). Real keys
 * all the same: what signs, encrypts and verifies with them is the real thing.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyPairKeyObjectResult } from 'node:crypto';
import { readFileSync } from 'node:fs';

const FIXTURE = JSON.parse(readFileSync(new URL('../fixtures/test-only-rsa-keys.json', import.meta.url), 'utf8')) as Record<'rsa2048' | 'rsa4096', string[]>;

const pools: Record<2048 | 4096, KeyPairKeyObjectResult[]> = { 2048: [], 4096: [] };

function pair(bits: 2048 | 4096, i: number): KeyPairKeyObjectResult {
  const pool = pools[bits];
  while (pool.length <= i) {
    const pem = FIXTURE[`rsa${bits}`][pool.length];
    if (pem === undefined) {
      pool.push(generateKeyPairSync('rsa', { modulusLength: bits }));
    } else {
      const privateKey = createPrivateKey(pem);
      pool.push({ privateKey, publicKey: createPublicKey(privateKey) });
    }
  }
  return pool[i]!;
}

/** The i-th RSA 2048 key pair: distinct from every other index. */
export function rsaKeyPair(i = 0): KeyPairKeyObjectResult {
  return pair(2048, i);
}

/** The i-th RSA 4096 key pair: distinct from every other index. */
export function rsa4096KeyPair(i = 0): KeyPairKeyObjectResult {
  return pair(4096, i);
}

/** A source of distinct RSA 2048 key pairs: each call gives the next of the pool. */
export function rsaKeyPairs(): () => KeyPairKeyObjectResult {
  let next = 0;
  return () => rsaKeyPair(next++);
}
