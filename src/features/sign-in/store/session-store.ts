/** The one owner of browser sessions (the Session model) and of what OIDC sign-in stores on users. */
import type { AuditActor } from '../../../core/caller.js';
import type { Database } from '../../../platform/db/client.js';
import { isUniqueViolation } from '../../../platform/db/client.js';
import type { OidcUser, SessionCheck } from '../model.js';
import type { SessionStore } from '../ports.js';

export class PrismaSessionStore implements SessionStore {
  constructor(private readonly db: Database) {}

  async create(session: { id: string; userId: string; createdAt: Date; expiresAt: Date; csrf: string }): Promise<void> {
    await this.db.session.create({ data: { ...session, lastSeenAt: session.createdAt }, select: { id: true } });
  }

  async find(id: string): Promise<SessionCheck | null> {
    const row = await this.db.session.findUnique({
      where: { id },
      select: { userId: true, lastSeenAt: true, expiresAt: true, csrf: true, revokedAt: true, user: { select: { disabledAt: true } } },
    });
    return row && { ...row, userDisabledAt: row.user.disabledAt };
  }

  async touch(id: string, at: Date, unlessSince: Date): Promise<void> {
    await this.db.session.updateMany({ where: { id, lastSeenAt: { lt: unlessSince } }, data: { lastSeenAt: at } });
  }

  /**
   * Ends a session (sign-out), audited `session.end` of `<the viewer's token id>` in the same transaction: every
   * instance's live streams of the session end when they read the event.
   */
  async revoke(id: string, at: Date, viewerTokenId: string, by: AuditActor): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      const session = await tx.session.findUnique({ where: { id }, select: { userId: true, revokedAt: true } });
      if (!session || session.revokedAt) return false;
      await tx.session.update({ where: { id }, data: { revokedAt: at }, select: { id: true } });
      await tx.auditEvent.create({
        data: { at, action: 'session.end', targetType: 'session', targetId: viewerTokenId, ownerUserId: session.userId, actor: by.actor, door: by.door },
      });
      return true;
    });
  }

  /** Sessions ended or expired before `before` are forgotten. */
  async removeEndedBefore(before: Date): Promise<number> {
    return (await this.db.session.deleteMany({ where: { OR: [{ expiresAt: { lt: before } }, { revokedAt: { lt: before } }] } })).count;
  }

  findUserByOidc(issuer: string, subject: string): Promise<OidcUser | null> {
    return this.db.user.findUnique({
      where: { oidcIssuer_oidcSubject: { oidcIssuer: issuer, oidcSubject: subject } },
      select: { id: true, name: true, disabledAt: true },
    });
  }

  /** An operator-made user with this e-mail and no OIDC identity yet (linking by verified e-mail). */
  findUnlinkedByEmail(email: string): Promise<OidcUser | null> {
    return this.db.user.findFirst({ where: { email, oidcIssuer: null }, select: { id: true, name: true, disabledAt: true } });
  }

  /** 'duplicate': the name is taken (the caller picks another). */
  async createOidcUser(user: { id: string; name: string; issuer: string; subject: string; email: string | null; displayName: string | null }) {
    try {
      await this.db.user.create({
        data: {
          id: user.id,
          name: user.name,
          createdVia: 'graphql',
          oidcIssuer: user.issuer,
          oidcSubject: user.subject,
          email: user.email,
          displayName: user.displayName,
        },
        select: { id: true },
      });
      return 'created' as const;
    } catch (error) {
      if (isUniqueViolation(error)) return 'duplicate' as const;
      throw error;
    }
  }

  async linkOidc(userId: string, issuer: string, subject: string): Promise<void> {
    await this.db.user.update({ where: { id: userId }, data: { oidcIssuer: issuer, oidcSubject: subject }, select: { id: true } });
  }

  async updateProfile(userId: string, email: string | null, displayName: string | null): Promise<void> {
    await this.db.user.update({ where: { id: userId }, data: { email, displayName }, select: { id: true } });
  }

  async profile(userId: string): Promise<{ name: string; email: string | null; displayName: string | null } | null> {
    return this.db.user.findUnique({ where: { id: userId }, select: { name: true, email: true, displayName: true } });
  }

  /**
   * Disables (a date: their sessions ended too) or enables (null) a user, audited `user.disable` or
   * `user.enable` in the same transaction (every instance's live streams of the user end when they read it);
   * false when there is no such user.
   */
  async setDisabled(userId: string, at: Date | null, by: AuditActor, now: Date): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      if ((await tx.user.updateMany({ where: { id: userId }, data: { disabledAt: at } })).count !== 1) return false;
      if (at) await tx.session.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: at } });
      await tx.auditEvent.create({
        data: {
          at: now,
          action: at ? 'user.disable' : 'user.enable',
          targetType: 'user',
          targetId: userId,
          ownerUserId: userId,
          actor: by.actor,
          door: by.door,
        },
      });
      return true;
    });
  }
}
