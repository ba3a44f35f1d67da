/** Delivery to the caller's own key on the REST API: `POST /api/deliveries` (this service's own path; the domain decides). */
import { z } from 'zod';
import { ErrorResponse, instant, workspaceOnlyQuery } from '../../../../doors/rest/common.js';
import { component, parse, type RestRoute, route } from '../../../../doors/rest/route.js';

const deliveryRequest = z.object({
  credentials: z.array(z.string()).optional().meta({ description: 'Credentials by name or id (with pipelineSecrets: 1 to 50 in all)' }),
  pipelineSecrets: z.array(z.string()).optional().meta({ description: "Pipeline secrets by name: the caller's own of a name over the workspace's" }),
  recipient: z.union([z.record(z.string(), z.unknown()), z.string()], { error: 'is required: a public JWK (an object) or a PEM public key' }).meta({
    description:
      'The public key the values are encrypted to, made by the client for this use: a JWK (EC P-256, OKP X25519, RSA 2048-8192 bits) or PEM; at most 4,096 characters',
  }),
  client: z
    .object({ name: z.string().optional(), version: z.string().optional() })
    .optional()
    .meta({ description: 'What asks (named in the audit trail): `name` 1-64 of [A-Za-z0-9._@/+-], `version` 1-32 of [A-Za-z0-9._+-]' }),
});
const deliveryResponse = z.object({
  jwe: z.string().meta({
    description:
      "A JWE (compact serialization; ECDH-ES+A256KW or RSA-OAEP-256 by the key, A256GCM, `kid` = the key's RFC 7638 thumbprint) of a JWT: " +
      '`{jti, iat, exp, context, credentials: [{credentialsId, name, provider, keys}], pipelineSecrets: {NAME: value}, scopes: {NAME: "user"|"workspace"}}`, valid for 5 minutes',
  }),
  id: z.string().meta({ description: "The delivery's id (the JWT's `jti`; its audit rows name it)" }),
  expiresAt: instant,
  keyThumbprint: z.string(),
  credentials: z.array(z.object({ id: z.string(), name: z.string(), provider: z.string() })),
  pipelineSecrets: z.array(z.object({ name: z.string(), scope: z.enum(['user', 'workspace']) })),
});
const DeliverSecretsRequest = component('DeliverSecretsRequest', deliveryRequest, 'input');
const DeliverSecretsResponse = component('DeliverSecretsResponse', deliveryResponse);

/** A JSON object (its fields are the use case's to check). */
const body = z.record(z.string(), z.unknown(), { error: 'request body must be a JSON object' });

export const DELIVERY_ROUTES: readonly RestRoute[] = [
  route({
    method: 'POST',
    url: '/api/deliveries',
    operationId: 'DeliverSecrets',
    summary: "Deliver credentials and pipeline secrets to the caller's own key",
    description:
      "This service's extension, for the client (`credentials run`): the values of credentials and pipeline secrets of one context " +
      '(`?workspaceId`, else your own), encrypted to the public key in the request. An access token whose scope allows keys; in a ' +
      "workspace, a role at or above the workspace's `directDelivery` (default LAUNCH; never VIEW). Each item is audited as a delivery " +
      "naming the key's thumbprint and the client. At most `DIRECT_DELIVERIES_PER_MINUTE` a minute per user.",
    extension: true,
    plainErrors: true,
    query: workspaceOnlyQuery,
    body: DeliverSecretsRequest,
    responses: {
      '200': { description: 'OK', body: DeliverSecretsResponse },
      '400': { description: 'The request is invalid, or the key cannot be used (the message says which)', body: ErrorResponse },
      '403': {
        description:
          'Direct delivery is turned off (the operator, the workspace), your role is below the workspace’s level, or the token’s scope does not allow keys',
        body: ErrorResponse,
      },
      '404': { description: 'A credential or pipeline secret of that name, or the workspace, is not one you may use', body: ErrorResponse },
      '429': { description: 'Too many deliveries this minute: retry after Retry-After seconds', body: ErrorResponse },
    },
    async handle({ services, request, caller }) {
      const input = parse(body, request.body);
      const answer = await services.directDelivery.deliver(caller, {
        credentials: input.credentials as unknown[] | undefined,
        pipelineSecrets: input.pipelineSecrets as unknown[] | undefined,
        recipient: input.recipient,
        client: input.client as { name?: unknown; version?: unknown } | undefined,
      });
      return { ...answer, expiresAt: answer.expiresAt.toISOString() };
    },
  }),
];
