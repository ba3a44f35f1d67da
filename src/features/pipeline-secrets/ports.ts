/** What the pipeline-secret use cases need of storage (the store implements it). */
import type { AuditActor, Owner } from '../../core/caller.js';
import type { NewPipelineSecret, PipelineSecretRecord } from './model.js';

export interface PipelineSecretStore {
  /** A context's secrets by name (binary order), after `afterName`, at most `take`; only names starting with `prefix` if given. */
  list(owner: Owner, options: { prefix?: string; afterName?: string; take: number }): Promise<PipelineSecretRecord[]>;
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
  /** Sets a secret's sealed value; false: no such secret in the context. */
  replaceValue(owner: Owner, id: number, secret: string, at: Date, by: AuditActor): Promise<PipelineSecretRecord | null>;
  /** Deletes a secret (its value destroyed with the row); false: no such secret in the context. */
  remove(owner: Owner, id: number, by: AuditActor): Promise<boolean>;
  // Key rotation (features/keys: OtherSealed).
  secretsNotStartingWith(prefixes: readonly string[]): Promise<{ id: string; secret: string }[]>;
  countSecretsStartingWith(prefix: string): Promise<number>;
  replaceSecret(id: string, expected: string, secret: string): Promise<boolean>;
}
