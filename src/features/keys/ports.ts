import type { KeyCheckRecord } from './model.js';

export interface KeyCheckStore {
  find(id: string): Promise<KeyCheckRecord | null>;
  /** Writes the check unless one is there (another instance starting at the same time wrote it first: theirs stays). */
  createIfAbsent(id: string, sealed: string, at: Date): Promise<void>;
  count(): Promise<number>;
  secretsNotStartingWith(prefixes: readonly string[]): Promise<{ id: string; secret: string }[]>;
  countSecretsStartingWith(prefix: string): Promise<number>;
  replaceSecret(id: string, expected: string, sealed: string): Promise<boolean>;
}
