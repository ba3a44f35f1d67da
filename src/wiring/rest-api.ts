/**
 * The REST API of this process: every feature's routes, in the order the
 * OpenAPI document lists them, and its components in the document's order;
 * service-info, which speaks for the whole service, is declared here.
 */
import { z } from 'zod';
import { ErrorResponse, emptyQuery } from '../doors/rest/common.js';
import { type Component, component, type RestRoute, route } from '../doors/rest/route.js';
import {
  CreateAccessTokenRequest,
  CreateAccessTokenResponse,
  DescribeUserResponse,
  ListAccessTokensResponse,
  TOKEN_ROUTES,
  USER_ROUTES,
} from '../features/accounts/doors/rest/tokens.js';
import { AUDIT_ROUTES } from '../features/audit/doors/rest/audit-events.js';
import { CREDENTIAL_ROUTES } from '../features/credentials/doors/rest/routes.js';
import {
  CreateCredentialsRequest,
  CreateCredentialsResponse,
  DescribeCredentialsResponse,
  ListCredentialsResponse,
  ListCredentialVersionsResponse,
  UpdateCredentialsRequest,
} from '../features/credentials/doors/rest/schemas.js';
import { DELIVERY_ROUTES } from '../features/delivery/doors/rest/deliveries.js';
import { GetCredentialsKeysResponse, KEY_ROUTES } from '../features/delivery/doors/rest/keys.js';
import { PIPELINE_SECRET_COMPONENTS, PIPELINE_SECRET_ROUTES } from '../features/pipeline-secrets/doors/rest/routes.js';
import { VALIDATION_ROUTES, ValidateCredentialsResponse } from '../features/probing/doors/rest/validate.js';
import { EXCHANGE_ROUTES, ExchangeOidcTokenRequest, ExchangeOidcTokenResponse } from '../features/sign-in/doors/rest/exchange.js';

/** Seqera's ServiceInfoResponse, with the fields this service can truthfully fill. */
export const serviceInfoResponse = z.object({
  serviceInfo: z.object({
    version: z.string().meta({ description: "This service's version" }),
    apiVersion: z.string().meta({ description: 'The Seqera Platform API version whose paths this service keeps' }),
    authTypes: z.array(z.string()).meta({ description: 'How people sign in: `oidc` when an identity provider is set up (OIDC_ISSUER), else none' }),
    waveEnabled: z.boolean().meta({ description: 'Whether a Wave instance is paired' }),
    userWorkspaceEnabled: z.boolean(),
    seqeraCloud: z.boolean(),
    allowInstanceCredentials: z.boolean(),
  }),
});

const ServiceInfoResponse = component('ServiceInfoResponse', serviceInfoResponse);

const SERVICE_ROUTES: readonly RestRoute[] = [
  route({
    method: 'GET',
    url: '/api/service-info',
    operationId: 'Info',
    summary: 'General service features and version',
    description: "Seqera's service-info (Wave calls it, without a token): the fields this service can truthfully fill.",
    query: emptyQuery,
    public: true,
    responses: { '200': { description: 'OK', body: ServiceInfoResponse } },
    async handle({ services }) {
      return { serviceInfo: await services.about() };
    },
  }),
];

/** Every route of the REST API, in the order the OpenAPI document lists them. */
export const REST_ROUTES: readonly RestRoute[] = [
  ...SERVICE_ROUTES,
  ...USER_ROUTES,
  ...EXCHANGE_ROUTES,
  ...TOKEN_ROUTES,
  ...CREDENTIAL_ROUTES,
  ...PIPELINE_SECRET_ROUTES,
  ...KEY_ROUTES,
  ...DELIVERY_ROUTES,
  ...VALIDATION_ROUTES,
  ...AUDIT_ROUTES,
];

/** The document's components, in its order. */
export const REST_COMPONENTS: readonly Component[] = [
  ListCredentialsResponse,
  DescribeCredentialsResponse,
  CreateCredentialsRequest,
  UpdateCredentialsRequest,
  CreateCredentialsResponse,
  GetCredentialsKeysResponse,
  ValidateCredentialsResponse,
  ListCredentialVersionsResponse,
  ServiceInfoResponse,
  DescribeUserResponse,
  ListAccessTokensResponse,
  CreateAccessTokenRequest,
  CreateAccessTokenResponse,
  ExchangeOidcTokenRequest,
  ExchangeOidcTokenResponse,
  ...PIPELINE_SECRET_COMPONENTS,
  ErrorResponse,
];
