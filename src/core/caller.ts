/** Who makes a call, and through which door: what every use case is given and the audit trail records. */

/** Where a call came in. */
export type Door = 'graphql' | 'rest' | 'cli';

/** The authenticated user a call acts for, the door it came through, and the context it asks for. */
export interface Caller {
  userId: string;
  door: Door;
  /** The workspace whose credentials the call acts on, as the client named it; undefined: the user's own. */
  workspaceId?: string;
  /** The scope of the token the call came with (src/features/accounts/rules/scopes.ts): `all`, `read`, `write`, `keys:read`. */
  scope: string;
  /** When the token the call came with expires (epoch ms; undefined: never): a token it makes expires no later. */
  tokenExpiresAt?: number;
  /** The call came with a browser session (a person at GraphiQL), not an access token: nothing is delivered to it directly. */
  session?: true;
}

/** The authenticated caller of a request. */
export interface Viewer {
  userId: string;
  tokenId: string;
  /** What the token may do (src/features/accounts/rules/scopes.ts). */
  scope: string;
  /** When the token expires (epoch ms; undefined: never): a long-lived stream ends then. */
  expiresAt?: number;
  /** A browser session's viewer, not an access token's. */
  session?: true;
}

/** The operator at the command line: may do all that the commands offer. Its one form. */
export const OPERATOR = Object.freeze({ operator: true, door: 'cli' } as const);
export type Operator = typeof OPERATOR;

/** Who makes a call that the operator may make too (workspaces, tokens, pairings): a user, or the operator. */
export type Principal = Caller | Operator;

export const isOperator = (principal: Principal): principal is Operator => principal === OPERATOR;

/** Whose credentials: a user's own (the personal context) or a workspace's. */
export type Owner = { kind: 'user'; id: string } | { kind: 'workspace'; id: number };

/** Who did something, as the audit trail records it: a user id or `operator`, and the door (`start`: the first run). */
export interface AuditActor {
  actor: string;
  door: Door | 'start' | 'background';
}

/** How the audit trail records who made a call. */
export const actorOf = (principal: Principal): AuditActor =>
  isOperator(principal) ? { actor: 'operator', door: principal.door } : { actor: principal.userId, door: principal.door };
