export interface SessionCheck {
  userId: string;
  lastSeenAt: Date;
  expiresAt: Date;
  csrf: string;
  revokedAt: Date | null;
  userDisabledAt: Date | null;
}

export interface OidcUser {
  id: string;
  name: string;
  disabledAt: Date | null;
}
