/** The authenticated user and their access tokens. */

import { Forbidden } from '../../core/errors.js';
import { AccessTokenNotFound } from '../../domain/auth/errors.js';
import { builder, callerOf, viewerId } from './builder.js';
import { errorType } from './errors.js';

errorType(AccessTokenNotFound, {
  description: 'No active access token with this id belongs to the caller.',
  fields: (t) => ({ id: t.id({ resolve: (e) => e.tokenId }) }),
});

builder.prismaObject('AccessToken', {
  description: 'An access token (its value is shown only once, when created).',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastUsedAt: t.expose('lastUsedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the token was last used (recorded at most once a minute)',
    }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true, description: 'Refused from this instant on (null: never expires)' }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    scope: t.exposeString('scope', {
      description: 'What the token may do: all; read (list and describe); write (read and change); keys:read (read and fetch keys for a paired service)',
    }),
  }),
});

builder.prismaObject('User', {
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    // Tokens are shown to their own user only (a colleague's, reached through a workspace, show none).
    tokens: t.relation('tokens', { query: (_args, ctx) => ({ where: { userId: viewerId(ctx) }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }) }),
  }),
});

builder.queryField('viewer', (t) =>
  t.withAuth({ authenticated: true }).prismaField({
    type: 'User',
    description: 'The user of the access token.',
    resolve: (query, _root, _args, ctx) => ctx.services.tokens.userForGraph(ctx.viewer.userId, query),
  }),
);

builder.mutationField('revokeAccessToken', (t) =>
  t.withAuth({ authenticated: true }).id({
    description: 'Revokes one of your access tokens (this one too, if you name it); returns its id. It is refused from the next request on.',
    args: { id: t.arg.id({ required: true }) },
    errors: { types: [AccessTokenNotFound, Forbidden] },
    resolve: async (_root, args, ctx) => {
      const id = String(args.id);
      await ctx.services.tokens.revokeOwnToken(callerOf(ctx), id);
      return id;
    },
  }),
);
