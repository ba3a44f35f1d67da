/**
 * Users and their API access tokens. A token is 256 random bits, shown once
 * when created and stored only as its SHA-256 hash.
 */
import { createHash } from 'node:crypto';
import type { Reads } from '../db/reads.js';
import type { Database } from '../db/client.js';
import { newId, randomBase62 } from '../credentials/ids.js';
import { ValidationError } from '../credentials/errors.js';
import type { Door } from '../credentials/service.js';

const TOKEN_PREFIX = 'cst_';
/** 43 base62 characters carry 256 bits (43 × log2 62 ≈ 256.03). */
const TOKEN_CHARS = 43;
const TOKEN_PATTERN = new RegExp(`^${TOKEN_PREFIX}[0-9A-Za-z]{${TOKEN_CHARS}}$`);

/** Who did something, as the audit trail records it: a user id or `operator`, and the door. */
export interface AuditActor {
  actor: string;
  door: Door | 'start';
}

/** The operator at the command line. */
export const OPERATOR: AuditActor = { actor: 'operator', door: 'cli' };

/** The authenticated caller of a request. */
export interface Viewer {
  userId: string;
  tokenId: string;
}

export interface TokenInfo {
  id: string;
  userId: string;
  userName: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export class AccessTokens {
  constructor(
    private readonly db: Database,
    private readonly reads: Reads,
  ) {}

  async createUser(name: string, via: Door | 'start'): Promise<{ id: string; name: string }> {
    const trimmed = name.trim();
    if (!/^[A-Za-z0-9._@-]{1,64}$/.test(trimmed)) {
      throw ValidationError.of('name', 'must be 1-64 letters, digits or . _ @ -');
    }
    try {
      return await this.db.user.create({ data: { id: newId(), name: trimmed, createdVia: via }, select: { id: true, name: true } });
    } catch (error) {
      if ((error as { code?: string }).code === 'P2002') throw ValidationError.of('name', `user '${trimmed}' already exists`);
      throw error;
    }
  }

  async findUser(nameOrId: string): Promise<{ id: string; name: string } | null> {
    return this.db.user.findFirst({ where: { OR: [{ id: nameOrId }, { name: nameOrId }] }, select: { id: true, name: true } });
  }

  async countUsers(): Promise<number> {
    return this.db.user.count();
  }

  /** Creates a token for the user; the returned `token` is never shown again. */
  async createToken(userId: string, name: string, by: AuditActor): Promise<{ token: string; info: TokenInfo }> {
    const token = TOKEN_PREFIX + randomBase62(TOKEN_CHARS);
    const row = await this.db.accessToken.create({
      data: { id: newId(), userId, name, tokenHash: hashToken(token), createdBy: by.actor, createdVia: by.door },
      include: { user: { select: { name: true } } },
    });
    return { token, info: toInfo(row) };
  }

  async listTokens(userId: string): Promise<TokenInfo[]> {
    const rows = await this.db.accessToken.findMany({
      where: { userId },
      include: { user: { select: { name: true } } },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    return rows.map(toInfo);
  }

  /**
   * Revokes a token by id (only one of `ownerId`'s when given); false when there
   * is no such live token. Every instance refuses it from the next request on:
   * tokens are checked against the database on every request, never cached.
   */
  async revokeToken(tokenId: string, by: AuditActor, ownerId?: string): Promise<boolean> {
    const { count } = await this.db.accessToken.updateMany({
      where: { id: tokenId, revokedAt: null, ...(ownerId === undefined ? {} : { userId: ownerId }) },
      data: { revokedAt: new Date(), revokedBy: by.actor, revokedVia: by.door },
    });
    return count === 1;
  }

  /** The viewer a bearer token stands for, or null for a malformed, unknown or revoked token. */
  async authenticate(token: string): Promise<Viewer | null> {
    // The lookup is by hash, so its timing says nothing about stored tokens.
    const hash = hashToken(token);
    if (!TOKEN_PATTERN.test(token)) return null;
    const row = await this.reads.token(hash);
    if (!row || row.revokedAt) return null;
    return { userId: row.userId, tokenId: row.id };
  }
}

function toInfo(row: {
  id: string;
  userId: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  user: { name: string };
}): TokenInfo {
  return {
    id: row.id,
    userId: row.userId,
    userName: row.user.name,
    name: row.name,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
  };
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined | null): string | undefined {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}
