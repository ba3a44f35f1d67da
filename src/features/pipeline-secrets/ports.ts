/** What the pipeline-secret use cases need of storage (the store implements it). */
import type { AuditActor, Owner } from '../../core/caller.js';
import type { MaybePromise } from '../../core/maybe.js';
import type { NewPipelineSecret, PipelineSecretRecord, PipelineSecretVersionView } from './model.js';

export type DeletedRow = PipelineSecretRecord & { deleted: Date };

export interface PipelineSecretStore {
  /** A context's secrets by name (binary order), after `afterName`, at most `take`; only names starting with `prefix` if given. */
  list(owner: Owner, options: { prefix?: string; afterName?: string; take: number }): MaybePromise<PipelineSecretRecord[]>;
  count(owner: Owner): Promise<number>;
  find(owner: Owner, id: number): Promise<PipelineSecretRecord | null>;
  /** The secrets of these contexts with these names. */
  findByNames(owners: readonly Owner[], names: readonly string[]): Promise<PipelineSecretRecord[]>;
  nameTaken(owner: Owner, name: string): Promise<boolean>;
  /**
   * Stores a new secret unless the context holds `limit` already. 'name-taken': the context has one of this name;
   * 'id-taken': the random id is another's (draw again); 'full': the limit. Nothing stored then.
   */
  insert(secret: NewPipelineSecret, limit: number): Promise<PipelineSecretRecord | 'name-taken' | 'id-taken' | 'full'>;
  /** A live secret's number of its latest version (null: no such live secret in the context). */
  valueVersion(owner: Owner, id: number): Promise<number | null>;
  /**
   * Sets a live secret's value as version `from + 1` (sealed twice: the live row's, the version's), if its latest is
   * still `from`; keeps the last `kept` versions. null: changed meanwhile, or gone.
   */
  replaceValue(
    owner: Owner,
    id: number,
    change: { from: number; secret: string; versionSecret: string; restoredFrom?: number; kept: number },
    at: Date,
    by: AuditActor,
  ): Promise<PipelineSecretRecord | null>;
  /** A live secret's versions, newest first. */
  versions(owner: Owner, id: number, take: number): Promise<PipelineSecretVersionView[]>;
  /** A version's sealed value (null: no such version kept, or the secret is not live in the context). */
  versionValue(owner: Owner, id: number, number: number): Promise<string | null>;
  /** Marks a live secret deleted (its name free, its value kept for the recovery window); false: no such live secret. */
  remove(owner: Owner, id: number, at: Date, by: AuditActor): Promise<boolean>;
  /** The context's deleted, unpurged secrets, the most recently deleted first. */
  deleted(owner: Owner, take: number): Promise<DeletedRow[]>;
  /** Brings a deleted, unpurged secret back under `name` while the context holds fewer than `limit` live ones. */
  undelete(owner: Owner, id: number, name: string, at: Date, by: AuditActor, limit: number): Promise<'undeleted' | 'name-taken' | 'full' | 'not-found'>;
  /** Destroys a deleted secret's value (the row stays, marked purged); false: no such deleted, unpurged secret. */
  purge(owner: Owner | undefined, id: number, at: Date, by: AuditActor): Promise<boolean>;
  /** Ids of secrets deleted before `before` and not yet purged (at most `take`). */
  findPurgeable(before: Date, take: number): Promise<number[]>;
  /** The sealed values of these live secrets of these contexts, by id. */
  sealedValues(owners: readonly Owner[], ids: readonly number[]): Promise<Map<number, string>>;
  /** Records a delivery of each (its last use; an audit row `pipeline_secret.deliver` each); the ids still live. */
  /** `recipient`: who they went to, as their audit rows name it after the name (`pairing <id>`, `key <thumbprint> client …`). */
  recordDelivered(ids: readonly number[], at: Date, by: AuditActor, recipient: string): Promise<number[]>;
  // Key rotation (features/keys: OtherSealed).
  secretsNotStartingWith(prefixes: readonly string[]): Promise<{ id: string; secret: string }[]>;
  countSecretsStartingWith(prefix: string): Promise<number>;
  replaceSecret(id: string, expected: string, secret: string): Promise<boolean>;
}
