/**
 * Users and their API access tokens. A token is 256 random bits, shown once
 * when created and stored only as its SHA-256 hash; every request is checked
 * against the stored hash (never cached), so a revoked token is refused at once
 * by every instance.
 */
import { hash } from 'node:crypto';
import { type AuditActor, actorOf, type Caller, type Viewer } from '../../../core/caller.js';
import { Forbidden, LimitReached, ValidationError } from '../../../core/errors.js';
import { newId, randomBase62 } from '../../../core/ids.js';
import { nameText } from '../../../core/text.js';
import { durationWithin } from '../../../core/time.js';
import { AccessTokenNameTaken, AccessTokenNotFound, TokenBeyondItsMaker, UserOwnsOrganizations } from '../errors.js';
import type { TokenRecord, UserRecord } from '../model.js';
import type { UserStore } from '../ports.js';
import { checkScope, isTokenScope, scopeWithin, TOKEN_SCOPES } from '../rules/scopes.js';

const TOKEN_PREFIX = 'cst_';
/** 43 base62 characters carry 256 bits (43 × log2 62 ≈ 256.03). */
const TOKEN_CHARS = 43;
const TOKEN_PATTERN = new RegExp(`^${TOKEN_PREFIX}[0-9A-Za-z]{${TOKEN_CHARS}}$`);
/** People's and operator-made users' names: never a `:`, which only service users' names hold. */
const USER_NAME = /^[A-Za-z0-9._@-]{1,64}$/;
/** The name of a machine rule's service user: in a name space no person's name can take. */
export const serviceUserName = (rule: string): string => `oidc:${rule}`;
/** A token's label: a name people read in listings. */
const tokenName = nameText(64);

/**
 * A token's last use is recorded at most once a minute: the check of a request
 * stays one read, and a write follows only the first use of a token in a minute.
 */
const LAST_USE_RESOLUTION_MS = 60_000;

export interface TokenOptions {
  /** Refused from this instant on (undefined: never expires). */
  expiresAt?: Date;
  /** What it may do (default `all`). */
  scope?: string;
  /** Where it comes from (default `operator`; `oidc`: a machine's exchange). */
  origin?: 'operator' | 'oidc';
}

/** What a person asks for a token of their own. */
export interface OwnTokenInput {
  name: string;
  /** Default: the scope of the token (or session) that makes it. */
  scope?: string;
  /** How long it lives (`90d`, `12h`…); default: as long as the token that makes it (never, for one that never expires). */
  expiresIn?: string;
}

/** How long a token of one's own may be made to live. */
export const OWN_TOKEN_LIFETIME = { min: 60_000, max: 365 * 86_400_000 };

export interface TokenSettings {
  /** Live tokens one user may hold (MAX_TOKENS_PER_USER). */
  perUser: number;
}

export type TokenInfo = TokenRecord;

/** SHA-256 of the token, hex (crypto.hash: one call, half the cost of createHash().update().digest()). */
export const hashToken = (token: string): string => hash('sha256', token, 'hex');

/** What the own-token use cases may raise, for the doors that answer them as typed errors (GraphQL spreads these). */
export const OWN_TOKEN_ERRORS = {
  create: [ValidationError, AccessTokenNameTaken, LimitReached, TokenBeyondItsMaker, Forbidden],
  revoke: [AccessTokenNotFound, Forbidden],
} as const;

export class AccessTokens {
  /** Writes of a token's last use in flight, by token (one at a time per token). */
  readonly #recording = new Map<string, Promise<void>>();

  constructor(
    private readonly store: UserStore,
    /** Told of a failed background write (the request it followed was answered already). */
    private readonly onBackgroundError: (error: unknown) => void = () => {},
    /** The time, in epoch milliseconds (a test's clock may move on by itself). */
    private readonly now: () => number = Date.now,
    private readonly settings: TokenSettings = { perUser: 50 },
  ) {}

  async createUser(name: string, via: AuditActor['door']): Promise<{ id: string; name: string }> {
    const trimmed = name.trim();
    if (!USER_NAME.test(trimmed)) throw ValidationError.of('name', 'must be 1-64 letters, digits or . _ @ -');
    const user = { id: newId(), name: trimmed };
    if ((await this.store.createUser(user, via)) === 'duplicate') throw ValidationError.of('name', `user '${trimmed}' already exists`);
    return user;
  }

