/**
 * Sealing of secret key material: AES-256-GCM with a fresh 96-bit nonce per
 * seal, the full 16-byte tag, and associated data binding the ciphertext to
 * its credential, so a sealed value copied to another row does not open.
 *
 * Stored format: `v1:<keyId>:<nonce b64url>:<ciphertext+tag b64url>`.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBase62 } from '../credentials/ids.js';

const VERSION = 'v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

export class SecretUnreadable extends Error {
  constructor(reason: string) {
    super(`Sealed secret cannot be opened: ${reason}`);
    this.name = 'SecretUnreadable';
  }
}

export class KeyRing {
  readonly #keys: ReadonlyMap<string, Buffer>;

  constructor(
    keys: ReadonlyMap<string, Buffer>,
    readonly primaryId: string,
  ) {
    for (const [id, key] of keys) {
      if (!KEY_ID.test(id)) throw new Error(`Invalid master key id '${id}'`);
      if (key.length !== KEY_BYTES) throw new Error(`Master key '${id}' must be ${KEY_BYTES} bytes`);
    }
    if (!keys.has(primaryId)) throw new Error(`Primary master key '${primaryId}' is not in the key ring`);
    this.#keys = keys;
  }

  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  seal(plaintext: string, associatedData: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#keys.get(this.primaryId)!, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${VERSION}:${this.primaryId}:${nonce.toString('base64url')}:${body.toString('base64url')}`;
  }

  open(sealed: string, associatedData: string): string {
    const parts = sealed.split(':');
    if (parts.length !== 4 || parts[0] !== VERSION) throw new SecretUnreadable('unknown format');
    const [, keyId, nonceText, bodyText] = parts as [string, string, string, string];
    const key = this.#keys.get(keyId);
    if (!key) throw new SecretUnreadable(`master key '${keyId}' is not configured`);
    const nonce = Buffer.from(nonceText, 'base64url');
    const body = Buffer.from(bodyText, 'base64url');
    if (nonce.length !== NONCE_BYTES || body.length < TAG_BYTES) throw new SecretUnreadable('truncated');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(associatedData, 'utf8'));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretUnreadable('authentication failed');
    }
  }

  /** The id of the key that sealed `sealed`, without opening it. */
  static keyIdOf(sealed: string): string | undefined {
    return sealed.split(':')[1];
  }
}

interface KeyFileContent {
  primary: string;
  keys: Record<string, string>;
}

export function generateKey(): { id: string; key: Buffer } {
  return { id: `k${randomBase62(8)}`, key: randomBytes(KEY_BYTES) };
}

export function keyRingFromFile(path: string): KeyRing {
  const content = JSON.parse(readFileSync(path, 'utf8')) as KeyFileContent;
  const keys = new Map(Object.entries(content.keys ?? {}).map(([id, b64]) => [id, Buffer.from(b64, 'base64')]));
  return new KeyRing(keys, content.primary);
}

export function writeKeyFile(path: string, ring: { primary: string; keys: Map<string, Buffer> }): void {
  mkdirSync(dirname(path), { recursive: true });
  const content: KeyFileContent = {
    primary: ring.primary,
    keys: Object.fromEntries([...ring.keys].map(([id, key]) => [id, key.toString('base64')])),
  };
  writeFileSync(path, JSON.stringify(content, null, 2) + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
}

/**
 * Loads the key ring from `path`, creating a new file with one fresh key when
 * none exists and `createIfMissing` allows it. Returns whether it was created.
 */
export function loadOrCreateKeyRing(path: string, createIfMissing: boolean): { ring: KeyRing; created: boolean } {
  if (existsSync(path)) return { ring: keyRingFromFile(path), created: false };
  if (!createIfMissing) throw new Error(`Master key file ${path} does not exist`);
  const { id, key } = generateKey();
  writeKeyFile(path, { primary: id, keys: new Map([[id, key]]) });
  return { ring: keyRingFromFile(path), created: true };
}
