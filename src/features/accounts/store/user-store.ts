/**
 * The one owner of user and access-token storage: users, tokens (stored only
 * as hashes), the token check of every request (a prepared statement), the
 * audit columns of token events, and the relational reads GraphQL makes of
 * them. The access-token service is its only user.
 */
import { setTimeout } from 'node:timers/promises';
import type { AuditActor } from '../../../core/caller.js';
import { StoreBusy } from '../../../core/errors.js';
import type { MaybePromise } from '../../../core/maybe.js';
import { type Database, isUniqueViolation } from '../../../platform/db/client.js';
import { KeptReads, optionalDateOf, type PreparedStatements } from '../../../platform/db/prepared.js';
import type { TokenCheck, TokenRecord, UserRecord } from '../model.js';
import type { UserStore } from '../ports.js';

/** How many times a start tries to make the first user when the database is busy. */
const FIRST_USER_ATTEMPTS = 8;

/** Tokens checked recently, kept while the database is unchanged (SQLite): at most this many. */
const TOKENS_KEPT = 1000;

const TOKEN_CHECK_SQL =
  'SELECT t."id", t."userId", t."revokedAt", t."expiresAt", t."lastUsedAt", t."scope", u."disabledAt" AS "userDisabledAt" ' +
  'FROM "AccessToken" t JOIN "User" u ON u."id" = t."userId" WHERE t."tokenHash" = ?';
type TokenCheckRow = {
  id: string;
  userId: string;
  revokedAt: string | Date | null;
  expiresAt: string | Date | null;
  lastUsedAt: string | Date | null;
  scope: string;
  userDisabledAt: string | Date | null;
};

const toTokenCheck = (row: TokenCheckRow | undefined): TokenCheck | null =>
  row
    ? {
        id: row.id,
        userId: row.userId,
        revokedAt: optionalDateOf(row.revokedAt),
        expiresAt: optionalDateOf(row.expiresAt),
        lastUsedAt: optionalDateOf(row.lastUsedAt),
        scope: row.scope,
        userDisabledAt: optionalDateOf(row.userDisabledAt),
      }
    : null;

const TOKEN_FIELDS = {
  id: true,
  number: true,
  origin: true,
  userId: true,
  name: true,
  createdAt: true,
  lastUsedAt: true,
  expiresAt: true,
  revokedAt: true,
  scope: true,
} as const;
const USER_FIELDS = { id: true, name: true, createdAt: true, number: true } as const;
const userOf = (row: { id: string; name: string; createdAt: Date; number: number | null }): UserRecord => ({ ...row, number: row.number ?? 0 });

export class PrismaUserStore implements UserStore {
  constructor(
    private readonly db: Database,
    private readonly statements: PreparedStatements,
  ) {
    this.#tokens = new KeptReads(statements, TOKENS_KEPT);
  }

  /** 'duplicate': a user with this name exists already (nothing stored). */
  async createUser(user: { id: string; name: string }, via: AuditActor['door']): Promise<'created' | 'duplicate'> {
    try {
      await this.db.user.create({ data: { id: user.id, name: user.name, createdVia: via }, select: { id: true } });
      return 'created';
    } catch (error) {
      if (isUniqueViolation(error)) return 'duplicate';
      throw error;
    }
  }

