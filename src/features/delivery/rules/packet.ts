/**
 * Wave's encrypted packet, version 1 (libseqera's EncryptedPacket), for `wave`
 * pairings only: `1\P\<base64 RSA-encrypted session key>\<base64 data>`. The
 * session key is 16 random bytes (AES-128) encrypted with the pairing's RSA
 * public key under PKCS #1 v1.5 padding (Java's "RSA"); the data is the UTF-8
 * plaintext under AES-128-ECB with PKCS #7 padding (Java's "AES"). It is weaker
 * than the JWE every other pairing gets — ECB, no integrity, PKCS #1 v1.5 — and
 * exists only because Wave reads nothing else (docs/api-rest.md says so).
 */
import { constants, createCipheriv, type KeyObject, publicEncrypt } from 'node:crypto';
import { pooledRandomBytes } from '../../../platform/secrets/random-pool.js';

export const PACKET_ALGORITHM = 'RSA1_5+A128ECB';

export function encryptedPacket(publicKey: KeyObject, plaintext: string): string {
  const sessionKey = pooledRandomBytes(16);
  try {
    const wrapped = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, sessionKey);
    const cipher = createCipheriv('aes-128-ecb', sessionKey, null);
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `1\\P\\${wrapped.toString('base64')}\\${data.toString('base64')}`;
  } finally {
    sessionKey.fill(0);
  }
}
