/** A machine's OIDC token exchanged for an access token on the REST API: `POST /api/auth/oidc`. */
import { z } from 'zod';
import { ErrorResponse, emptyQuery, instant } from '../../../../doors/rest/common.js';
import { component, parse, type RestRoute, route } from '../../../../doors/rest/route.js';

export const exchangeRequest = z.object({
  token: z
    .string()
    .min(1)
    .max(16 * 1024)
    .meta({ description: 'The JWT of a trusted issuer (a CI job’s OIDC token)' }),
});
export const exchangeResponse = z.object({
  accessToken: z.string().meta({ description: 'Send it as `Authorization: Bearer <accessToken>` until expiresAt' }),
  tokenType: z.literal('Bearer'),
  expiresAt: instant,
  scope: z.string(),
  user: z.string().meta({ description: 'The user the token acts as (the rule’s user, or its service user oidc:<rule>)' }),
  workspace: z.string().optional().meta({ description: 'The workspace (org/ws) the rule gives a role in' }),
  rule: z.string().meta({ description: 'The operator’s rule that matched' }),
});
export const ExchangeOidcTokenRequest = component('ExchangeOidcTokenRequest', exchangeRequest, 'input');
export const ExchangeOidcTokenResponse = component('ExchangeOidcTokenResponse', exchangeResponse);

export const EXCHANGE_ROUTES: readonly RestRoute[] = [
  route({
    method: 'POST',
    url: '/api/auth/oidc',
    operationId: 'ExchangeOidcToken',
    summary: 'Exchange a machine’s OIDC token for an access token',
    description:
      "This service's extension, for CI jobs without a stored secret: a JWT of an issuer the operator trusts (OIDC_MACHINE_ISSUERS: " +
      'GitHub Actions, GitLab CI, Kubernetes service accounts…), with the audience and the claims a rule asks, is exchanged for a ' +
      "short-lived access token (the rule's scope and lifetime, at most an hour) of the rule's user. No Authorization header. " +
      'Refusals (an untrusted issuer, a wrong audience, an expired token, a signature that does not verify, an algorithm not accepted, ' +
      'no rule matched) answer 401 saying which, and count as failed authentications.',
    extension: true,
    public: true,
    query: emptyQuery,
    body: ExchangeOidcTokenRequest,
    responses: {
      '200': { description: 'OK', body: ExchangeOidcTokenResponse },
      '401': { description: 'The token was not accepted: the message says why', body: ErrorResponse },
      '429': { description: 'Too many failed authentications from this client: retry after Retry-After seconds', body: ErrorResponse },
    },
    async handle({ services, authenticator, request }) {
      const body = parse(exchangeRequest, request.body);
      const exchanged = await authenticator.attempt(request, () => services.machineSignIn.exchange(body.token, 'rest'));
      return { ...exchanged, tokenType: 'Bearer', expiresAt: exchanged.expiresAt.toISOString() };
    },
  }),
];
