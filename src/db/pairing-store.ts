/** The one owner of pairing storage: the services that may receive secrets, and their public keys. */
import type { AuditActor } from '../core/caller.js';
import { type Database, isUniqueViolation } from './client.js';

export interface PairingRecord {
  id: string;
  name: string;
  algorithm: string;
  publicKey: string;
  fingerprint: string;
  createdAt: Date;
}

export class PairingStore {
  constructor(private readonly db: Database) {}

  /** 'duplicate': the name, or the key (by its fingerprint), is paired already; nothing stored. */
  async insert(pairing: Omit<PairingRecord, 'createdAt'>, by: AuditActor): Promise<PairingRecord | 'duplicate'> {
    try {
      return await this.db.pairing.create({ data: { ...pairing, createdBy: by.actor, createdVia: by.door }, omit: { createdBy: true, createdVia: true } });
    } catch (error) {
      if (isUniqueViolation(error)) return 'duplicate';
      throw error;
    }
  }

  find(id: string): Promise<PairingRecord | null> {
    return this.db.pairing.findUnique({ where: { id }, omit: { createdBy: true, createdVia: true } });
  }

  list(): Promise<PairingRecord[]> {
    return this.db.pairing.findMany({ omit: { createdBy: true, createdVia: true }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  }

  /** False: no such pairing. (Removals are the operator's: the trigger records them so.) */
  async remove(id: string): Promise<boolean> {
    const { count } = await this.db.pairing.deleteMany({ where: { id } });
    return count === 1;
  }
}
