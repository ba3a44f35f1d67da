/** What the use cases of accounts need from storage: the store implements these; a use case takes the slice it uses. */
import type { AuditActor } from '../../core/caller.js';
import type { MaybePromise } from '../../core/maybe.js';
import type { TokenCheck, TokenRecord, UserRecord } from './model.js';

export interface UserStore {
  /** 'duplicate': a user with this name exists already (nothing stored). */
  createUser(user: { id: string; name: string }, via: AuditActor['door']): Promise<'created' | 'duplicate'>;
  /**
   * The service user made for a machine rule, making it (named `name`) if there is none yet. 'taken': `name`
   * is held by a user that is not that rule's service user (nothing stored).
   */
  serviceUser(rule: string, name: string, newId: string): Promise<{ id: string } | { taken: string }>;
  /**
   * Makes `user` and its token (scope `all`, never expiring; by the operator at start), if no user exists: in one
   * transaction, so of processes doing it at once exactly one does (the others: false — a duplicate name, or on
   * SQLite a write that could not take the lock, finds the users made meanwhile).
   */
  createFirstUser(user: { id: string; name: string }, token: { id: string; name: string; tokenHash: string }): Promise<boolean>;
  findUserByNameOrId(nameOrId: string): Promise<UserRecord | null>;
  listUsers(): Promise<UserRecord[]>;
  countUsers(): Promise<number>;
  /** These users (those that exist). */
  findUsers(ids: readonly string[]): Promise<UserRecord[]>;
  /**
   * Removes a user and what is theirs alone (tokens, sessions, personal
   * credentials, participations, memberships); the audit trail keeps their
   * events (by id). 'owner': they are the only owner of these organizations
   * (nothing removed); null: no such user.
   */
  removeUser(userId: string, by: { actor: string; door: string }): Promise<{ name: string } | { owner: string[] } | null>;
  createToken(
    token: { id: string; userId: string; name: string; tokenHash: string; expiresAt: Date | null; scope: string; origin?: string },
    by: AuditActor,
  ): Promise<TokenRecord>;
  /**
   * Creates a token of the user's own, unless a live token of theirs has that
   * name ('taken') or they hold `limit` live ones ('limit'): checked and
   * written in one transaction.
   */
  createOwnToken(
    token: { id: string; userId: string; name: string; tokenHash: string; expiresAt: Date | null; scope: string; origin: string },
    by: AuditActor,
    now: Date,
    limit: number,
  ): Promise<TokenRecord | 'taken' | 'limit'>;
  /** The user's token with this number (revoked ones too), or null. */
  findTokenByNumber(userId: string, number: number): Promise<TokenRecord | null>;
  /** Revokes every live token of the user; how many. */
  revokeAllTokens(userId: string, at: Date, by: AuditActor): Promise<number>;
  listTokens(userId: string): Promise<TokenRecord[]>;
  /** Revokes a live token (only one of `ownerId`'s when given); false when there is no such live token. */
  revokeToken(tokenId: string, at: Date, by: AuditActor, ownerId?: string): Promise<boolean>;
  /**
   * The token stored under this hash, for the check of a request (one prepared
   * statement). On SQLite a token found is kept with the database's data
   * version, and reused while no connection has committed anything since —
   * a revocation, a disabled user, a use recorded all commit, so the next check
   * reads again: a revocation through any process is seen by the next request.
   */
  findTokenByHash(tokenHash: string): MaybePromise<TokenCheck | null>;
  /** Records a use of the token, unless one at or after `unlessSince` is recorded already. */
  recordTokenUse(tokenId: string, at: Date, unlessSince: Date): Promise<void>;
}