  /**
   * The first run: on a database without users, the user `admin` and an access token, made together in one
   * transaction — of instances starting together on a new database, exactly one makes them (the others get null,
   * as does a database that has users). The token is returned this once.
   */
  async createFirstUser(): Promise<{ name: string; token: string } | null> {
    const token = TOKEN_PREFIX + randomBase62(TOKEN_CHARS);
    const user = { id: newId(), name: 'admin' };
    const made = await this.store.createFirstUser(user, { id: newId(), name: 'first-run', tokenHash: hashToken(token) });
    return made ? { name: user.name, token } : null;
  }

  /**
   * The service user the service made for a machine sign-in rule (`oidc:<rule>`), made now if there is none.
   * 'taken': a user that is not the rule's service user holds the name (the exchange must refuse).
   */
  serviceUserOf(rule: string): Promise<{ id: string } | { taken: string }> {
    return this.store.serviceUser(rule, serviceUserName(rule), newId());
  }

  /**
   * Removes a user (the operator): their tokens, sessions, personal
   * credentials, participations and memberships go; the audit trail keeps
   * their events, shown as a removed user's. Refused while they are the only
   * owner of an organization.
   */
  async removeUser(nameOrId: string, by: AuditActor): Promise<string> {
    const user = await this.store.findUserByNameOrId(nameOrId);
    const removed = user && (await this.store.removeUser(user.id, by));
    if (!removed) throw ValidationError.of('user', `no user ${nameOrId.slice(0, 64)}`);
    if ('owner' in removed) {
      throw new UserOwnsOrganizations(removed.owner);
    }
    return removed.name;
  }

  findUser(nameOrId: string): Promise<UserRecord | null> {
    return this.store.findUserByNameOrId(nameOrId);
  }

  listUsers(): Promise<UserRecord[]> {
    return this.store.listUsers();
  }

  countUsers(): Promise<number> {
    return this.store.countUsers();
  }

  /** These users (those that exist; any order). */
  findUsers(ids: readonly string[]): Promise<UserRecord[]> {
    return this.store.findUsers(ids);
  }

  /**
   * Creates a token for the user, with an expiry and a scope when given; the
   * returned `token` is never shown again.
   */
  async createToken(
    userId: string,
    name: string,
    by: AuditActor,
    { expiresAt, scope = 'all', origin = 'operator' }: TokenOptions = {},
  ): Promise<{ token: string; info: TokenInfo }> {
    const label = tokenName.safeParse(name);
    if (!label.success) throw ValidationError.of('name', label.error.issues[0]!.message);
    if (expiresAt !== undefined && !(expiresAt.getTime() > this.now())) throw ValidationError.of('expiresAt', 'must be in the future');
    if (!isTokenScope(scope)) throw ValidationError.of('scope', `must be one of ${TOKEN_SCOPES.join(', ')}`);
    const token = TOKEN_PREFIX + randomBase62(TOKEN_CHARS);
    const info = await this.store.createToken(
      { id: newId(), userId, name: label.data, tokenHash: hashToken(token), expiresAt: expiresAt ?? null, scope, origin },
      by,
    );
    return { token, info };
  }

  listTokens(userId: string): Promise<TokenInfo[]> {
    return this.store.listTokens(userId);
  }

