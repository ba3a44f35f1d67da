/**
 * A delivery's JWE (RFC 7516, compact serialization) of a JWT's claims (RFC 7519: `iat`, `exp` added), `enc`
 * A256GCM, made from node:crypto's primitives — what `jose` does, without its WebCrypto round trips (a tenth of the
 * CPU: 0.08 ms against 0.8 ms an RSA delivery here; ECDH-ES likewise). test/fast/jwe-parity.test.ts proves jose
 * opens both ways alike, and refuses alike.
 *
 * - RSA-OAEP-256 (an RSA key): a random 256-bit content key wrapped by RSA-OAEP with SHA-256.
 * - ECDH-ES+A256KW (an EC P-256 or X25519 key, RFC 7518 §4.6): an ephemeral key pair of the recipient's curve, its
 *   public half in the header (`epk`); the shared secret through the Concat KDF (SHA-256, no PartyUInfo/PartyVInfo)
 *   to a 256-bit key that wraps (AES Key Wrap, RFC 3394) a random content key.
 *
 * Then the claims under AES-256-GCM with the protected header's encoding as additional data.
 */
import {
  constants,
  createCipheriv,
  createECDH,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
  publicEncrypt,
} from 'node:crypto';
import { pooledRandomBytes } from '../../../platform/secrets/random-pool.js';

/** AES Key Wrap's default initial value (RFC 3394 §2.2.3.1). */
const KEY_WRAP_IV = Buffer.from('A6A6A6A6A6A6A6A6', 'hex');

export async function encryptedJwt(
  publicKey: KeyObject,
  header: { alg: string; kid: string },
  claims: Record<string, unknown>,
  lifetimeSeconds: number,
  now = Date.now(),
): Promise<string> {
  const iat = Math.floor(now / 1000);
  const payload = { ...claims, iat, exp: iat + lifetimeSeconds };
  const contentKey = pooledRandomBytes(32);
  try {
    let protectedHeader: Record<string, unknown>;
    let encryptedKey: Buffer;
    if (header.alg === 'RSA-OAEP-256') {
      if (publicKey.asymmetricKeyType !== 'rsa') throw new TypeError('RSA-OAEP-256 needs an RSA public key');
      protectedHeader = { alg: header.alg, enc: 'A256GCM', kid: header.kid };
      encryptedKey = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, contentKey);
    } else if (header.alg === 'ECDH-ES+A256KW') {
      const { epk, kek } = agreedKey(publicKey, header.alg);
      try {
        protectedHeader = { alg: header.alg, enc: 'A256GCM', kid: header.kid, epk };
        const wrap = createCipheriv('id-aes256-wrap', kek, KEY_WRAP_IV);
        encryptedKey = Buffer.concat([wrap.update(contentKey), wrap.final()]);
      } finally {
        kek.fill(0);
      }
    } else {
      throw new TypeError(`unsupported key management algorithm ${header.alg}`);
    }
    const encodedHeader = Buffer.from(JSON.stringify(protectedHeader)).toString('base64url');
    const iv = pooledRandomBytes(12);
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

/**
 * An ephemeral key pair of the recipient's curve: its public JWK (the header's `epk`) and the key-encryption key
 * agreed.
 *
 * - X25519 on Node 20: never from `generateKeyPairSync` and a KeyObject export: there, exporting a just-generated key
 *   can deadlock the process when a garbage collection inside the export frees the generating job, which shares the
 *   key's mutex (seen under load: the event loop stopped for good in `ExportJWKEdKey` ← `~KeyGenJob`). So 32 random
 *   bytes (any is a private key: X25519 clamps them) imported as a private JWK, whose `x` Node 20 derives again from
 *   `d` (a placeholder is given), its public half derived and exported — keys no job ever held.
 * - X25519 on Node 22 and later, which refuse a private JWK whose `x` is not `d`'s (and export without that
 *   deadlock: 60 s of the bench's load ran clean on Node 24): a generated pair, its public half exported.
 * - P-256: node's ECDH (no KeyObject at all), with the recipient's point.
 *
 * Which X25519 way is decided once, by whether this Node takes the placeholder (X25519_FROM_RANDOM_BYTES); the
 * parity tests run on both runtimes in CI.
 */
function agreedKey(recipient: KeyObject, algorithm: string): { epk: Record<string, string>; kek: Buffer } {
  let epk: Record<string, string>;
  let shared: Buffer;
  if (recipient.asymmetricKeyType === 'x25519') {
    let privateKey: KeyObject;
    let publicKey: KeyObject;
    if (X25519_FROM_RANDOM_BYTES) {
      const d = pooledRandomBytes(32);
      privateKey = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: d.toString('base64url'), x: PLACEHOLDER_X }, format: 'jwk' });
      d.fill(0);
      publicKey = createPublicKey(privateKey);
    } else {
      ({ privateKey, publicKey } = generateKeyPairSync('x25519'));
    }
    epk = { kty: 'OKP', crv: 'X25519', x: (publicKey.export({ format: 'jwk' }) as { x: string }).x };
    shared = diffieHellman({ privateKey, publicKey: recipient });
  } else if (recipient.asymmetricKeyType === 'ec' && recipient.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    const ecdh = createECDH('prime256v1');
    const point = ecdh.generateKeys();
    epk = { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') };
    shared = ecdh.computeSecret(pointOf(recipient));
  } else {
    throw new TypeError('ECDH-ES needs an EC P-256 or X25519 public key');
  }
  try {
    return { epk, kek: concatKdf(shared, algorithm) };
  } finally {
    shared.fill(0);
  }
}

/** A stand-in for a private X25519 JWK's required `x` (Node 20 derives the public key from `d`). */
const PLACEHOLDER_X = 'A'.repeat(43);

/** Whether this Node imports a private X25519 JWK with a placeholder `x` (Node 20: yes; 22 and later: no). */
const X25519_FROM_RANDOM_BYTES = (() => {
  try {
    createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: 'B'.repeat(43), x: PLACEHOLDER_X }, format: 'jwk' });
    return true;
  } catch {
    return false;
  }
})();

/** A P-256 public key's uncompressed point (04 ‖ x ‖ y), kept per key (a pairing's key serves many deliveries). */
const points = new WeakMap<KeyObject, Buffer>();
function pointOf(key: KeyObject): Buffer {
  let point = points.get(key);
  if (!point) {
    const jwk = key.export({ format: 'jwk' }) as { x: string; y: string };
    point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')]);
    points.set(key, point);
  }
  return point;
}

/** RFC 7518 §4.6.2: the Concat KDF with SHA-256, one round for a 256-bit key; PartyUInfo and PartyVInfo empty. */
function concatKdf(shared: Buffer, algorithm: string): Buffer {
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const id = Buffer.from(algorithm, 'ascii');
  return createHash('sha256')
    .update(Buffer.concat([u32(1), shared, u32(id.length), id, u32(0), u32(0), u32(256)]))
    .digest();
}
