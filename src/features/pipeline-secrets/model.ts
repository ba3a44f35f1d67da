/** The model of pipeline secrets: the records its use cases, rules and doors speak in (its store maps rows to them). */
import type { AuditActor, Owner } from '../../core/caller.js';

/** A pipeline secret as anyone may see it: never its value. */
export interface PipelineSecretRecord {
  /** A random integer below 2^53 (upstream's int64 `secretId`). */
  id: number;
  owner: Owner;
  name: string;
  dateCreated: Date;
  lastUpdated: Date;
  /** When its value was last delivered (null: never). */
  lastUsed: Date | null;
}

/** A deleted secret still in its recovery window: restorable until `purgeAfter`, when its value is destroyed. */
export interface DeletedPipelineSecret extends PipelineSecretRecord {
  deleted: Date;
  purgeAfter: Date;
}

/** A version of a secret's value, as anyone may see it: never the value. */
export interface PipelineSecretVersionView {
  number: number;
  createdAt: Date;
  actor: string | null;
  door: string | null;
  /** The version it restored, when a restore made it. */
  restoredFrom: number | null;
}

export interface NewPipelineSecret {
  id: number;
  owner: Owner;
  name: string;
  /** The value, sealed for the live row. */
  secret: string;
  /** The value, sealed for version 1. */
  versionSecret: string;
  at: Date;
  by: AuditActor;
}

/** Which secret a run gets for a name: the caller's own (`user`) or the workspace's. */
export interface ResolvedPipelineSecret {
  name: string;
  scope: 'user' | 'workspace';
  id: number;
}