  /**
   * A token a person makes for themselves (GraphQL createAccessToken, REST
   * POST /api/tokens). Never more than its maker: its scope within the maker's
   * (and the maker must be allowed changes), its expiry no later than the
   * maker's. Its name unique among the user's live tokens; at most
   * MAX_TOKENS_PER_USER live ones. The returned `token` is never shown again.
   */
  async createOwnToken(caller: Caller, input: OwnTokenInput): Promise<{ token: string; info: TokenInfo }> {
    checkScope(caller, 'write');
    const label = tokenName.safeParse(input.name);
    if (!label.success) throw ValidationError.of('name', label.error.issues[0]!.message);
    const scope = input.scope ?? caller.scope;
    if (!isTokenScope(scope)) throw ValidationError.of('scope', `must be one of ${TOKEN_SCOPES.join(', ')}`);
    if (!scopeWithin(scope, caller.scope)) {
      throw new TokenBeyondItsMaker(`A token may do at most what the token that makes it may: yours has scope ${caller.scope}, not ${scope}`);
    }
    const now = this.now();
    let expiresAt = caller.tokenExpiresAt;
    if (input.expiresIn !== undefined) {
      const parsed = durationWithin(input.expiresIn, OWN_TOKEN_LIFETIME);
      if ('problem' in parsed) throw ValidationError.of('expiresIn', parsed.problem);
      if (caller.tokenExpiresAt !== undefined && now + parsed.ms > caller.tokenExpiresAt) {
        throw new TokenBeyondItsMaker(
          `A token may live at most as long as the token that makes it: yours expires at ${new Date(caller.tokenExpiresAt).toISOString()}`,
        );
      }
      expiresAt = now + parsed.ms;
    }
    const token = TOKEN_PREFIX + randomBase62(TOKEN_CHARS);
    const created = await this.store.createOwnToken(
      {
        id: newId(),
        userId: caller.userId,
        name: label.data,
        tokenHash: hashToken(token),
        expiresAt: expiresAt === undefined ? null : new Date(expiresAt),
        scope,
        origin: 'user',
      },
      actorOf(caller),
      new Date(now),
      this.settings.perUser,
    );
    if (created === 'taken') throw new AccessTokenNameTaken(label.data);
    if (created === 'limit') throw new LimitReached('live access tokens per user', this.settings.perUser, 'MAX_TOKENS_PER_USER');
    return { token, info: created };
  }

  /** The caller's own tokens (any scope may list them; never their values). */
  ownTokens(caller: Caller): Promise<TokenInfo[]> {
    return this.store.listTokens(caller.userId);
  }

  /** Revokes the caller's token with this number (the upstream API's id). */
  async revokeOwnTokenByNumber(caller: Caller, number: number): Promise<void> {
    checkScope(caller, 'write');
    const found = Number.isSafeInteger(number) ? await this.store.findTokenByNumber(caller.userId, number) : null;
    if (!found || !(await this.revokeToken(found.id, actorOf(caller), caller.userId))) throw new AccessTokenNotFound(String(number));
  }

  /** Revokes every live token of the caller, the one of this call too; how many. */
  async revokeAllOwnTokens(caller: Caller): Promise<number> {
    checkScope(caller, 'write');
    return this.store.revokeAllTokens(caller.userId, new Date(this.now()), actorOf(caller));
  }

  /**
   * Revokes a token by id (only one of `ownerId`'s when given); false when there
   * is no such live token. Every instance refuses it from the next request on.
   */
  revokeToken(tokenId: string, by: AuditActor, ownerId?: string): Promise<boolean> {
    return this.store.revokeToken(tokenId, new Date(), by, ownerId);
  }

  /** Revokes one of the caller's own tokens (a token whose scope allows changes may). */
  async revokeOwnToken(caller: Caller, tokenId: string): Promise<void> {
    checkScope(caller, 'write');
    if (!(await this.revokeToken(tokenId, actorOf(caller), caller.userId))) throw new AccessTokenNotFound(tokenId);
  }

  /** The viewer a bearer token stands for, or null for a malformed, unknown, revoked or expired token. */
  async authenticate(token: string): Promise<Viewer | null> {
    // The lookup is by hash, so its timing says nothing about stored tokens.
    const hash = hashToken(token);
    if (!TOKEN_PATTERN.test(token)) return null;
    const row = await this.store.findTokenByHash(hash);
    const now = this.now();
    if (!row || row.revokedAt || row.userDisabledAt || (row.expiresAt && row.expiresAt.getTime() <= now)) return null;
    if (row.lastUsedAt === null || now - row.lastUsedAt.getTime() >= LAST_USE_RESOLUTION_MS) this.#recordUse(row.id, now);
    return { userId: row.userId, tokenId: row.id, scope: row.scope, ...(row.expiresAt ? { expiresAt: row.expiresAt.getTime() } : {}) };
  }

  /**
   * Writes the token's last use without holding up the request. A failed write
   * (a busy database) loses one timestamp, never a request; the next use retries.
   */
  #recordUse(tokenId: string, now: number): void {
    if (this.#recording.has(tokenId)) return;
    const write = this.store
      .recordTokenUse(tokenId, new Date(now), new Date(now - LAST_USE_RESOLUTION_MS))
      .catch(this.onBackgroundError)
      .finally(() => this.#recording.delete(tokenId));
    this.#recording.set(tokenId, write);
  }

  /** Resolves once the background writes in flight are done (before the database is closed). */
  async settle(): Promise<void> {
    await Promise.all(this.#recording.values());
  }
}
