/**
 * What an access token may do, whoever holds it: a pipeline agent should hold
 * a token that fetches keys and nothing more, not one that can change or
 * delete credentials. A token's scope narrows what its user's roles allow; it
 * never widens it.
 */
import { isOperator, type Principal } from '../../../core/caller.js';
import { Forbidden } from '../../../core/errors.js';

/** `all` (the default), `read`, `write`, or `keys:read`. */
export const TOKEN_SCOPES = ['all', 'read', 'write', 'keys:read'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** What a call needs of a token: reading, changing, or receiving a credential's keys. */
export type ScopeNeed = 'read' | 'write' | 'keys';

/** Scope → what it allows. */
const ALLOWS: Readonly<Record<TokenScope, readonly ScopeNeed[]>> = {
  all: ['read', 'write', 'keys'],
  read: ['read'],
  write: ['read', 'write'],
  'keys:read': ['read', 'keys'],
};

export const isTokenScope = (scope: string): scope is TokenScope => (TOKEN_SCOPES as readonly string[]).includes(scope);

/** May a token of `scope` do what `need` asks? (An unknown scope may do nothing.) */
export const scopeAllows = (scope: string, need: ScopeNeed): boolean => isTokenScope(scope) && ALLOWS[scope].includes(need);

/** The call's token allows what it asks (the operator's calls have no token: they may do all). */
export function checkScope(caller: Principal, need: ScopeNeed): void {
  if (!isOperator(caller) && !scopeAllows(caller.scope, need)) {
    throw new Forbidden(`This access token's scope (${caller.scope}) does not allow this`);
  }
}

/** Everything `inner` allows, `outer` allows too: a token with `outer` may make one with `inner`. */
export const scopeWithin = (inner: string, outer: string): boolean =>
  isTokenScope(inner) && isTokenScope(outer) && ALLOWS[inner].every((need) => ALLOWS[outer].includes(need));
