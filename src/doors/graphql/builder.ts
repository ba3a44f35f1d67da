/** The one schema builder: plugins, scalars and the context type. */
import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { GraphQLError } from 'graphql';
import type { Caller, Viewer } from '../../core/caller.js';
import { NotAuthenticated } from '../../core/errors.js';
import { INSTANT_FORMAT, instantOf, type Timestamp } from '../../core/time.js';
import type { Services } from '../services.js';

export interface Context {
  viewer: Viewer | null;
  services: Services;
}

/** The context of a field behind `t.withAuth({ authenticated: true })`: a viewer is guaranteed. */
export type AuthenticatedContext = Context & { viewer: Viewer };

/** The viewer's user id, for fields reached only below an authenticated one (relational reads). */
export function viewerId(ctx: Context): string {
  if (!ctx.viewer) throw new NotAuthenticated();
  return ctx.viewer.userId;
}

/** The domain's caller of an authenticated field. */
export const callerOf = (ctx: AuthenticatedContext): Caller => ({
  userId: ctx.viewer.userId,
  door: 'graphql',
  scope: ctx.viewer.scope,
  ...(ctx.viewer.expiresAt === undefined ? {} : { tokenExpiresAt: ctx.viewer.expiresAt }),
  ...(ctx.viewer.session ? { session: true } : {}),
});

/** The caller of a field below an authenticated one (a relation's context is not narrowed): NotAuthenticated without a viewer. */
export function fieldCaller(ctx: Context): Caller {
  viewerId(ctx);
  return callerOf(ctx as AuthenticatedContext);
}

export const builder = new SchemaBuilder<{
  Context: Context;
  AuthScopes: { authenticated: boolean };
  AuthContexts: { authenticated: AuthenticatedContext };
  Scalars: { DateTime: { Input: Date; Output: Date | Timestamp } };
  DefaultFieldNullability: false;
}>({
  plugins: [ScopeAuthPlugin, ErrorsPlugin, RelayPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (ctx) => ({ authenticated: ctx.viewer !== null }),
    unauthorizedError: () => new NotAuthenticated(),
    // A subscription is authorized when it is opened, like a query (and by the domain again as events arrive).
    authorizeOnSubscribe: true,
  },
  errors: { defaultTypes: [] },
  relay: {
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    clientMutationId: 'omit',
    cursorType: 'String',
  },
});

builder.scalarType('DateTime', {
  description: `An instant: answered as ISO 8601 in UTC with milliseconds; taken as ${INSTANT_FORMAT} (the same rule as the REST API's)`,
  serialize: (value) => (typeof value === 'string' ? value : value.toISOString()),
  parseValue: (value) => {
    const date = instantOf(value);
    if (!date) throw new GraphQLError(`DateTime must be ${INSTANT_FORMAT}, from 1970 to 9999`);
    return date;
  },
});

builder.queryType({});
builder.mutationType({});