  /**
   * The service user made for a machine rule, making it (named `name`) if there is none yet. 'taken': `name`
   * is held by a user that is not that rule's service user (nothing stored).
   */
  async serviceUser(rule: string, name: string, newId: string): Promise<{ id: string } | { taken: string }> {
    const found = await this.db.user.findUnique({ where: { serviceRule: rule }, select: { id: true } });
    if (found) return found;
    try {
      await this.db.user.create({ data: { id: newId, name, serviceRule: rule, createdVia: 'rest' }, select: { id: true } });
      return { id: newId };
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    // Made meanwhile by another exchange (the rule), or the name is someone else's.
    const raced = await this.db.user.findUnique({ where: { serviceRule: rule }, select: { id: true } });
    if (raced) return raced;
    const holder = await this.db.user.findUnique({ where: { name }, select: { id: true } });
    if (holder) return { taken: holder.id };
    throw new Error(`the service user ${name} could not be made`);
  }

  /**
   * Makes `user` and its token (scope `all`, never expiring; by the operator at start), if no user exists: in one
   * transaction, so of processes doing it at once exactly one does (the others: false — a duplicate name finds the
   * users made meanwhile). On SQLite the others' transactions may fail busy (a read turned write while another
   * writes) before that one has committed: they try again, a few times, and find the user.
   */
  async createFirstUser(user: { id: string; name: string }, token: { id: string; name: string; tokenHash: string }): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.$transaction(async (tx) => {
          if ((await tx.user.count()) > 0) return false;
          await tx.user.create({ data: { id: user.id, name: user.name, createdVia: 'start' }, select: { id: true } });
          await tx.accessToken.create({
            data: { ...token, userId: user.id, scope: 'all', createdBy: 'operator', createdVia: 'start' },
            select: { id: true },
          });
          return true;
        });
      } catch (error) {
        if ((await this.db.user.count()) > 0) return false;
        if (!(error instanceof StoreBusy) || attempt >= FIRST_USER_ATTEMPTS) throw error;
        await setTimeout(25 * attempt + Math.floor(Math.random() * 25));
      }
    }
  }

  async findUserByNameOrId(nameOrId: string): Promise<UserRecord | null> {
    const row = await this.db.user.findFirst({ where: { OR: [{ id: nameOrId }, { name: nameOrId }] }, select: USER_FIELDS });
    return row && userOf(row);
  }

  async listUsers(): Promise<UserRecord[]> {
    return (await this.db.user.findMany({ select: USER_FIELDS, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] })).map(userOf);
  }

  countUsers(): Promise<number> {
    return this.db.user.count();
  }

  /** These users (those that exist). */
  async findUsers(ids: readonly string[]): Promise<UserRecord[]> {
    return (await this.db.user.findMany({ where: { id: { in: [...ids] } }, select: USER_FIELDS })).map(userOf);
  }

  /**
   * Removes a user and what is theirs alone (tokens, sessions, personal
   * credentials, participations, memberships); the audit trail keeps their
   * events (by id). 'owner': they are the only owner of these organizations
   * (nothing removed); null: no such user.
   */
  async removeUser(userId: string, by: { actor: string; door: string }): Promise<{ name: string } | { owner: string[] } | null> {
    return this.db.$transaction(async (tx) => {
      const user = await tx.user.findUnique({ where: { id: userId }, select: { name: true } });
      if (!user) return null;
      const owned = await tx.organizationMember.findMany({
        where: { userId, role: 'OWNER' },
        select: { organizationId: true, organization: { select: { name: true } } },
      });
      const alone: string[] = [];
      for (const o of owned) {
        if ((await tx.organizationMember.count({ where: { organizationId: o.organizationId, role: 'OWNER' } })) === 1) alone.push(o.organization.name);
      }
      if (alone.length > 0) return { owner: alone };
      await tx.webhook.deleteMany({ where: { ownerUserId: userId } });
      await tx.user.delete({ where: { id: userId }, select: { id: true } });
      await tx.auditEvent.create({
        data: { at: new Date(), action: 'user.remove', targetType: 'user', targetId: userId, actor: by.actor, door: by.door, detail: user.name },
      });
      return { name: user.name };
    });
  }

  async createToken(
    token: { id: string; userId: string; name: string; tokenHash: string; expiresAt: Date | null; scope: string; origin?: string },
    by: AuditActor,
  ): Promise<TokenRecord> {
    await this.db.accessToken.create({ data: { ...token, createdBy: by.actor, createdVia: by.door }, select: { id: true } });
    // Read back: the database numbered it (a trigger on SQLite runs after the insert's RETURNING).
    return this.db.accessToken.findUniqueOrThrow({ where: { id: token.id }, select: TOKEN_FIELDS });
  }

  /**
   * Creates a token of the user's own, unless a live token of theirs has that
   * name ('taken') or they hold `limit` live ones ('limit'): checked and
   * written in one transaction.
   */
  async createOwnToken(
    token: { id: string; userId: string; name: string; tokenHash: string; expiresAt: Date | null; scope: string; origin: string },
    by: AuditActor,
    now: Date,
    limit: number,
  ): Promise<TokenRecord | 'taken' | 'limit'> {
    const live = { userId: token.userId, revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] };
    const created = await this.db.$transaction(async (tx) => {
      // The user's row locked first (PostgreSQL: until commit; SQLite writes one at a time anyway): two tokens made
      // at once are counted one after the other, never both under the limit.
      await tx.$executeRaw`UPDATE "User" SET "id" = "id" WHERE "id" = ${token.userId}`;
      if (await tx.accessToken.count({ where: { ...live, name: token.name } })) return 'taken' as const;
      if ((await tx.accessToken.count({ where: live })) >= limit) return 'limit' as const;
      await tx.accessToken.create({ data: { ...token, createdBy: by.actor, createdVia: by.door }, select: { id: true } });
      return 'created' as const;
    });
    if (created !== 'created') return created;
    return this.db.accessToken.findUniqueOrThrow({ where: { id: token.id }, select: TOKEN_FIELDS });
  }

  /** The user's token with this number (revoked ones too), or null. */
  findTokenByNumber(userId: string, number: number): Promise<TokenRecord | null> {
    return this.db.accessToken.findFirst({ where: { userId, number }, select: TOKEN_FIELDS });
  }

  /** Revokes every live token of the user; how many. */
  async revokeAllTokens(userId: string, at: Date, by: AuditActor): Promise<number> {
    const { count } = await this.db.accessToken.updateMany({
      where: { userId, revokedAt: null },
      data: { revokedAt: at, revokedBy: by.actor, revokedVia: by.door },
    });
    return count;
  }

  listTokens(userId: string): Promise<TokenRecord[]> {
    return this.db.accessToken.findMany({ where: { userId }, select: TOKEN_FIELDS, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  }

  /** Revokes a live token (only one of `ownerId`'s when given); false when there is no such live token. */
  async revokeToken(tokenId: string, at: Date, by: AuditActor, ownerId?: string): Promise<boolean> {
    const { count } = await this.db.accessToken.updateMany({
      where: { id: tokenId, revokedAt: null, ...(ownerId === undefined ? {} : { userId: ownerId }) },
      data: { revokedAt: at, revokedBy: by.actor, revokedVia: by.door },
    });
    return count === 1;
  }

  /**
   * The token stored under this hash, for the check of a request (one prepared
   * statement). On SQLite a token found is kept with the database's data
   * version, and reused while no connection has committed anything since —
   * a revocation, a disabled user, a use recorded all commit, so the next check
   * reads again: a revocation through any process is seen by the next request.
   */
  findTokenByHash(tokenHash: string): MaybePromise<TokenCheck | null> {
    return this.#tokens.get(tokenHash, () => {
      const row = this.statements.get<TokenCheckRow>('token.byHash', TOKEN_CHECK_SQL, [tokenHash]);
      return row instanceof Promise ? row.then(toTokenCheck) : toTokenCheck(row);
    });
  }

  /** Tokens found, by hash, kept while the database is unchanged (SQLite). */
  readonly #tokens: KeptReads<TokenCheck>;

  /** Records a use of the token, unless one at or after `unlessSince` is recorded already. */
  async recordTokenUse(tokenId: string, at: Date, unlessSince: Date): Promise<void> {
    await this.db.accessToken.updateMany({
      where: { id: tokenId, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: unlessSince } }] },
      data: { lastUsedAt: at },
    });
  }
}
