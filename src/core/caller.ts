/** Who makes a call, and through which door: what every use case is given and the audit trail records. */

/** Where a call came in. */
export type Door = 'graphql' | 'rest' | 'cli';

/** The authenticated user a call acts for, the door it came through, and the context it asks for. */
export interface Caller {
  userId: string;
  door: Door;
  /** The workspace whose credentials the call acts on, as the client named it; undefined: the user's own. */
  workspaceId?: string;
  /** The scope of the token the call came with (src/auth/scopes.ts); undefined: all (the operator, a test). */
  scope?: string;
}

/** Whose credentials: a user's own (the personal context) or a workspace's. */
export type Owner = { kind: 'user'; id: string } | { kind: 'workspace'; id: number };

/** Who did something, as the audit trail records it: a user id or `operator`, and the door (`start`: the first run). */
export interface AuditActor {
  actor: string;
  door: Door | 'start' | 'background';
}

/** The operator at the command line. */
export const OPERATOR: AuditActor = { actor: 'operator', door: 'cli' };

export const actorOf = (caller: Caller): AuditActor => ({ actor: caller.userId, door: caller.door });
