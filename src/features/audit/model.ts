export interface AuditRecord {
  id: number;
  at: Date;
  action: string;
  targetType: string;
  targetId: string;
  ownerUserId: string | null;
  workspaceId: number | null;
  actor: string | null;
  door: string | null;
  detail: string | null;
}

export interface AuditQuery {
  targetId?: string;
  ownerUserId?: string;
  workspaceId?: number;
  limit: number;
}

/** An event of the operator's database commands. */
export interface DatabaseEvent {
  action: 'database.backup' | 'database.restore';
  /** The file, by its name. */
  targetId: string;
  actor: string;
  door: string;
  detail: string;
}

/** A read of credentials, for AUDIT_READS: who read which credential (a list: the context, by its target `list`). */
export interface ReadEvent {
  action: 'credential.read' | 'credential.list';
  targetId: string;
  ownerUserId: string | null;
  workspaceId: number | null;
  actor: string;
  door: string;
  detail: string | null;
}

/** A page of the trail, filtered: by context, time, actor and action, after an event id, in id order. */
export interface AuditPageQuery {
  ownerUserId?: string;
  workspaceId?: number;
  since?: Date;
  until?: Date;
  actor?: string;
  actions?: readonly string[];
  /** Strictly after (ascending) or before (descending) this event id. */
  cursor?: number;
  order: 'asc' | 'desc';
  take: number;
}

/** An event as people and SIEMs see it. */
export interface AuditEventView {
  id: number;
  at: Date;
  action: string;
  seqeraType: string | null;
  targetType: string;
  targetId: string;
  /** The credential's name, for a credential event. */
  targetName: string | null;
  /** The credential's provider, for a credential event. */
  provider: string | null;
  /** The context: a user's own (`ownerUserId`) or a workspace's; and their names (`org/ws` for a workspace). */
  ownerUserId: string | null;
  ownerName: string | null;
  workspaceId: number | null;
  workspaceName: string | null;
  /** Who: a user id, `operator` or `background`; and the user's name. */
  actor: string | null;
  actorName: string | null;
  door: string | null;
  detail: string | null;
}

/** A machine sign-in's exchange (or its refusal) as the audit trail records it: the rule and the claims that matched. */
export interface ExchangeEvent {
  action: 'token.exchange' | 'token.refuse';
  targetId: string;
  userId: string;
  actor: string;
  door: string;
  detail: string;
}
