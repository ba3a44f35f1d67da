/**
 * The key a caller sends for a delivery to itself: a public JWK (an object, or its JSON text) or a PEM public key.
 * Bounded before it is parsed, refused when it holds a private part (the private key stays with the caller), when it
 * cannot be read, or when key-algorithm.ts refuses its type or size. Its RFC 7638 thumbprint (SHA-256, base64url)
 * names it in the JWE's `kid` and in the audit trail.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { UnsupportedPairingKey } from '../errors.js';
import { algorithmFor, type KeyAlgorithm } from './key-algorithm.js';

/** A recipient key's text (JWK JSON or PEM) is at most this long: an 8192-bit RSA JWK is about 1.5 KiB. */
export const MAX_RECIPIENT_KEY_CHARS = 4096;
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

export interface RecipientKey {
  key: KeyObject;
  algorithm: KeyAlgorithm;
  /** RFC 7638: SHA-256 of the key's required members, base64url. */
  thumbprint: string;
}

/** The recipient key of a delivery request, or UnsupportedPairingKey saying what is wrong with it. */
export function recipientKey(raw: unknown): RecipientKey {
  let key: KeyObject;
  let jwkMembers: Record<string, unknown> | undefined;
  const text = typeof raw === 'string' ? raw : raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? JSON.stringify(raw) : undefined;
  if (text === undefined) throw new UnsupportedPairingKey('recipient: expected a public JWK (an object) or a PEM public key');
  if (text.length > MAX_RECIPIENT_KEY_CHARS) throw new UnsupportedPairingKey(`recipient: at most ${MAX_RECIPIENT_KEY_CHARS} characters`);
  const pem = text.trimStart().startsWith('-----');
  if (pem) {
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) throw new UnsupportedPairingKey('recipient: this is a private key; send the public key only');
    try {
      key = createPublicKey(text);
    } catch {
      throw new UnsupportedPairingKey('recipient: the PEM public key cannot be read (expected -----BEGIN PUBLIC KEY-----)');
    }
  } else {
    let jwk: unknown;
    try {
      jwk = JSON.parse(text);
    } catch {
      throw new UnsupportedPairingKey('recipient: not JSON (expected a public JWK or a PEM public key)');
    }
    if (jwk === null || typeof jwk !== 'object' || Array.isArray(jwk)) throw new UnsupportedPairingKey('recipient: expected a public JWK (an object)');
    const members = jwk as Record<string, unknown>;
    jwkMembers = members;
    if (PRIVATE_JWK_MEMBERS.some((m) => m in members)) {
      throw new UnsupportedPairingKey('recipient: the JWK holds a private or symmetric key; send the public key only');
    }
    try {
      key = createPublicKey({ key: members as never, format: 'jwk' });
    } catch {
      throw new UnsupportedPairingKey('recipient: the JWK cannot be read as a public key (kty EC with crv P-256, OKP with crv X25519, or RSA)');
    }
  }
  if (key.type !== 'public') throw new UnsupportedPairingKey('recipient: expected a public key');
  const algorithm = algorithmFor(key, { x25519: true });
  return { key, algorithm, thumbprint: (jwkMembers && thumbprintOfMembers(jwkMembers)) ?? thumbprintOf(key) };
}

/** RFC 7638's thumbprint from a JWK's own required members, as sent (the key read from them already), or undefined. */
function thumbprintOfMembers(jwk: Record<string, unknown>): string | undefined {
  const names = jwk.kty === 'RSA' ? ['e', 'kty', 'n'] : jwk.kty === 'EC' ? ['crv', 'kty', 'x', 'y'] : jwk.kty === 'OKP' ? ['crv', 'kty', 'x'] : undefined;
  if (!names?.every((name) => typeof jwk[name] === 'string')) return undefined;
  return createHash('sha256')
    .update(JSON.stringify(Object.fromEntries(names.map((name) => [name, jwk[name]]))))
    .digest('base64url');
}

/** RFC 7638's JWK thumbprint (SHA-256) of a public key. */
export function thumbprintOf(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' }) as Record<string, string>;
  const required =
    jwk.kty === 'RSA'
      ? { e: jwk.e, kty: jwk.kty, n: jwk.n }
      : jwk.kty === 'EC'
        ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
        : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return createHash('sha256').update(JSON.stringify(required)).digest('base64url');
}
