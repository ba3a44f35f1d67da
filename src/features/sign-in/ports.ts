/** What the use cases of sign-in need from storage: the store implements these; a use case takes the slice it uses. */
import type { AuditActor } from '../../core/caller.js';
import type { OidcUser, SessionCheck } from './model.js';

export interface SessionStore {
  create(session: { id: string; userId: string; createdAt: Date; expiresAt: Date; csrf: string }): Promise<void>;
  find(id: string): Promise<SessionCheck | null>;
  touch(id: string, at: Date, unlessSince: Date): Promise<void>;
  /**
   * Ends a session (sign-out), audited `session.end` of `<the viewer's token id>` in the same transaction: every
   * instance's live streams of the session end when they read the event.
   */
  revoke(id: string, at: Date, viewerTokenId: string, by: AuditActor): Promise<boolean>;
  /** Sessions ended or expired before `before` are forgotten. */
  removeEndedBefore(before: Date): Promise<number>;
  findUserByOidc(issuer: string, subject: string): Promise<OidcUser | null>;
  /** An operator-made user with this e-mail and no OIDC identity yet (linking by verified e-mail). */
  findUnlinkedByEmail(email: string): Promise<OidcUser | null>;
  /** 'duplicate': the name is taken (the caller picks another). */
  createOidcUser(user: {
    id: string;
    name: string;
    issuer: string;
    subject: string;
    email: string | null;
    displayName: string | null;
  }): Promise<'created' | 'duplicate'>;
  linkOidc(userId: string, issuer: string, subject: string): Promise<void>;
  updateProfile(userId: string, email: string | null, displayName: string | null): Promise<void>;
  profile(userId: string): Promise<{ name: string; email: string | null; displayName: string | null } | null>;
  /**
   * Disables (a date: their sessions ended too) or enables (null) a user, audited `user.disable` or
   * `user.enable` in the same transaction (every instance's live streams of the user end when they read it);
   * false when there is no such user.
   */
  setDisabled(userId: string, at: Date | null, by: AuditActor, now: Date): Promise<boolean>;
}
