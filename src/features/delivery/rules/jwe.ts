/**
 * A delivery's JWE (RFC 7516, compact serialization) of a JWT's claims
 * (RFC 7519: `iat`, `exp` added), `enc` A256GCM. For an RSA pairing
 * (RSA-OAEP-256) it is made here from node:crypto's primitives: a random
 * 256-bit content key wrapped by RSA-OAEP with SHA-256, the claims under
 * AES-256-GCM with the protected header's encoding as additional data — what
 * `jose` does, without its WebCrypto round trips (a tenth of the CPU: 0.08 ms
 * against 0.8 ms a delivery here). ECDH-ES+A256KW (an EC pairing) stays with `jose`.
 */
import { constants, createCipheriv, type KeyObject, publicEncrypt, randomBytes } from 'node:crypto';

export async function encryptedJwt(
  publicKey: KeyObject,
  header: { alg: string; kid: string },
  claims: Record<string, unknown>,
  lifetimeSeconds: number,
  now = Date.now(),
): Promise<string> {
  const iat = Math.floor(now / 1000);
  const payload = { ...claims, iat, exp: iat + lifetimeSeconds };
  const protectedHeader = { alg: header.alg, enc: 'A256GCM', kid: header.kid };
  if (header.alg !== 'RSA-OAEP-256') {
    // jose is loaded on the first such delivery (a service without EC pairings never needs it).
    const { EncryptJWT } = await import('jose');
    return new EncryptJWT(payload).setProtectedHeader(protectedHeader).encrypt(publicKey);
  }
  const encodedHeader = Buffer.from(JSON.stringify(protectedHeader)).toString('base64url');
  const contentKey = randomBytes(32);
  try {
    const encryptedKey = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, contentKey);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', contentKey, iv);
    cipher.setAAD(Buffer.from(encodedHeader, 'ascii'));
    const ciphertext = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
    return [
      encodedHeader,
      encryptedKey.toString('base64url'),
      iv.toString('base64url'),
      ciphertext.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
    ].join('.');
  } finally {
    contentKey.fill(0);
  }
}
