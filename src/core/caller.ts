/** Who makes a call, and through which door: what every use case is given and the audit trail records. */

/** Where a call came in. */
export type Door = 'graphql' | 'rest' | 'cli';

/** The authenticated user a call acts for, and the door it came through. */
export interface Caller {
  userId: string;
  door: Door;
}

/** Who did something, as the audit trail records it: a user id or `operator`, and the door (`start`: the first run). */
export interface AuditActor {
  actor: string;
  door: Door | 'start';
}

/** The operator at the command line. */
export const OPERATOR: AuditActor = { actor: 'operator', door: 'cli' };

export const actorOf = (caller: Caller): AuditActor => ({ actor: caller.userId, door: caller.door });
