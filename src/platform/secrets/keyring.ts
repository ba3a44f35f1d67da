/**
 * Sealing of secret key material: AES-256-GCM with a fresh 96-bit nonce per
 * seal, the full 16-byte tag, and associated data binding the ciphertext to
 * its credential, so a sealed value copied to another row does not open.
 *
 * Stored format: `v1:<keyId>:<nonce b64url>:<ciphertext+tag b64url>`.
 */
import { createCipheriv, createDecipheriv, createHmac, type Hmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, constants, fchmodSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBase62 } from '../../core/ids.js';
import { makeDirectories } from '../../infra/files.js';

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

export class KeyRing implements Sealer {
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

  /** The keys, for writing the key file back (operator commands only). */
  exportKeys(): Map<string, Buffer> {
    return new Map(this.#keys);
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

  /**
   * A keyed fingerprint of `data` (HMAC-SHA256 under a key derived from the
   * primary key), so equal requests can be recognised without storing them.
   */
  fingerprint(data: string): string {
    return `${this.primaryId}:${this.#mac(this.primaryId, data)}`;
  }

  /** True when `fingerprint` was made from `data` by a key of this ring. */
  matchesFingerprint(fingerprint: string, data: string): boolean {
    const [keyId, mac] = fingerprint.split(':');
    if (!keyId || !mac || !this.#keys.has(keyId)) return false;
    const expected = Buffer.from(this.#mac(keyId, data), 'hex');
    const actual = Buffer.from(mac, 'hex');
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }

  #mac(keyId: string, data: string): string {
    const key = Buffer.from(hkdfSync('sha256', this.#keys.get(keyId)!, Buffer.alloc(0), 'credentials-service request fingerprint', 32));
    return createHmac('sha256', key).update(data).digest('hex');
  }

  /**
   * An HMAC-SHA256 under a key derived from master key `keyId` (default: the primary one) for `purpose` alone (a
   * derived key never serves two purposes, nor is it the key that seals secrets); undefined when the ring lacks
   * that key.
   */
  hmac(purpose: string, keyId: string = this.primaryId): { keyId: string; hmac: Hmac } | undefined {
    const master = this.#keys.get(keyId);
    if (!master) return undefined;
    const key = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `credentials-service ${purpose}`, 32));
    return { keyId, hmac: createHmac('sha256', key) };
  }

  /** The id of the key that sealed `sealed`, without opening it. */
  static keyIdOf(sealed: string): string | undefined {
    return sealed.split(':')[1];
  }

  /** How every value sealed by `keyId` begins (stores count and select by it). */
  static sealedPrefix(keyId: string): string {
    return `${VERSION}:${keyId}:`;
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
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new Error(`Master key file ${path} cannot be read (${e.code === 'EACCES' || e.code === 'EPERM' ? 'permission denied' : (e.code ?? 'error')})`);
  }
  let content: KeyFileContent;
  try {
    content = JSON.parse(text) as KeyFileContent;
  } catch (error) {
    // The parser's message quotes the text around the fault: a key. Only the position is told.
    const position = / at position (\d+)/.exec((error as Error).message)?.[1];
    throw new Error(`Master key file ${path} is not valid JSON${position ? ` (at position ${position})` : ''}`);
  }
  if (typeof content !== 'object' || content === null || typeof content.keys !== 'object' || content.keys === null) {
    throw new Error(`Master key file ${path} must be {"primary": "<id>", "keys": {"<id>": "<base64 of 32 bytes>"}}`);
  }
  const keys = new Map(Object.entries(content.keys ?? {}).map(([id, b64]) => [id, Buffer.from(b64, 'base64')]));
  return new KeyRing(keys, content.primary);
}

/** `MASTER_KEYS`: `<id>:<base64 of 32 bytes>[,<id>:<base64>…]`, the first being the primary key. */
export function keyRingFromText(text: string): KeyRing {
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const [id, b64, ...rest] = entry.split(':');
      if (!id || !b64 || rest.length > 0) throw new Error('MASTER_KEYS must be <id>:<base64 key>[,<id>:<base64 key>…]');
      return [id, Buffer.from(b64, 'base64')] as const;
    });
  if (entries.length === 0) throw new Error('MASTER_KEYS is empty');
  return new KeyRing(new Map(entries), entries[0]![0]);
}

/** Seals and opens secrets; the credentials service sees only this. */
export interface Sealer {
  seal(plaintext: string, associatedData: string): string;
  open(sealed: string, associatedData: string): string;
  fingerprint(data: string): string;
  matchesFingerprint(fingerprint: string, data: string): boolean;
}

/**
 * The key ring of a running process. A key file is re-read when it changes
 * (checked at most once a second, and at once when a secret names a key not
 * yet known), so `keys add` and `keys rotate` take effect without a restart.
 */
export class KeyRingSource implements Sealer {
  #ring: KeyRing;
  #checkedAt = 0;
  #mtimeMs = 0;

  constructor(
    ring: KeyRing,
    private readonly file?: string,
  ) {
    this.#ring = ring;
    if (file) this.#mtimeMs = statSync(file).mtimeMs;
  }

  get ring(): KeyRing {
    const now = Date.now();
    if (this.file && now - this.#checkedAt > 1000) {
      this.#checkedAt = now;
      this.#reloadIfChanged();
    }
    return this.#ring;
  }

  seal(plaintext: string, associatedData: string): string {
    return this.ring.seal(plaintext, associatedData);
  }

  open(sealed: string, associatedData: string): string {
    const keyId = KeyRing.keyIdOf(sealed);
    if (keyId && !this.ring.keyIds.includes(keyId) && this.file) this.#reloadIfChanged(true);
    return this.#ring.open(sealed, associatedData);
  }

  fingerprint(data: string): string {
    return this.ring.fingerprint(data);
  }

  matchesFingerprint(fingerprint: string, data: string): boolean {
    return this.ring.matchesFingerprint(fingerprint, data);
  }

  /** Reads the key file again now: for the process that has just written it (its own change takes effect at once). */
  reload(): void {
    if (this.file) this.#reloadIfChanged(true);
  }

  #reloadIfChanged(force = false): void {
    const mtimeMs = statSync(this.file!).mtimeMs;
    if (!force && mtimeMs === this.#mtimeMs) return;
    this.#ring = keyRingFromFile(this.file!);
    this.#mtimeMs = mtimeMs;
  }
}

/**
 * Writes the key file, readable by its owner only. Written beside, then
 * renamed: a reader never sees half a key file. The file beside has a random
 * name and is created exclusively without following links (O_EXCL|O_NOFOLLOW),
 * so a file or link planted at a predictable name cannot catch the key; a
 * directory made for it is private (0700). With `create`, an existing file is
 * never replaced (a new key is made only where none is).
 */
export function writeKeyFile(path: string, ring: { primary: string; keys: Map<string, Buffer> }, { create = false } = {}): void {
  makeDirectories(dirname(path), 0o700);
  const content: KeyFileContent = {
    primary: ring.primary,
    keys: Object.fromEntries([...ring.keys].map(([id, key]) => [id, key.toString('base64')])),
  };
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(8).toString('hex')}.tmp`);
  const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = constants;
  const fd = openSync(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
  try {
    writeFileSync(fd, `${JSON.stringify(content, null, 2)}\n`);
    fchmodSync(fd, 0o600);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temporary, { force: true });
    throw error;
  }
  closeSync(fd);
  if (!create) {
    renameSync(temporary, path);
    return;
  }
  // A new key file never replaces one: linking fails if a file appeared at `path` meanwhile.
  try {
    linkSync(temporary, path);
  } finally {
    rmSync(temporary, { force: true });
  }
}
