/** The authenticated user and their access tokens. */
import { builder } from './builder.js';

builder.prismaObject('AccessToken', {
  description: 'An access token (its value is shown only once, when created).',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
  }),
});

builder.prismaObject('User', {
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    tokens: t.relation('tokens', { query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } }),
  }),
});

builder.queryField('viewer', (t) =>
  t.prismaField({
    type: 'User',
    authScopes: { authenticated: true },
    description: 'The user of the access token.',
    resolve: (query, _root, _args, ctx) =>
      ctx.services.db.user.findUniqueOrThrow({ ...query, where: { id: ctx.viewer!.userId } }),
  }),
);
