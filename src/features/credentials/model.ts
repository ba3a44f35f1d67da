/** The model of credentials: the records its use cases, rules and doors speak in (its store maps rows to them). */
import type { AuditActor, Owner } from '../../core/caller.js';
import type { Timestamp } from '../../core/time.js';
import type { ExpiryColumns } from '../providers/index.js';

/** A credential's status: AVAILABLE (the last validation succeeded, or none ran yet) or INVALID (the provider refused its keys). */
export const CREDENTIAL_STATUSES = ['AVAILABLE', 'INVALID'] as const;
export type CredentialStatus = (typeof CREDENTIAL_STATUSES)[number];

/** Stored key values: returned fields as JSON in `keys`, secret ones sealed together in `secret`. */
export type StoredKeys = Record<string, string | boolean>;

/** A credential as the app reads it: every column but the sealed secret and bookkeeping. */
export interface CredentialRecord {
  id: string;
  /** A user (personal context) or a workspace. */
  owner: Owner;
  name: string;
  description: string | null;
  provider: string;
  baseUrl: string | null;
  category: string | null;
  /** The returned (non-secret) key fields. */
  keys: StoredKeys;
  lastUsed: Timestamp | null;
  dateCreated: Timestamp;
  lastUpdated: Timestamp;
  /** Validation: AVAILABLE (the last probe succeeded, or none yet) or INVALID, with the provider's message. */
  status: CredentialStatus;
  message: string | null;
  lastValidated: Timestamp | null;
  /** When it expires (the earlier of the user's date and its material's), and which one that is. */
  expiresAt: Timestamp | null;
  expiresAtSource: string | null;
  /** The number of its latest version of key material (0: created before versions were kept, none yet). */
  keyVersion: number;
}

/** A version of key material to record: its number, what the keys and sealed secret (sealed for this version) were. */
export interface NewVersion {
  number: number;
  keys: StoredKeys;
  baseUrl: string | null;
  secret: string | null;
  /** The names of the fields that changed from the version before. */
  changed: readonly string[];
  at: Date;
  restoredFrom: number | null;
  /** Who made it; null for the state a credential had before versions were kept (recorded at its next change). */
  by: AuditActor | null;
}

/** A recorded version, as history shows it (never its secret). */
export interface VersionRecord {
  number: number;
  changed: string[];
  createdAt: Timestamp;
  actor: string | null;
  door: string | null;
  restoredFrom: number | null;
}

/** A version with its sealed material: for a restore or a delivery of that version. */
export interface SealedVersion extends VersionRecord {
  keys: StoredKeys;
  baseUrl: string | null;
  secret: string | null;
}

/** A deleted credential still in its recovery window. */
export interface DeletedRecord extends CredentialRecord {
  deleted: Timestamp;
}

/** A live credential read for a change: with its sealed secret and its row version. */
export interface SealedCredential extends CredentialRecord {
  secret: string | null;
  version: number;
  userExpiresAt: Date | null;
  derivedExpiresAt: Date | null;
  derivedExpirySource: string | null;
}

export type NewCredential = Omit<
  CredentialRecord,
  'lastUsed' | 'dateCreated' | 'lastUpdated' | 'status' | 'message' | 'lastValidated' | 'expiresAt' | 'expiresAtSource' | 'keyVersion'
> & {
  secret: string | null;
  expiry: ExpiryColumns;
  /** Its first version (number 1). */
  firstVersion: NewVersion;
  /** When it is created. */
  at: Date;
  /** The client's key for retrying the create, and a keyed fingerprint of its request. */
  idempotencyKey: string | null;
  requestFingerprint: string | null;
};

/** What an update (or a restore) replaces. */
export type CredentialChanges = Pick<NewCredential, 'name' | 'description' | 'baseUrl' | 'category' | 'keys' | 'secret' | 'at' | 'expiry'> & {
  /** The keys or base URL changed: the last validation's verdict no longer holds. */
  probedChanged: boolean;
  /** The versions the change records, oldest first (none for a change of metadata only); the last is the new current one. */
  versions: readonly NewVersion[];
  /** What the audit row calls it: an update, or a restore. */
  change?: 'update' | 'restore';
  /** What the audit row says beyond the change (the version it made). */
  detail?: string;
};

export interface PageQuery {
  owner: Owner;
  /** Only these providers (undefined: all). */
  providers?: readonly string[];
  /** Strictly after this position in (dateCreated, id) order. */
  after?: { dateCreated: Timestamp; id: string };
  /** At most this many rows (undefined: all). */
  take?: number;
}

/** A secret as key rotation sees it: which credential, which slot (the live row, or a version), sealed how. */
export interface SealedSecret {
  id: string;
  owner: Owner;
  provider: string;
  /** null: the live row's secret; a number: that version's. */
  version: number | null;
  secret: string;
}

/** A validation's verdict: the status, the provider's message (INVALID), and when a probe decided it (not for a forced one). */
export interface Validation {
  status: CredentialStatus;
  message: string | null;
  at: Date | null;
}

/** What a conditional update did. */
export type UpdateOutcome = 'updated' | 'changed' | 'duplicate';

/** One delivery of a credential's keys to a pairing (`version`: of that version of its key material). */
export interface DeliveryRecord {
  owner: Owner;
  id: string;
  /** Who it went to, as its audit row names it: `pairing <id>`, or `key <thumbprint> client <name/version>`. */
  recipient: string;
  at: Date;
  by: AuditActor;
  version?: number;
}
