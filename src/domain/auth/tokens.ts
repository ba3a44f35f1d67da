/**
 * Users and their API access tokens. A token is 256 random bits, shown once
 * when created and stored only as its SHA-256 hash; every request is checked
 * against the stored hash (never cached), so a revoked token is refused at once
 * by every instance.
 */
import { hash } from 'node:crypto';
import { type AuditActor, actorOf, type Caller } from '../../core/caller.js';
import { ValidationError } from '../../core/errors.js';
import { newId, randomBase62 } from '../../core/ids.js';
import { nameText } from '../../core/text.js';
import type { TokenRecord, UserRecord, UserStore } from '../../db/user-store.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { AccessTokenNotFound } from './errors.js';
import { checkScope, isTokenScope, TOKEN_SCOPES } from './scopes.js';

const TOKEN_PREFIX = 'cst_';
/** 43 base62 characters carry 256 bits (43 × log2 62 ≈ 256.03). */
const TOKEN_CHARS = 43;
const TOKEN_PATTERN = new RegExp(`^${TOKEN_PREFIX}[0-9A-Za-z]{${TOKEN_CHARS}}$`);
const USER_NAME = /^[A-Za-z0-9._@-]{1,64}$/;
/** A token's label: a name people read in listings. */
const tokenName = nameText(64);

/**
 * A token's last use is recorded at most once a minute: the check of a request
 * stays one read, and a write follows only the first use of a token in a minute.
 */
const LAST_USE_RESOLUTION_MS = 60_000;

/** The authenticated caller of a request. */
export interface Viewer {
  userId: string;
  tokenId: string;
  /** What the token may do (src/domain/auth/scopes.ts). */
  scope: string;
  /** When the token expires (epoch ms; undefined: never): a long-lived stream ends then. */
  expiresAt?: number;
}

export interface TokenOptions {
  /** Refused from this instant on (undefined: never expires). */
  expiresAt?: Date;
  /** What it may do (default `all`). */
  scope?: string;
}

export type TokenInfo = TokenRecord;

/** SHA-256 of the token, hex (crypto.hash: one call, half the cost of createHash().update().digest()). */
export const hashToken = (token: string): string => hash('sha256', token, 'hex');

export class AccessTokens {
  /** Writes of a token's last use in flight, by token (one at a time per token). */
  readonly #recording = new Map<string, Promise<void>>();

  constructor(
    private readonly store: UserStore,
    /** Told of a failed background write (the request it followed was answered already). */
    private readonly onBackgroundError: (error: unknown) => void = () => {},
    /** The time, in epoch milliseconds (a test's clock may move on by itself). */
    private readonly now: () => number = Date.now,
  ) {}

  async createUser(name: string, via: AuditActor['door']): Promise<{ id: string; name: string }> {
    const trimmed = name.trim();
    if (!USER_NAME.test(trimmed)) throw ValidationError.of('name', 'must be 1-64 letters, digits or . _ @ -');
    const user = { id: newId(), name: trimmed };
    if ((await this.store.createUser(user, via)) === 'duplicate') throw ValidationError.of('name', `user '${trimmed}' already exists`);
    return user;
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

  /** The user with the relations a GraphQL query selects (`query` comes from Pothos' Prisma plugin). */
  userForGraph<Q extends { include?: Prisma.UserInclude; select?: Prisma.UserSelect }>(userId: string, query: Q) {
    return this.store.findUserForGraph(userId, query);
  }

  /**
   * Creates a token for the user, with an expiry and a scope when given; the
   * returned `token` is never shown again.
   */
  async createToken(
    userId: string,
    name: string,
    by: AuditActor,
    { expiresAt, scope = 'all' }: TokenOptions = {},
  ): Promise<{ token: string; info: TokenInfo }> {
    const label = tokenName.safeParse(name);
    if (!label.success) throw ValidationError.of('name', label.error.issues[0]!.message);
    if (expiresAt !== undefined && !(expiresAt.getTime() > this.now())) throw ValidationError.of('expiresAt', 'must be in the future');
    if (!isTokenScope(scope)) throw ValidationError.of('scope', `must be one of ${TOKEN_SCOPES.join(', ')}`);
    const token = TOKEN_PREFIX + randomBase62(TOKEN_CHARS);
    const info = await this.store.createToken({ id: newId(), userId, name: label.data, tokenHash: hashToken(token), expiresAt: expiresAt ?? null, scope }, by);
    return { token, info };
  }

  listTokens(userId: string): Promise<TokenInfo[]> {
    return this.store.listTokens(userId);
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
    if (!row || row.revokedAt || (row.expiresAt && row.expiresAt.getTime() <= now)) return null;
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

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined | null): string | undefined {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}
