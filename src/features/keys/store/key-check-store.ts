/** The one owner of the key check (the KeyCheck model): a known text sealed by the master keys, proof they open this database's secrets. */
import { type Database, isUniqueViolation } from '../../../platform/db/client.js';
import type { KeyCheckRecord } from '../model.js';
import type { KeyCheckStore } from '../ports.js';

export class PrismaKeyCheckStore implements KeyCheckStore {
  constructor(private readonly db: Database) {}

  find(id: string): Promise<KeyCheckRecord | null> {
    return this.db.keyCheck.findUnique({ where: { id }, select: { id: true, sealed: true } });
  }

  /** Writes the check unless one is there (another instance starting at the same time wrote it first: theirs stays). */
  async createIfAbsent(id: string, sealed: string, at: Date): Promise<void> {
    try {
      await this.db.keyCheck.create({ data: { id, sealed, createdAt: at }, select: { id: true } });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
  }

  count(): Promise<number> {
    return this.db.keyCheck.count();
  }

  // ---- Key rotation (as every sealed row) ----

  async secretsNotStartingWith(prefixes: readonly string[]): Promise<{ id: string; secret: string }[]> {
    const rows = await this.db.keyCheck.findMany({ where: { NOT: prefixes.map((p) => ({ sealed: { startsWith: p } })) }, select: { id: true, sealed: true } });
    return rows.map((r) => ({ id: r.id, secret: r.sealed }));
  }

  countSecretsStartingWith(prefix: string): Promise<number> {
    return this.db.keyCheck.count({ where: { sealed: { startsWith: prefix } } });
  }

  async replaceSecret(id: string, expected: string, sealed: string): Promise<boolean> {
    return (await this.db.keyCheck.updateMany({ where: { id, sealed: expected }, data: { sealed } })).count === 1;
  }
}
