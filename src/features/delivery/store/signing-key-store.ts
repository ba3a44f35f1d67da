/** The one owner of the OIDC issuer's signing keys (the SigningKey model): the private halves stay sealed here. */
import type { Database } from '../../../platform/db/client.js';
import type { SigningKeyRecord } from '../model.js';
import type { SigningKeyStore } from '../ports.js';

export class PrismaSigningKeyStore implements SigningKeyStore {
  constructor(private readonly db: Database) {}

  /** The keys still published: the signing one and those retired since `keptSince`, newest first. */
  published(keptSince: Date): Promise<SigningKeyRecord[]> {
    return this.db.signingKey.findMany({
      where: { OR: [{ retiredAt: null }, { retiredAt: { gt: keptSince } }] },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    });
  }

  /**
   * Adds a key and retires every older unretired one, at once (two instances
   * rotating together leave one signing key: the newer).
   */
  async add(key: Omit<SigningKeyRecord, 'retiredAt'>): Promise<void> {
    await this.db.$transaction([
      this.db.signingKey.create({ data: { ...key, retiredAt: null } }),
      this.db.signingKey.updateMany({ where: { retiredAt: null, id: { not: key.id } }, data: { retiredAt: key.createdAt } }),
    ]);
  }

  /** Keys retired before `before` are no longer published: their private halves are destroyed. */
  async removeRetiredBefore(before: Date): Promise<number> {
    return (await this.db.signingKey.deleteMany({ where: { retiredAt: { lte: before } } })).count;
  }

  secretsNotStartingWith(prefixes: readonly string[], take = 1000): Promise<{ id: string; secret: string }[]> {
    return this.db.signingKey.findMany({ where: { NOT: prefixes.map((p) => ({ secret: { startsWith: p } })) }, select: { id: true, secret: true }, take });
  }

  countSecretsStartingWith(prefix: string): Promise<number> {
    return this.db.signingKey.count({ where: { secret: { startsWith: prefix } } });
  }

  /** Replaces a sealed secret if it is still `expected`. */
  async replaceSecret(id: string, expected: string, secret: string): Promise<boolean> {
    const { count } = await this.db.signingKey.updateMany({ where: { id, secret: expected }, data: { secret } });
    return count === 1;
  }
}
