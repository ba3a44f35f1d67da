/** Delivery to the caller's own key, as GraphQL shows it: the mutation deliverSecrets (the domain decides; here only the shapes). */
import { builder } from '../../../../doors/graphql/builder.js';
import { errorType } from '../../../../doors/graphql/errors.js';
import { callerIn, WORKSPACE_ERRORS } from '../../../credentials/doors/graphql/index.js';
import { CredentialNotFound } from '../../../credentials/index.js';
import { PIPELINE_SECRET_ERRORS } from '../../../pipeline-secrets/index.js';
import { DirectDeliveryRefused, UnsupportedPairingKey } from '../../errors.js';
import type { DirectDeliveryAnswer } from '../../use-cases/direct-delivery.js';

errorType(DirectDeliveryRefused, {
  description:
    'Nothing is delivered to your own key here: the operator turned it off, the workspace did (or allows it from a role above yours), or the call came with a browser session instead of an access token.',
});
errorType(UnsupportedPairingKey, {
  name: 'UnsupportedKeyError',
  description: 'The public key cannot be used: not readable, a private key, or of a type or size not accepted (the message says which).',
});

const ClientInput = builder.inputType('DeliveryClientInput', {
  description: 'What asks for the delivery, as the audit trail names it',
  fields: (t) => ({
    name: t.string({ required: false, description: '1-64 of [A-Za-z0-9._@/+-], e.g. `credentials`' }),
    version: t.string({ required: false, description: '1-32 of [A-Za-z0-9._+-]' }),
  }),
});

const DeliverSecretsInput = builder.inputType('DeliverSecretsInput', {
  fields: (t) => ({
    workspaceId: t.id({ required: false, description: 'The workspace whose values are delivered (absent: your own)' }),
    credentials: t.stringList({ required: false, description: 'Credentials by name or id (with pipelineSecrets: 1 to 50 in all)' }),
    pipelineSecrets: t.stringList({ required: false, description: 'Pipeline secrets by name: your own of a name over the workspace’s' }),
    recipient: t.string({
      required: true,
      description: 'Your public key, made for this use: a JWK as JSON (EC P-256, OKP X25519, RSA 2048-8192 bits) or PEM; at most 4,096 characters',
    }),
    client: t.field({ type: ClientInput, required: false }),
  }),
});

const DeliveredCredential = builder.objectRef<DirectDeliveryAnswer['credentials'][number]>('DeliveredCredential').implement({
  fields: (t) => ({ id: t.exposeID('id'), name: t.exposeString('name'), provider: t.exposeString('provider') }),
});
const DeliveredPipelineSecret = builder.objectRef<DirectDeliveryAnswer['pipelineSecrets'][number]>('DeliveredPipelineSecret').implement({
  fields: (t) => ({ name: t.exposeString('name'), scope: t.exposeString('scope', { description: 'user (your own) or workspace' }) }),
});

const Delivery = builder.objectRef<DirectDeliveryAnswer>('SecretsDelivery').implement({
  description: 'Values encrypted to your own key: only the holder of its private key opens them.',
  fields: (t) => ({
    jwe: t.exposeString('jwe', {
      description:
        'A JWE (compact serialization; ECDH-ES+A256KW or RSA-OAEP-256 by your key, A256GCM, kid = your key’s thumbprint) of a JWT: ' +
        '{jti, iat, exp, context, credentials: [{credentialsId, name, provider, keys}], pipelineSecrets: {NAME: value}, scopes}, valid for 5 minutes',
    }),
    id: t.exposeID('id', { description: 'The delivery’s id (the JWT’s jti; its audit rows name it)' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    keyThumbprint: t.exposeString('keyThumbprint', { description: 'RFC 7638 thumbprint (SHA-256) of your key' }),
    credentials: t.field({ type: [DeliveredCredential], resolve: (d) => d.credentials }),
    pipelineSecrets: t.field({ type: [DeliveredPipelineSecret], resolve: (d) => d.pipelineSecrets }),
  }),
});

builder.mutationField('deliverSecrets', (t) =>
  t.withAuth({ authenticated: true }).field({
    type: Delivery,
    description:
      'Credentials and pipeline secrets of one context, encrypted to a public key you send (one your client made for this use). ' +
      'An access token whose scope allows keys (not a browser session); yours, or in a workspace from its directDelivery role up ' +
      '(never VIEW). Each item is audited as a delivery naming your key’s thumbprint and the client; at most DIRECT_DELIVERIES_PER_MINUTE a minute.',
    args: { input: t.arg({ type: DeliverSecretsInput, required: true }) },
    errors: {
      types: [UnsupportedPairingKey, DirectDeliveryRefused, CredentialNotFound, ...PIPELINE_SECRET_ERRORS.resolve, ...WORKSPACE_ERRORS],
    },
    resolve: (_root, { input }, ctx) =>
      ctx.services.directDelivery.deliver(callerIn(ctx, input.workspaceId), {
        credentials: input.credentials,
        pipelineSecrets: input.pipelineSecrets,
        recipient: input.recipient,
        client: input.client,
      }),
  }),
);
