/** The one owner of pairing storage: the services that may receive secrets, and their public keys. */
import type { AuditActor } from '../../../core/caller.js';
import type { MaybePromise } from '../../../core/maybe.js';
import { type Database, isUniqueViolation } from '../../../platform/db/client.js';
import { dateOf, optionalDateOf, type PreparedStatements } from '../../../platform/db/prepared.js';
import type { NewPairing, PairingRecord } from '../model.js';
import type { PairingStore } from '../ports.js';

/** The record's columns (a delivery reads its pairing by a prepared statement: a hot read). */
const PAIRING_COLUMNS = [
  'id',
  'name',
  'algorithm',
  'publicKey',
  'fingerprint',
  'createdAt',
  'kind',
  'endpoint',
  'renewedAt',
  'lastUsedAt',
  'retiresAt',
] as const;
const FIND_SQL = `SELECT ${PAIRING_COLUMNS.map((c) => `"${c}"`).join(', ')} FROM "Pairing" WHERE "id" = ?`;
type PairingRow = { [K in (typeof PAIRING_COLUMNS)[number]]: unknown };
const recordOfRow = (row: PairingRow): PairingRecord => ({
  id: row.id as string,
  name: row.name as string,
  algorithm: row.algorithm as string,
  publicKey: row.publicKey as string,
  fingerprint: row.fingerprint as string,
  createdAt: dateOf(row.createdAt as string | Date),
  kind: row.kind as string,
  endpoint: row.endpoint as string | null,
  renewedAt: optionalDateOf(row.renewedAt as string | Date | null),
  lastUsedAt: optionalDateOf(row.lastUsedAt as string | Date | null),
  retiresAt: optionalDateOf(row.retiresAt as string | Date | null),
});

export class PrismaPairingStore implements PairingStore {
  constructor(
    private readonly db: Database,
    private readonly statements: PreparedStatements,
  ) {}

  /** 'duplicate': the name, or the key (by its fingerprint), is paired already; nothing stored. */
  async insert(pairing: NewPairing, by: AuditActor): Promise<PairingRecord | 'duplicate'> {
    try {
      return await this.db.pairing.create({ data: { ...pairing, createdBy: by.actor, createdVia: by.door }, omit: { createdBy: true, createdVia: true } });
    } catch (error) {
      if (isUniqueViolation(error)) return 'duplicate';
      throw error;
    }
  }

  find(id: string): MaybePromise<PairingRecord | null> {
    const row = this.statements.get<PairingRow>('pairing.find', FIND_SQL, [id]);
    return row instanceof Promise ? row.then((r) => (r ? recordOfRow(r) : null)) : row ? recordOfRow(row) : null;
  }

  list(): Promise<PairingRecord[]> {
    return this.db.pairing.findMany({ omit: { createdBy: true, createdVia: true }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  }

  /** Records a delivery to it. */
  async used(id: string, at: Date): Promise<void> {
    await this.db.pairing.updateMany({ where: { id }, data: { lastUsedAt: at } });
  }

  /** Records that Wave confirmed the pairing (the same pairingId and key). */
  async renewed(id: string, at: Date): Promise<void> {
    await this.db.pairing.updateMany({ where: { id }, data: { renewedAt: at } });
  }

  /** The current (not replaced) `wave` pairing with this Wave URL, if any. */
  findByEndpoint(endpoint: string): Promise<PairingRecord | null> {
    return this.db.pairing.findFirst({ where: { kind: 'wave', endpoint, retiresAt: null }, omit: { createdBy: true, createdVia: true } });
  }

  /** The current `wave` pairings last confirmed before `before` (or never). */
  dueForRenewal(before: Date): Promise<PairingRecord[]> {
    return this.db.pairing.findMany({
      where: { kind: 'wave', retiresAt: null, OR: [{ renewedAt: null }, { renewedAt: { lt: before } }] },
      omit: { createdBy: true, createdVia: true },
    });
  }

  /**
   * Wave answered a renewal with a new pairing: the old one is renamed and
   * retires at `retiresAt`, the new one takes its name — in one transaction.
   * False: the old one was replaced meanwhile (another instance), or the new one exists.
   */
  async replace(old: PairingRecord, next: NewPairing, retiresAt: Date, by: AuditActor): Promise<boolean> {
    try {
      return await this.db.$transaction(async (tx) => {
        const { count } = await tx.pairing.updateMany({
          where: { id: old.id, retiresAt: null },
          data: { retiresAt, name: `${old.name.slice(0, 28)} (replaced ${retiresAt.toISOString()})` },
        });
        if (count === 0) return false;
        await tx.pairing.create({ data: { ...next, createdBy: by.actor, createdVia: by.door } });
        return true;
      });
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  /** False: no such pairing. (Removals are the operator's: the trigger records them so.) */
  async remove(id: string): Promise<boolean> {
    const { count } = await this.db.pairing.deleteMany({ where: { id } });
    return count === 1;
  }
}
