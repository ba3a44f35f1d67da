/** The authenticated user and their access tokens. */

import { builder, type Context, callerOf, viewerId } from '../../../../doors/graphql/builder.js';
import { errorType } from '../../../../doors/graphql/errors.js';
import { inKeyOrder, loaderOf } from '../../../../doors/graphql/loaders.js';
import { AccessTokenNameTaken, AccessTokenNotFound, TokenBeyondItsMaker } from '../../errors.js';
import type { TokenRecord, UserRecord } from '../../model.js';
import { TOKEN_SCOPES } from '../../rules/scopes.js';
import type { TokenInfo } from '../../use-cases/tokens.js';
import { OWN_TOKEN_ERRORS } from '../../use-cases/tokens.js';

errorType(AccessTokenNameTaken, {
  description: 'You have a live token with this name already.',
  fields: (t) => ({ name: t.string({ resolve: (e) => e.tokenName }) }),
});
errorType(TokenBeyondItsMaker, {
  description: 'A token may do at most what the token that makes it may, and live no longer.',
});

errorType(AccessTokenNotFound, {
  description: 'No active access token with this id belongs to the caller.',
  fields: (t) => ({ id: t.id({ resolve: (e) => e.tokenId }) }),
});

export const AccessTokenRef = builder.objectRef<TokenRecord>('AccessToken').implement({
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
    number: t.exposeInt('number', { nullable: true, description: 'Its number: the id of the upstream REST API (/api/tokens)' }),
    origin: t.exposeString('origin', { description: 'operator (made with the CLI), user (made by its user), oidc (a machine’s OIDC token exchanged)' }),
  }),
});

const AccessTokenScope = builder.enumType('AccessTokenScope', {
  description: 'What a token may do',
  values: Object.fromEntries(TOKEN_SCOPES.map((scope) => [scope.replace(':', '_').toUpperCase(), { value: scope, description: scope }])),
});

const CreateAccessTokenInput = builder.inputType('CreateAccessTokenInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: 'A name you will recognize in listings, unique among your live tokens' }),
    scope: t.field({ type: AccessTokenScope, required: false, description: 'At most what this request’s token may (absent: the same)' }),
    expiresIn: t.string({
      required: false,
      description: 'How long it lives: 1m to 365d (`90d`, `12h`); no longer than this request’s token (absent: as long as it)',
    }),
  }),
});

const TokenInfoRef = builder.objectRef<TokenInfo>('OwnAccessToken').implement({
  description: 'A token you made (its value is shown only once, here).',
  fields: (t) => ({
    id: t.exposeID('id'),
    number: t.exposeInt('number', { nullable: true }),
    name: t.exposeString('name'),
    scope: t.exposeString('scope'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true }),
  }),
});

const CreatedAccessToken = builder.objectRef<{ token: string; info: TokenInfo }>('CreatedAccessToken').implement({
  fields: (t) => ({
    token: t.exposeString('token', { description: 'The token (`cst_…`): send it as `Authorization: Bearer <token>`. Shown this once.' }),
    accessToken: t.field({ type: TokenInfoRef, resolve: (c) => c.info }),
  }),
});

builder.mutationField('createAccessToken', (t) =>
  t.withAuth({ authenticated: true }).field({
    type: CreatedAccessToken,
    description:
      'Makes an access token of your own, never more than the token of this request: its scope within this one’s (which must allow changes), ' +
      'its expiry no later. The answer holds the token, shown this once. At most MAX_TOKENS_PER_USER live tokens.',
    args: { input: t.arg({ type: CreateAccessTokenInput, required: true }) },
    errors: { types: [...OWN_TOKEN_ERRORS.create] },
    resolve: (_root, args, ctx) =>
      ctx.services.tokens.createOwnToken(callerOf(ctx), {
        name: args.input.name,
        scope: (args.input.scope as string | null) ?? undefined,
        expiresIn: args.input.expiresIn ?? undefined,
      }),
  }),
);

builder.queryField('accessTokens', (t) =>
  t.withAuth({ authenticated: true }).field({
    type: [AccessTokenRef],
    description: 'Your access tokens, revoked and expired ones included, oldest first (never their values).',
    resolve: (_root, _args, ctx) => ctx.services.tokens.ownTokens(callerOf(ctx)),
  }),
);

/** Users by id, each level of a nested selection read at once (a user that is gone: an error on its field). */
export const userLoader = (ctx: Context) =>
  loaderOf(ctx, 'user', async (ids: readonly string[]) =>
    inKeyOrder(
      ids,
      await ctx.services.tokens.findUsers(ids),
      (u) => u.id,
      ([user], id) => user ?? new Error(`No user ${id}`),
    ),
  );

export const UserRef = builder.objectRef<UserRecord>('User').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    // Tokens are shown to their own user only (a colleague's, reached through a workspace, show none).
    tokens: t.field({
      type: [AccessTokenRef],
      resolve: (user, _args, ctx) => (user.id === viewerId(ctx) ? ctx.services.tokens.listTokens(user.id) : []),
    }),
  }),
});

builder.queryField('viewer', (t) =>
  t.withAuth({ authenticated: true }).field({
    type: UserRef,
    description: 'The user of the access token.',
    resolve: (_root, _args, ctx) => userLoader(ctx).load(ctx.viewer.userId),
  }),
);

builder.mutationField('revokeAccessToken', (t) =>
  t.withAuth({ authenticated: true }).id({
    description: 'Revokes one of your access tokens (this one too, if you name it); returns its id. It is refused from the next request on.',
    args: { id: t.arg.id({ required: true }) },
    errors: { types: [...OWN_TOKEN_ERRORS.revoke] },
    resolve: async (_root, args, ctx) => {
      const id = String(args.id);
      await ctx.services.tokens.revokeOwnToken(callerOf(ctx), id);
      return id;
    },
  }),
);
