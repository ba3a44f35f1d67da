export interface UserRecord {
  id: string;
  name: string;
  createdAt: Date;
  /** The user's number (Seqera's integer user id); given by the database on insert. */
  number: number;
}

export interface TokenRecord {
  id: string;
  /** Its number (the upstream API's integer `id`); null only while being created. */
  number: number | null;
  /** `operator`, `user` or `oidc`. */
  origin: string;
  userId: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  scope: string;
}

/** What the check of a request needs of a token. */
export type TokenCheck = Pick<TokenRecord, 'id' | 'userId' | 'revokedAt' | 'expiresAt' | 'lastUsedAt' | 'scope'> & {
  /** Its user was disabled (then): the token is refused. */
  userDisabledAt: Date | null;
};
