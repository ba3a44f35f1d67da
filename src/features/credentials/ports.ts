/** What the use cases of credentials need from storage: the store implements these; a use case takes the slice it uses. */
import type { AuditActor, Owner } from '../../core/caller.js';
import type { MaybePromise } from '../../core/maybe.js';
import type { ExpiryColumns } from '../providers/index.js';
import type {
  CredentialChanges,
  CredentialRecord,
  DeletedRecord,
  DeliveryRecord,
  NewCredential,
  PageQuery,
  SealedCredential,
  SealedSecret,
  SealedVersion,
  UpdateOutcome,
  Validation,
  VersionRecord,
} from './model.js';

export interface CredentialStore {
  /**
   * Makes destroyed material leave the files: on SQLite, secure_delete has
   * zeroed it in the database pages; a checkpoint that truncates the
   * write-ahead log drops the older page images holding it (a reader in the
   * middle of a read can make it wait for the next run). On PostgreSQL deleted
   * rows are reclaimed by VACUUM (autovacuum): see docs/operating.md.
   */
  forgetDestroyed(): Promise<void>;
  /**
   * The owner's credential if it is live (not deleted). On SQLite one found is
   * kept with the database's data version and reused while nothing has been
   * committed since (prepared.ts: any change, by any process, reads it again).
   */
  findLive(owner: Owner, id: string): MaybePromise<CredentialRecord | null>;
  /** The owner's live credentials in (dateCreated, id) order. */
  findPage({ owner, providers, after, take }: PageQuery): MaybePromise<CredentialRecord[]>;
  /**
   * The counter that every change to the owner's credentials bumps (a trigger
   * does, in the statement of the change): equal values mean nothing changed.
   */
  findVersion(owner: Owner): MaybePromise<number>;
  /**
   * The owner's live credential with its sealed secret and row version (read
   * before a change, a probe, a delivery: each change is conditional on the
   * version read here).
   */
  findForChange(owner: Owner, id: string): MaybePromise<SealedCredential | null>;
  /** The credential an earlier create with this idempotency key made (deleted or not), with that request's fingerprint. */
  findByIdempotencyKey(owner: Owner, idempotencyKey: string): Promise<{ record: CredentialRecord; deleted: boolean; requestFingerprint: string | null } | null>;
  /** True when a live credential of the owner has this name. */
  isNameTaken(owner: Owner, name: string): Promise<boolean>;
  /** The owner's live credential of this name with its sealed secret (as findForChange), or null. */
  findSealedByName(owner: Owner, name: string): MaybePromise<SealedCredential | null>;
  /**
   * Inserts a credential. One parameterised raw statement (0.9 ms here against
   * 1.5 ms for Prisma's `create`, which plans the query and reads the row back;
   * the caller has every value). 'duplicate': a unique index (live name, or
   * idempotency key) refused it and nothing was stored; 'limit': the owner
   * holds `limit` live credentials already (nothing stored; no limit when undefined).
   */
  insert(credential: NewCredential, by: AuditActor, limit?: number): Promise<'inserted' | 'duplicate' | 'limit'>;
  /**
   * Replaces the credential's fields, only if it is still live and at `version`
   * (one conditional statement: optimistic concurrency, no transaction held).
   * 'changed': it changed or was deleted since it was read; 'duplicate': another
   * live credential of the owner has the new name.
   */
  update(owner: Owner, id: string, version: number, changes: CredentialChanges, by: AuditActor, keep: number): Promise<UpdateOutcome>;
  /**
   * Soft delete: the row stays, marked deleted, its name freed; its sealed
   * material is kept for the recovery window (see purge). False: no such live credential.
   */
  softDelete(owner: Owner, id: string, at: Date, by: AuditActor): Promise<boolean>;
  /**
   * Destroys a deleted credential's sealed material: its secret and every
   * version (their rows deleted; on SQLite, secure_delete overwrites the freed
   * bytes). The row stays as a tombstone (name, non-secret keys, dates), marked purged.
   * False: no such deleted, unpurged credential of the owner (undefined owner: of any).
   */
  purge(owner: Owner | undefined, id: string, at: Date, by: AuditActor, detail?: string | null): Promise<boolean>;
  /** Ids of credentials deleted before `before` and not yet purged, at most `take`: the purge's work. */
  findPurgeable(before: Date, take: number): Promise<string[]>;
  /** The owner's (undefined: every context's) deleted credentials still in their recovery window, the most recently deleted first (at most `take`). */
  findDeleted(owner: Owner | undefined, take: number): Promise<DeletedRecord[]>;
  /** The owner's (undefined: any context's) deleted, unpurged credential with its sealed secret (for an undelete). */
  findDeletedForChange(owner: Owner | undefined, id: string): Promise<SealedCredential | null>;
  /**
   * Brings a deleted credential back under `name`, only if it is still deleted
   * and unpurged at `version`, and the owner holds fewer than `limit` live
   * credentials (counted in the same statement; no limit when undefined).
   * 'duplicate': a live credential of the owner has that name.
   */
  undelete(owner: Owner, id: string, version: number, name: string, at: Date, by: AuditActor, limit?: number): Promise<UpdateOutcome | 'limit'>;
  /** The credential's versions, newest first, those numbered below `before` (undefined: from the newest), at most `take`. */
  findVersions(credentialId: string, before: number | undefined, take: number): Promise<VersionRecord[]>;
  /** One version with its sealed material, or null when it was never recorded or is destroyed. */
  findKeyVersion(credentialId: string, number: number): Promise<SealedVersion | null>;
  /**
   * Marks INVALID every live credential whose expiry has passed by `now` and
   * that no probe has found valid since it expired (the rule of docs/api-graphql.md).
   * How many it marked.
   */
  markExpired(now: Date, message: string, by: AuditActor): Promise<number>;
  /**
   * Writes the expiry notices due by `now` (audited `credential.expiring`,
   * detail `7d` or `1d`): one of each per expiry date, for live credentials
   * expiring within `withinMs` (7 days) or `lastMs` (1 day). A notice once
   * written for an expiry is not written again; a new expiry date gets its own.
   * How many it wrote.
   */
  markExpiring(now: Date, notices: readonly { notice: string; withinMs: number }[], by: AuditActor): Promise<number>;
  /** How many live credentials expire before `before` (expired ones included). */
  countExpiringBefore(before: Date): Promise<number>;
  /**
   * Live credentials expiring before `before` (expired ones included), the
   * soonest first, after the position `after` in (expiresAt, id) order: of the
   * owner, or of every context (undefined).
   */
  findExpiring(
    owner: Owner | undefined,
    before: Date,
    take: number,
    options?: { providers?: readonly string[]; after?: { expiresAt: Date; id: string } },
  ): Promise<CredentialRecord[]>;
  /**
   * Records deliveries (each credential's last use, and through the trigger its
   * audit row naming the pairing), all in one transaction: one commit. For each,
   * false if the credential was deleted meanwhile (nothing recorded for it).
   */
  recordDeliveries(deliveries: readonly DeliveryRecord[]): Promise<boolean[]>;
  /**
   * Records a validation's verdict (status, the provider's message, when), only
   * if the credential is still live and at `version` (the keys that were
   * probed), and the expiry the provider's answer told (`expiry`). False: it
   * changed or was deleted meanwhile, and nothing was recorded.
   */
  recordValidation(owner: Owner, id: string, version: number, verdict: Validation, by: AuditActor, expiry?: ExpiryColumns): Promise<boolean>;
  /** How many live credentials of each provider are INVALID. */
  countInvalidByProvider(): Promise<Map<string, number>>;
  /** Live credentials after `afterId` in id order (with their sealed secrets), at most `take`: a walk over all of them. */
  findLiveAfter(afterId: string, take: number): Promise<SealedCredential[]>;
  /** How many live credentials there are, in every context. */
  countLive(): Promise<number>;
  /** How many stored secrets start with `prefix`. */
  countSecretsStartingWith(prefix: string): Promise<number>;
  /** How many stored secrets start with none of `prefixes`. */
  countSecretsNotStartingWith(prefixes: readonly string[]): Promise<number>;
  /**
   * Stored secrets that start with none of `prefixes`: live rows in id order,
   * then versions in (id, number) order, skipping the slots `excluded` (see
   * slotOf); at most `take` (undefined: all).
   */
  findSecretsNotStartingWith(prefixes: readonly string[], excluded?: readonly string[], take?: number): Promise<SealedSecret[]>;
  /**
   * Replaces a sealed secret (the live row's, or a version's), only if it still
   * holds `expected`. False: an update re-sealed it meanwhile (under the primary
   * key already), or it was deleted or destroyed.
   */
  replaceSecret(slot: Pick<SealedSecret, 'id' | 'version'>, expected: string, secret: string, by: AuditActor): Promise<boolean>;
}
