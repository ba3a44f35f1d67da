/** What the credentials use cases take and answer beyond the model: their options, settings and page shapes. */
import type { Caller, Owner } from '../../../core/caller.js';
import type { Timestamp } from '../../../core/time.js';
import type { ReadEvent } from '../../audit/index.js';
import type { ProviderSettings } from '../../providers/index.js';
import type { VersionRecord } from '../model.js';
import type { CredentialView } from '../rules/view.js';

export type { CreateOptions, WriteOptions } from '../rules/material.js';
export { MAX_PAGE_SIZE } from '../rules/paging.js';

/** A page of a credential's versions, newest first. */
export interface VersionPage {
  items: VersionRecord[];
  hasNextPage: boolean;
}

/** A deleted credential in its recovery window: when it was deleted, and when it will be destroyed. */
export interface DeletedCredentialView extends CredentialView {
  deleted: Timestamp;
  purgeAfter: Timestamp;
}

/** The longest `within` of an expiry query: ten years. */
export const MAX_EXPIRY_HORIZON_MS = 3650 * 86_400_000;

/** What the installation tells the credentials service: the providers' settings and the limits. */
export interface CredentialSettings extends ProviderSettings {
  /** Live credentials one context (a user's own, a workspace) may hold (undefined: no limit). */
  credentialsPerContext?: number;
  /** Versions of key material kept per credential (CREDENTIAL_VERSIONS_KEPT; its default is the setting's); older ones are destroyed. */
  versionsKept: number;
  /** How long a deleted credential stays restorable, in ms (CREDENTIAL_RECOVERY_WINDOW; 0: purged at once). */
  recoveryWindowMs: number;
  /**
   * AUDIT_READS: where describes and lists are recorded before they are
   * answered (a read whose record cannot be written fails); undefined: not recorded.
   */
  recordReads?: (events: readonly ReadEvent[]) => Promise<void>;
}

/** The audit row of a read in a context. */
export const readEvent = (caller: Caller, owner: Owner, action: ReadEvent['action'], targetId: string, detail: string | null): ReadEvent => ({
  action,
  targetId,
  ownerUserId: owner.kind === 'user' ? owner.id : null,
  workspaceId: owner.kind === 'workspace' ? owner.id : null,
  actor: caller.userId,
  door: caller.door,
  detail,
});

export interface ListOptions {
  /** Only these providers (undefined: all). */
  providers?: readonly string[];
  /** Page size; undefined lists everything. */
  first?: number;
  /** Opaque cursor of the last item of the previous page. */
  after?: string;
}

/**
 * Credentials kept in built pages, in all (a view and its wire text: about 1 KB
 * each, so about 10 MB). A whole list longer than a quarter of this is read each time.
 */
export const CACHED_ITEMS = 10_000;
