/**
 * When a credential expires. A user may set a date (`expiresAt`, on both
 * doors); the material may say one itself: an X.509 certificate in any key
 * field (`notAfter`; the earliest of a chain), an OpenSSH certificate
 * (`valid before`), or the provider's answer to a validation (GitHub's
 * `github-authentication-token-expiration`). The earlier of the user's and the
 * derived date wins, and its source is kept with it.
 */
import { X509Certificate } from 'node:crypto';
import type { KeyValues } from './fields.js';

/** Where a credential's expiry comes from: the user's date, and the one its material says. */
export interface ExpiryColumns {
  userExpiresAt: Date | null;
  derivedExpiresAt: Date | null;
  derivedExpirySource: string | null;
  /** The earlier of the two, and its source (`user` or the derived source). */
  expiresAt: Date | null;
  expiresAtSource: string | null;
}

/** Where an expiry date comes from. */
export type ExpirySource = 'user' | 'certificate' | 'ssh-certificate' | 'provider';

export interface DerivedExpiry {
  at: Date;
  source: Exclude<ExpirySource, 'user'>;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+?-----END CERTIFICATE-----/g;
/** An OpenSSH certificate as its public-key line writes it: `<type>-cert-v01@openssh.com <base64> [comment]`. */
const SSH_CERTIFICATE =
  /\b((?:ssh-rsa|ssh-dss|ssh-ed25519|ecdsa-sha2-nistp(?:256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com)-cert-v01@openssh\.com)\s+([A-Za-z0-9+/]+=*)/g;
/** Certificates looked at in one credential (a chain is a few; a field holds at most LIMITS.keyField characters anyway). */
const MAX_CERTIFICATES = 16;

/** The earliest expiry the key material states, if it states one. */
export function expiryOfMaterial(keys: KeyValues): DerivedExpiry | null {
  let earliest: DerivedExpiry | null = null;
  const consider = (at: Date | null, source: DerivedExpiry['source']) => {
    if (at && !Number.isNaN(at.getTime()) && (!earliest || at < earliest.at)) earliest = { at, source };
  };
  let seen = 0;
  for (const value of Object.values(keys)) {
    if (typeof value !== 'string') continue;
    for (const match of value.matchAll(PEM_CERTIFICATE)) {
      if (++seen > MAX_CERTIFICATES) break;
      consider(certificateNotAfter(match[0]), 'certificate');
    }
    for (const match of value.matchAll(SSH_CERTIFICATE)) {
      if (++seen > MAX_CERTIFICATES) break;
      consider(sshCertificateValidBefore(match[1]!, match[2]!), 'ssh-certificate');
    }
  }
  return earliest;
}

function certificateNotAfter(pem: string): Date | null {
  try {
    return new Date(new X509Certificate(pem).validTo);
  } catch {
    return null; // not a certificate Node reads: it states nothing
  }
}

/** Length-prefixed strings the public key of each certificate type holds before the serial (PROTOCOL.certkeys). */
const KEY_PARTS: Record<string, number> = {
  'ssh-rsa': 2,
  'ssh-dss': 4,
  'ssh-ed25519': 1,
  'ecdsa-sha2-nistp256': 2,
  'ecdsa-sha2-nistp384': 2,
  'ecdsa-sha2-nistp521': 2,
  'sk-ssh-ed25519@openssh.com': 2,
  'sk-ecdsa-sha2-nistp256@openssh.com': 3,
};

/** An OpenSSH certificate's `valid before` (null: malformed, or valid forever). */
export function sshCertificateValidBefore(type: string, base64: string): Date | null {
  const blob = Buffer.from(base64, 'base64');
  let at = 0;
  const string = (): Buffer => {
    if (at + 4 > blob.length) throw new RangeError('truncated');
    const length = blob.readUInt32BE(at);
    if (at + 4 + length > blob.length) throw new RangeError('truncated');
    const value = blob.subarray(at + 4, at + 4 + length);
    at += 4 + length;
    return value;
  };
  const uint64 = (): bigint => {
    if (at + 8 > blob.length) throw new RangeError('truncated');
    const value = blob.readBigUInt64BE(at);
    at += 8;
    return value;
  };
  try {
    if (string().toString('latin1') !== type) return null;
    string(); // nonce
    const base = type.replace('-cert-v01@openssh.com', '');
    for (let i = 0; i < (KEY_PARTS[base] ?? Number.NaN); i++) string();
    uint64(); // serial
    at += 4; // type (user or host)
    string(); // key id
    string(); // valid principals
    uint64(); // valid after
    const before = uint64();
    // 0xffffffffffffffff: valid forever. Seconds since the epoch otherwise.
    if (before >= 0xffffffffffffffffn || before > BigInt(8_640_000_000_000)) return null;
    return new Date(Number(before) * 1000);
  } catch {
    return null;
  }
}

/** GitHub's answer header `github-authentication-token-expiration` (`2026-12-31 00:00:00 UTC`, or with an offset). */
export function githubTokenExpiration(header: string | undefined): Date | null {
  if (!header) return null;
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) ?(UTC|[+-]\d{2}:?\d{2})?$/.exec(header.trim().slice(0, 40));
  if (!match) return null;
  const zone = !match[3] || match[3] === 'UTC' ? 'Z' : match[3].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
  const at = new Date(`${match[1]}T${match[2]}${zone}`);
  return Number.isNaN(at.getTime()) ? null : at;
}

/** The stored expiry columns: the user's date, the derived one, and the earlier of the two with its source. */
export function expiryColumns(user: Date | null, derived: DerivedExpiry | null): ExpiryColumns {
  const userWins = user !== null && (derived === null || user <= derived.at);
  return {
    userExpiresAt: user,
    derivedExpiresAt: derived?.at ?? null,
    derivedExpirySource: derived?.source ?? null,
    expiresAt: userWins ? user : (derived?.at ?? null),
    expiresAtSource: userWins ? 'user' : (derived?.source ?? null),
  };
}

/** The derived expiry as stored. */
export const storedDerived = (c: { derivedExpiresAt: Date | null; derivedExpirySource: string | null }): DerivedExpiry | null =>
  c.derivedExpiresAt && c.derivedExpirySource ? { at: c.derivedExpiresAt, source: c.derivedExpirySource as DerivedExpiry['source'] } : null;
