/**
 * A delivery's JWE is made from node:crypto's primitives
 * (src/features/delivery/rules/jwe.ts): RSA-OAEP-256 and ECDH-ES+A256KW
 * (P-256, X25519), as jose makes them. Both ways must give the same thing: for
 * the same key and payload, the JWE made here and jose's own are opened by jose
 * and compared field for field (protected header, claims, the shapes of key,
 * iv, tag), and a key of the wrong kind is refused by both. Pure: no server.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { CompactEncrypt, calculateJwkThumbprint, compactDecrypt, decodeProtectedHeader, EncryptJWT, jwtDecrypt } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import { oneUseKey } from '../../client/lib/jwe.js';
import { encryptedJwt } from '../../src/features/delivery/rules/jwe.js';
import { recipientKey } from '../../src/features/delivery/rules/recipient.js';
import { pooledRandomBytes } from '../../src/platform/secrets/random-pool.js';
import { rsa4096KeyPair, rsaKeyPair } from '../helpers/keys.js';

const rsa = rsaKeyPair();
const rsa4096 = rsa4096KeyPair();
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const claims = { credentialsId: 'AAAAAAAAAAAAAAAAAAAAAA', provider: 'github', keys: { token: 'ghp_ü✓', username: 'octo' } };
const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);

/** jose's JWE of the same payload, with the same header. */
const joseJwe = (publicKey: typeof rsa.publicKey, kid: string, alg = 'RSA-OAEP-256') =>
  new EncryptJWT({ ...claims, iat: NOW / 1000, exp: NOW / 1000 + 300 }).setProtectedHeader({ alg, enc: 'A256GCM', kid }).encrypt(publicKey);

const partsOf = (jwe: string) => {
  const [header, key, iv, ciphertext, tag] = jwe.split('.');
  return { header, key: Buffer.from(key!, 'base64url'), iv: Buffer.from(iv!, 'base64url'), ciphertext, tag: Buffer.from(tag!, 'base64url') };
};

