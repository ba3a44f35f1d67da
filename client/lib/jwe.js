// @ts-check
/**
 * The client's key for one delivery, and the opening of what the service sends to it: an X25519 key pair made in
 * memory (never written anywhere), its public half as a JWK for the request, and the JWE (RFC 7516 compact
 * serialization, ECDH-ES+A256KW with A256GCM, RFC 7518 §4.6) opened with node:crypto alone — the Concat KDF, AES key
 * unwrap (RFC 3394) and AES-GCM with the protected header as additional data. The plaintext is a JWT's claims; one
 * whose `exp` has passed is refused.
 */
import { createDecipheriv, createHash, createPublicKey, diffieHellman, generateKeyPairSync } from 'node:crypto';

/** @typedef {{ publicJwk: { kty: string, crv: string, x: string }, thumbprint: string, open: (jwe: string, now?: number) => Record<string, any> }} OneUseKey */

/** A key pair for one delivery: its public JWK, its RFC 7638 thumbprint, and the opener of a JWE sent to it. */
export function oneUseKey() {
  // The public half comes out of the generation encoded (its 32 bytes end the SubjectPublicKeyInfo), never from
  // exporting the just-generated KeyObject (on Node 20 that export can deadlock when a garbage collection runs in it).
  const pair = generateKeyPairSync('x25519', { publicKeyEncoding: { type: 'spki', format: 'der' } });
  const privateKey = pair.privateKey;
  const spki = /** @type {Buffer} */ (/** @type {unknown} */ (pair.publicKey));
  const publicJwk = { kty: 'OKP', crv: 'X25519', x: spki.subarray(spki.length - 32).toString('base64url') };
  const thumbprint = createHash('sha256')
    .update(JSON.stringify({ crv: publicJwk.crv, kty: publicJwk.kty, x: publicJwk.x }))
    .digest('base64url');
  /** @type {OneUseKey} */
  const key = {
    publicJwk,
    thumbprint,
    open(jwe, now = Date.now()) {
      const parts = jwe.split('.');
      if (parts.length !== 5) throw new Error('the delivery is not a JWE (compact serialization)');
      const [encodedHeader, encryptedKey, iv, ciphertext, tag] = /** @type {[string, string, string, string, string]} */ (parts);
      /** @type {Record<string, any>} */
      let header;
      try {
        header = JSON.parse(Buffer.from(encodedHeader, 'base64url').toString('utf8'));
      } catch {
        throw new Error('the delivery’s header is not JSON');
      }
      if (header.alg !== 'ECDH-ES+A256KW' || header.enc !== 'A256GCM') {
        throw new Error(`the delivery is encrypted with ${String(header.alg)}/${String(header.enc)}, not ECDH-ES+A256KW/A256GCM`);
      }
      if (header.kid !== undefined && header.kid !== thumbprint) throw new Error('the delivery was encrypted to another key');
      const epk = header.epk;
      if (epk?.kty !== 'OKP' || epk.crv !== 'X25519' || typeof epk.x !== 'string') throw new Error('the delivery’s ephemeral key is not X25519');
      const shared = diffieHellman({ privateKey, publicKey: createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: epk.x }, format: 'jwk' }) });
      const kek = concatKdf(shared, 'ECDH-ES+A256KW', header.apu, header.apv);
      let contentKey;
      try {
        const unwrap = createDecipheriv('id-aes256-wrap', kek, Buffer.from('A6A6A6A6A6A6A6A6', 'hex'));
        contentKey = Buffer.concat([unwrap.update(Buffer.from(encryptedKey, 'base64url')), unwrap.final()]);
      } catch {
        throw new Error('the delivery cannot be opened with this key (its content key does not unwrap)');
      }
      let plaintext;
      try {
        const decipher = createDecipheriv('aes-256-gcm', contentKey, Buffer.from(iv, 'base64url'));
        decipher.setAAD(Buffer.from(encodedHeader, 'ascii'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        plaintext = Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
      } catch {
        throw new Error('the delivery was changed on its way (its authentication tag does not match)');
      } finally {
        contentKey.fill(0);
        kek.fill(0);
      }
      const claims = JSON.parse(plaintext.toString('utf8'));
      plaintext.fill(0);
      if (typeof claims.exp === 'number' && claims.exp * 1000 <= now) throw new Error('the delivery has expired');
      return claims;
    },
  };
  return key;
}

/**
 * RFC 7518 §4.6.2: the Concat KDF (NIST SP 800-56A) with SHA-256 for a 256-bit key: one round of
 * SHA-256(counter 1 ‖ Z ‖ AlgorithmID ‖ PartyUInfo ‖ PartyVInfo ‖ SuppPubInfo), each info prefixed by its length.
 * @param {Buffer} shared @param {string} algorithm @param {unknown} apu @param {unknown} apv
 */
export function concatKdf(shared, algorithm, apu, apv) {
  const lengthPrefixed = (/** @type {Buffer} */ data) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    return Buffer.concat([length, data]);
  };
  const info = (/** @type {unknown} */ value) => (typeof value === 'string' ? Buffer.from(value, 'base64url') : Buffer.alloc(0));
  const keyBits = Buffer.alloc(4);
  keyBits.writeUInt32BE(256);
  const counter = Buffer.from([0, 0, 0, 1]);
  return createHash('sha256')
    .update(Buffer.concat([counter, shared, lengthPrefixed(Buffer.from(algorithm, 'ascii')), lengthPrefixed(info(apu)), lengthPrefixed(info(apv)), keyBits]))
    .digest();
}
