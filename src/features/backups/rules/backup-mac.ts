/**
 * A backup's seal of authenticity: an HMAC-SHA256 over the whole file, keyed
 * from the master keys (a key derived for backups alone), kept beside the file
 * as `<file>.mac`. Whoever changes a byte of the backup — a raised role, a
 * planted token hash, a rewritten webhook URL — cannot make a MAC that
 * verifies without the master key; a backup without its MAC is unverified.
 */
import { timingSafeEqual } from 'node:crypto';
import type { KeyRing } from '../../../platform/secrets/keyring.js';

const FORMAT = 'credentials-service backup mac 1';
const PURPOSE = 'backup file mac';

/** What `<file>.mac` holds. */
export interface BackupMac {
  format: typeof FORMAT;
  /** The master key the MAC's key is derived from. */
  keyId: string;
  /** The file's size, in bytes. */
  bytes: number;
  /** HMAC-SHA256 of the file's bytes, hex. */
  hmacSha256: string;
}

/** Whether the backup is the one the service wrote: `ok`, or what failed. */
export type MacCheck = 'ok' | 'missing' | 'unreadable' | 'unknown key' | 'mismatch';

/** The MAC of a file's bytes (read in chunks) under the ring's primary key. */
export async function macOf(chunks: AsyncIterable<Buffer>, ring: KeyRing): Promise<BackupMac> {
  const { keyId, hmac } = ring.hmac(PURPOSE)!;
  let bytes = 0;
  for await (const chunk of chunks) {
    hmac.update(chunk);
    bytes += chunk.length;
  }
  return { format: FORMAT, keyId, bytes, hmacSha256: hmac.digest('hex') };
}

/** Checks a file's bytes against its MAC (`text`: the content of `<file>.mac`, undefined when there is none). */
export async function checkMac(chunks: AsyncIterable<Buffer>, text: string | undefined, ring: KeyRing): Promise<MacCheck> {
  if (text === undefined) return 'missing';
  let mac: BackupMac;
  try {
    mac = JSON.parse(text) as BackupMac;
    if (mac.format !== FORMAT || typeof mac.keyId !== 'string' || !/^[0-9a-f]{64}$/.test(mac.hmacSha256)) return 'unreadable';
  } catch {
    return 'unreadable';
  }
  const keyed = ring.hmac(PURPOSE, mac.keyId);
  if (!keyed) return 'unknown key';
  for await (const chunk of chunks) keyed.hmac.update(chunk);
  const actual = keyed.hmac.digest();
  return timingSafeEqual(actual, Buffer.from(mac.hmacSha256, 'hex')) ? 'ok' : 'mismatch';
}

/** Says what a failed check means, for the operator. */
export function macProblem(check: MacCheck, macFile: string): string {
  switch (check) {
    case 'missing':
      return `no MAC beside it (${macFile}): it cannot be shown to be the backup the service wrote`;
    case 'unreadable':
      return `its MAC (${macFile}) is not one the service writes`;
    case 'unknown key':
      return `its MAC (${macFile}) was made with a master key these keys do not hold`;
    case 'mismatch':
      return 'its content is not what the service wrote (the MAC does not match): it was changed or damaged';
    default:
      return 'ok';
  }
}