describe('the ECDH-ES+A256KW JWE made here and jose’s', () => {
  const x25519 = generateKeyPairSync('x25519');
  for (const [curve, pair, epkKeys] of [
    ['P-256', ec, ['crv', 'kty', 'x', 'y']],
    ['X25519', x25519, ['crv', 'kty', 'x']],
  ] as const) {
    it(`open alike with jose, header for header (${curve})`, async () => {
      const ours = await encryptedJwt(pair.publicKey, { alg: 'ECDH-ES+A256KW', kid: 'ec-1' }, claims, 300, NOW);
      const theirs = await joseJwe(pair.publicKey, 'ec-1', 'ECDH-ES+A256KW');
      const [headerOurs, headerTheirs] = [decodeProtectedHeader(ours), decodeProtectedHeader(theirs)];
      expect(Object.keys(headerOurs).sort()).toEqual(Object.keys(headerTheirs).sort());
      expect({ ...headerOurs, epk: undefined }).toEqual({ ...headerTheirs, epk: undefined });
      expect(Object.keys(headerOurs.epk!).sort()).toEqual([...epkKeys]);
      expect(Object.keys(headerTheirs.epk!).sort()).toEqual([...epkKeys]);
      expect((headerOurs.epk as { crv?: string }).crv).toBe(curve);
      const [openedOurs, openedTheirs] = [await compactDecrypt(ours, pair.privateKey), await compactDecrypt(theirs, pair.privateKey)];
      expect(Buffer.from(openedOurs.plaintext).toString('utf8')).toBe(Buffer.from(openedTheirs.plaintext).toString('utf8'));
      expect((await jwtDecrypt(ours, pair.privateKey, { currentDate: new Date(NOW + 1000) })).payload).toEqual({
        ...claims,
        iat: NOW / 1000,
        exp: NOW / 1000 + 300,
      });
      // A wrapped 256-bit key (40 bytes), a 96-bit iv, a 128-bit tag, each way; a fresh ephemeral key each time.
      for (const jwe of [ours, theirs]) {
        const parts = partsOf(jwe);
        expect([parts.key.length, parts.iv.length, parts.tag.length]).toEqual([40, 12, 16]);
      }
      const again = await encryptedJwt(pair.publicKey, { alg: 'ECDH-ES+A256KW', kid: 'ec-1' }, claims, 300, NOW);
      expect((decodeProtectedHeader(again).epk as { x?: string }).x).not.toBe((headerOurs.epk as { x?: string }).x);
      // Another key of the curve opens neither.
      const other = curve === 'X25519' ? generateKeyPairSync('x25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
      await expect(compactDecrypt(ours, other.privateKey)).rejects.toThrow();
      await expect(compactDecrypt(theirs, other.privateKey)).rejects.toThrow();
    });
  }
});

describe('a recipient key’s thumbprint', () => {
  it('from a JWK’s own members is the one of the key read (its PEM) and jose’s, for EC, OKP and RSA', async () => {
    for (const pair of [ec, generateKeyPairSync('x25519'), rsa]) {
      const jwk = pair.publicKey.export({ format: 'jwk' });
      const pem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const fromMembers = recipientKey(jwk).thumbprint;
      expect(fromMembers).toBe(recipientKey(pem).thumbprint);
      expect(fromMembers).toBe(await calculateJwkThumbprint(jwk as never));
    }
  });
});

describe('the client’s one-use key', () => {
  it('is never exported from the just-generated KeyObject (on Node 20 such an export deadlocked the service under load)', () => {
    // Public keys' export (PublicKeyObject's own method).
    const exported = vi.spyOn(Object.getPrototypeOf(ec.publicKey) as { export: KeyObject['export'] }, 'export');
    try {
      const key = oneUseKey();
      expect(exported).not.toHaveBeenCalled();
      expect(key.publicJwk.x).toHaveLength(43);
    } finally {
      exported.mockRestore();
    }
  });
});

describe('the RSA JWE made here and jose’s', () => {
  for (const [bits, pair] of [
    [2048, rsa],
    [4096, rsa4096],
  ] as const) {
    it(`open alike with jose, field for field (RSA ${bits})`, async () => {
      const ours = await encryptedJwt(pair.publicKey, { alg: 'RSA-OAEP-256', kid: 'pairing-1' }, claims, 300, NOW);
      const theirs = await joseJwe(pair.publicKey, 'pairing-1');
      // The protected header: the same fields, the same bytes.
      expect(partsOf(ours).header).toBe(partsOf(theirs).header);
      expect(decodeProtectedHeader(ours)).toEqual({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'pairing-1' });
      // The same claims, byte for byte, opened by jose.
      const openedOurs = await compactDecrypt(ours, pair.privateKey);
      const openedTheirs = await compactDecrypt(theirs, pair.privateKey);
      expect(Buffer.from(openedOurs.plaintext).toString('utf8')).toBe(Buffer.from(openedTheirs.plaintext).toString('utf8'));
      expect(openedOurs.protectedHeader).toEqual(openedTheirs.protectedHeader);
      const jwt = await jwtDecrypt(ours, pair.privateKey, { currentDate: new Date(NOW + 1000) });
      expect(jwt.payload).toEqual({ ...claims, iat: NOW / 1000, exp: NOW / 1000 + 300 });
      // The same shapes: a wrapped key of the modulus' size, a 96-bit iv, a 128-bit tag.
      for (const jwe of [ours, theirs]) {
        const parts = partsOf(jwe);
        expect([parts.key.length, parts.iv.length, parts.tag.length]).toEqual([bits / 8, 12, 16]);
      }
      // Fresh randomness each time: never the same key, iv or ciphertext twice.
      const again = await encryptedJwt(pair.publicKey, { alg: 'RSA-OAEP-256', kid: 'pairing-1' }, claims, 300, NOW);
      expect(partsOf(again).iv.equals(partsOf(ours).iv)).toBe(false);
      expect(partsOf(again).ciphertext).not.toBe(partsOf(ours).ciphertext);
    });
  }

  it('are refused alike when the key is not the algorithm’s, and fail alike to open with another key', async () => {
    await expect(encryptedJwt(ec.publicKey, { alg: 'RSA-OAEP-256', kid: 'k' }, claims, 300, NOW)).rejects.toThrow();
    await expect(new CompactEncrypt(Buffer.from('x')).setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM' }).encrypt(ec.publicKey)).rejects.toThrow();
    const ours = await encryptedJwt(rsa.publicKey, { alg: 'RSA-OAEP-256', kid: 'k' }, claims, 300, NOW);
    const theirs = await joseJwe(rsa.publicKey, 'k');
    await expect(compactDecrypt(ours, rsa4096.privateKey)).rejects.toThrow();
    await expect(compactDecrypt(theirs, rsa4096.privateKey)).rejects.toThrow();
  });

  it('a key of another kind is refused by both ways: an EC key for RSA-OAEP-256, an RSA or P-384 key for ECDH-ES', async () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    await expect(encryptedJwt(rsa.publicKey, { alg: 'ECDH-ES+A256KW', kid: 'k' }, claims, 300, NOW)).rejects.toThrow();
    await expect(joseJwe(rsa.publicKey, 'k', 'ECDH-ES+A256KW')).rejects.toThrow();
    await expect(encryptedJwt(p384.publicKey, { alg: 'ECDH-ES+A256KW', kid: 'k' }, claims, 300, NOW)).rejects.toThrow();
  });
});

describe('the random bytes of a delivery (drawn from a pool)', () => {
  it('are fresh for every draw, through many refills of the pool, and each draw is a buffer of its own', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const bytes = pooledRandomBytes(i % 3 === 0 ? 12 : 32);
      expect(bytes.length).toBe(i % 3 === 0 ? 12 : 32);
      seen.add(bytes.toString('hex'));
    }
    // 3,000 draws, about 84 KB: twenty refills of the 4 KiB pool, no draw seen twice and none all zeros.
    expect(seen.size).toBe(3000);
    expect([...seen].some((hex) => /^0+$/.test(hex))).toBe(false);
    const first = pooledRandomBytes(32);
    const copy = Buffer.from(first);
    first.fill(0);
    expect(pooledRandomBytes(32).equals(copy)).toBe(false);
    expect(pooledRandomBytes(1024).length).toBe(1024);
  });
});
