/**
 * The master keys as an operator manages them: which there are and how many
 * secrets each seals, a first key file, a new primary key, the removal of one
 * no secret needs any more. The rules live here: keys from MASTER_KEYS are
 * edited where they are set, not here; a key file is created only where none
 * is; the primary key, and a key that still seals a secret, are never removed.
 * (Re-sealing every secret under the primary key: rotation.ts.)
 */
import { existsSync } from 'node:fs';
import { generateKey, type KeyRingSource, writeKeyFile } from '../../../platform/secrets/keyring.js';
import { KeysFromEnvironment, MasterKeyInUse, MasterKeyNotFound } from '../errors.js';
import type { KeyRotation } from './rotation.js';

/** Where the keys come from: MASTER_KEYS (set in the environment) or a key file. */
export interface KeySource {
  /** The key file (MASTER_KEY_FILE or its default). */
  file: string;
  /** True when MASTER_KEYS is set: the keys are edited where it is set, and the file is not used. */
  fromEnvironment: boolean;
}

export interface MasterKeyInfo {
  id: string;
  primary: boolean;
  /** Sealing secrets, but not in the ring: those secrets cannot be opened. */
  missing: boolean;
  seals: number;
}

export class MasterKeys {
  constructor(
    private readonly source: KeySource,
    private readonly keys: KeyRingSource,
    private readonly rotation: KeyRotation,
  ) {}

  /** Every key of the ring, and any key id stored secrets name that the ring lacks, with the secrets each seals. */
  async list(): Promise<MasterKeyInfo[]> {
    const ring = this.keys.ring;
    const usage = await this.rotation.usage();
    return [
      ...ring.keyIds.map((id) => ({ id, primary: id === ring.primaryId, missing: false, seals: usage.get(id) ?? 0 })),
      ...[...usage].filter(([id]) => !ring.keyIds.includes(id)).map(([id, seals]) => ({ id, primary: false, missing: true, seals })),
    ];
  }

  /** Adds a key and makes it the primary one (this process at once, other running servers within a second); its id. */
  add(): string {
    if (this.source.fromEnvironment) throw new KeysFromEnvironment('add a key');
    const keys = this.keys.ring.exportKeys();
    const { id, key } = generateKey();
    keys.set(id, key);
    writeKeyFile(this.source.file, { primary: id, keys });
    this.keys.reload();
    return id;
  }

  /** Removes a key no secret needs: not the primary one, and sealing nothing. */
  async remove(keyId: string): Promise<void> {
    if (this.source.fromEnvironment) throw new KeysFromEnvironment('remove a key');
    const ring = this.keys.ring;
    if (!ring.keyIds.includes(keyId)) throw new MasterKeyNotFound(keyId, this.source.file);
    if (keyId === ring.primaryId) throw new MasterKeyInUse(`key ${keyId} is the primary key; add another first (keys add)`);
    const inUse = (await this.rotation.usage()).get(keyId) ?? 0;
    if (inUse > 0) throw new MasterKeyInUse(`key ${keyId} still seals ${inUse} secrets; run \`keys rotate\` first`);
    const keys = ring.exportKeys();
    keys.delete(keyId);
    writeKeyFile(this.source.file, { primary: ring.primaryId, keys });
    this.keys.reload();
  }
}

/**
 * A first key file, before any service runs (production needs one made ahead):
 * its primary key's id, or undefined when the file exists already (nothing changed).
 */
export function initKeyFile(source: KeySource): string | undefined {
  if (source.fromEnvironment) throw new KeysFromEnvironment('create keys');
  if (existsSync(source.file)) return undefined;
  const { id, key } = generateKey();
  writeKeyFile(source.file, { primary: id, keys: new Map([[id, key]]) }, { create: true });
  return id;
}
