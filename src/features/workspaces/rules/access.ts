/**
 * Which credentials a call acts on, and whether it may: the caller's own
 * (no workspace named), or a workspace's when the caller takes part in it with
 * a role that allows the action. Checked against the database on every call
 * (one prepared statement, which also reads the workspace's credentials
 * version): a removed participant or a lowered role is refused by the very
 * next request, on every instance.
 */

import type { Caller, Owner } from '../../../core/caller.js';
import { Forbidden } from '../../../core/errors.js';
import type { MaybePromise } from '../../../core/maybe.js';
import { checkScope, scopeAllows } from '../../accounts/index.js';
import { WorkspaceNotFound } from '../errors.js';
import type { WorkspaceAccessRecord } from '../model.js';
import type { WorkspaceStore } from '../ports.js';
import { may, SCOPE_NEEDED, type WorkspaceAction } from './permissions.js';

export interface CallContext {
  owner: Owner;
  /** The owner's credentials version, when it was read with the role (a workspace). */
  version?: number;
  /** The caller's role in the workspace (undefined in the personal context, where the caller may do all). */
  role?: string;
  /** The workspace's direct-delivery level (rules/permissions.ts), read with the role. */
  directDelivery?: string;
}

/** An organization or workspace id as clients send it: a positive integer (an int64 upstream; here within 2^53). */
export function parseId(raw: string): number | undefined {
  if (!/^[1-9][0-9]{0,15}$/.test(raw)) return undefined;
  const id = Number(raw);
  return Number.isSafeInteger(id) ? id : undefined;
}

/** What a call in a workspace may fail with for the workspace: not found (not the caller's), or a role that does not allow it. */
export const ACCESS_ERRORS = [WorkspaceNotFound, Forbidden] as const;

export class WorkspaceAccess {
  constructor(private readonly store: WorkspaceStore) {}

  /**
   * The context of a call that does `action`. A workspace that does not exist,
   * where the caller does not take part, or a malformed id: WorkspaceNotFound;
   * a role that does not allow the action: Forbidden.
   */
  context(caller: Caller, action: WorkspaceAction): MaybePromise<CallContext> {
    checkScope(caller, SCOPE_NEEDED[action]);
    if (caller.workspaceId === undefined) return { owner: { kind: 'user', id: caller.userId } };
    const raw = caller.workspaceId;
    const workspaceId = parseId(raw);
    if (workspaceId === undefined) throw new WorkspaceNotFound(raw);
    const decide = (access: WorkspaceAccessRecord | null): CallContext => {
      if (!access) throw new WorkspaceNotFound(raw);
      if (!may(access.role, action)) throw new Forbidden(`Your role in workspace ${workspaceId} (${access.role}) does not allow this`);
      return { owner: { kind: 'workspace', id: workspaceId }, version: access.version, role: access.role, directDelivery: access.directDelivery };
    };
    const access = this.store.findAccess(workspaceId, caller.userId);
    return access instanceof Promise ? access.then(decide) : decide(access);
  }

  /** May the caller also do `action` in a context it was given (its token's scope and its role there)? */
  allows(caller: Caller, context: CallContext, action: WorkspaceAction): boolean {
    if (!scopeAllows(caller.scope, SCOPE_NEEDED[action])) return false;
    return context.role === undefined || may(context.role, action);
  }
}
