/** The caller's user and own tokens on the legacy REST API: Seqera's `/api/user-info` and `/api/tokens` paths. */
import { z } from 'zod';
import { NotAuthenticated } from '../../../../core/errors.js';
import { ErrorResponse, emptyQuery, instant } from '../../../../doors/rest/common.js';
import { answerAs } from '../../../../doors/rest/errors.js';
import { component, parse, type RestRoute, route } from '../../../../doors/rest/route.js';
import { AccessTokenNotFound } from '../../errors.js';
import type { TokenInfo } from '../../use-cases/tokens.js';

// Another user's token, or no such token, is refused like any foreign id.
answerAs('forbidden', AccessTokenNotFound);

/** Seqera's DescribeUserResponse, with the fields this service holds (see docs/api-rest.md). */
export const userInfoResponse = z.object({
  user: z.object({
    id: z.number().int().meta({ description: 'The user’s number: an integer (int64 upstream, as Wave reads it), given when the user was made, never reused' }),
    userName: z.string(),
    email: z.string().optional().meta({ description: 'As the identity provider gave it (people who sign in); absent otherwise' }),
    dateCreated: z.string().meta({ format: 'date-time' }),
    deleted: z.boolean(),
  }),
  needConsent: z.boolean(),
});

// ---- Access tokens (Seqera's /tokens paths) ----------------------------------

export const tokenParams = z.object({
  tokenId: z.coerce
    .number({ error: 'must be a token id (a whole number)' })
    .int('must be a token id (a whole number)')
    .min(1, 'must be a token id (a whole number)')
    .max(Number.MAX_SAFE_INTEGER, 'must be a token id (a whole number)')
    .meta({ description: 'Token numeric identifier' }),
});

/** Seqera's AccessToken: its number as `id`, never its value. */
export const accessToken = z.object({
  id: z.number().int().meta({ description: 'The token’s number (its GraphQL `number`)' }),
  name: z.string().min(1),
  dateCreated: instant,
  lastUsed: instant.optional().meta({ description: 'Recorded at most once a minute; absent: never used' }),
});
export const createTokenRequest = z.object({
  name: z.string().meta({ description: 'A name unique among your live tokens (1-64 characters)' }),
});
export const createTokenResponse = z.object({
  accessKey: z.string().meta({ description: 'The token: send it as `Authorization: Bearer <token>`. Shown this once' }),
  token: accessToken,
});
export const listTokensResponse = z.object({ tokens: z.array(accessToken) });

export const DescribeUserResponse = component('DescribeUserResponse', userInfoResponse);
export const ListAccessTokensResponse = component('ListAccessTokensResponse', listTokensResponse);
export const CreateAccessTokenRequest = component('CreateAccessTokenRequest', createTokenRequest, 'input');
export const CreateAccessTokenResponse = component('CreateAccessTokenResponse', createTokenResponse);

/** A token as Seqera's AccessToken (its number as id; never its value). */
const tokenJson = (t: TokenInfo) => ({
  id: t.number ?? 0,
  name: t.name,
  dateCreated: t.createdAt.toISOString(),
  ...(t.lastUsedAt ? { lastUsed: t.lastUsedAt.toISOString() } : {}),
});

export const USER_ROUTES: readonly RestRoute[] = [
  route({
    method: 'GET',
    url: '/api/user-info',
    operationId: 'UserInfo',
    summary: 'Describe current user',
    description: "Seqera's user-info: the token's user — its number as `id`, its name, the e-mail address its identity provider gave (people who sign in).",
    query: emptyQuery,
    responses: { '200': { description: 'OK', body: DescribeUserResponse } },
    async handle({ services, caller }) {
      const user = await services.tokens.findUser(caller.userId);
      if (!user) throw new NotAuthenticated();
      const profile = await services.signIn.profileOf(caller.userId);
      return {
        user: {
          id: user.number,
          userName: user.name,
          ...(profile?.email ? { email: profile.email } : {}),
          dateCreated: user.createdAt.toISOString(),
          deleted: false,
        },
        needConsent: false,
      };
    },
  }),
];

export const TOKEN_ROUTES: readonly RestRoute[] = [
  route({
    method: 'GET',
    url: '/api/tokens',
    operationId: 'TokenList',
    summary: 'List tokens',
    description: 'Your live access tokens (revoked ones are gone; expired ones listed), never their values.',
    query: emptyQuery,
    responses: { '200': { description: 'OK', body: ListAccessTokensResponse } },
    async handle({ services, caller }) {
      const tokens = await services.tokens.ownTokens(caller);
      return { tokens: tokens.filter((t) => t.revokedAt === null).map(tokenJson) };
    },
  }),
  route({
    method: 'POST',
    url: '/api/tokens',
    operationId: 'CreateToken',
    summary: 'Create token',
    description:
      'An access token of your own, with the scope and the expiry of the token of this request (never more: GraphQL createAccessToken ' +
      'takes a narrower scope and a shorter life). Shown this once. At most MAX_TOKENS_PER_USER live tokens.',
    query: emptyQuery,
    body: CreateAccessTokenRequest,
    responses: {
      '200': { description: 'OK', body: CreateAccessTokenResponse },
      '409': { description: 'A live token of yours has this name, or you hold the most tokens allowed (MAX_TOKENS_PER_USER)', body: ErrorResponse },
    },
    async handle({ services, request, caller }) {
      const body = parse(createTokenRequest, request.body);
      const { token, info } = await services.tokens.createOwnToken(caller, { name: body.name });
      return { accessKey: token, token: tokenJson(info) };
    },
  }),
  route({
    method: 'DELETE',
    url: '/api/tokens/delete-all',
    operationId: 'DeleteAllTokens',
    summary: 'Delete all user tokens',
    description: 'Revokes every live token of yours, the one of this request too: each is refused from the next request on, on every instance.',
    query: emptyQuery,
    responses: { '204': { description: 'OK - No content' } },
    async handle({ services, reply, caller }) {
      await services.tokens.revokeAllOwnTokens(caller);
      return reply.status(204).send();
    },
  }),
  route({
    method: 'DELETE',
    url: '/api/tokens/:tokenId',
    operationId: 'DeleteToken',
    summary: 'Delete token',
    description: 'Revokes one of your tokens by its number; another user’s, or no such token, is refused like any foreign id.',
    params: tokenParams,
    query: emptyQuery,
    responses: { '204': { description: 'OK - No content' } },
    async handle({ services, reply, params, caller }) {
      await services.tokens.revokeOwnTokenByNumber(caller, params.tokenId);
      return reply.status(204).send();
    },
  }),
];
