/** The model of backups: what a snapshot holds, as its checks and reports speak of it. */

/** A sealed value in a snapshot: the credential it belongs to (owner, provider) and its slot (null: the live row; else a version). */
export interface SnapshotSealedValue {
  id: string;
  userId: string | null;
  workspaceId: number | null;
  provider: string;
  version: number | null;
  secret: string;
  /** A pipeline secret's value (`id` is the secret's), not a credential's. */
  pipelineSecret?: true;
}

/** What a snapshot holds, in counts (nothing of a secret). */
export interface SnapshotContents {
  credentials: number;
  deletedCredentials: number;
  versions: number;
  users: number;
  workspaces: number;
  auditEvents: number;
  /** The newest migration the snapshot's schema has. */
  migration: string | null;
}

export type SnapshotKind = 'sqlite' | 'pg_dump' | 'unknown';
