/** Paired services, as GraphQL shows them (read-only: an operator registers them with the CLI). */

import { type AuthenticatedContext, builder } from '../../../../doors/graphql/builder.js';
import { errorType } from '../../../../doors/graphql/errors.js';
import { callerIn, WORKSPACE_ARG, WORKSPACE_ERRORS } from '../../../credentials/doors/graphql/index.js';
import { PairingNotFound } from '../../errors.js';
import { DELIVER_ERRORS } from '../../use-cases/key-delivery.js';
import type { Pairing } from '../../use-cases/pairings.js';
import { PIPELINE_SECRET_DELIVERY_ERRORS } from '../../use-cases/pipeline-secret-delivery.js';

errorType(PairingNotFound, {
  description: 'No paired service with this id: the keys could be encrypted for no one.',
  fields: (t) => ({ pairingId: t.id({ resolve: (e) => e.pairingId }) }),
});

const PairingRef = builder.objectRef<Pairing>('Pairing').implement({
  description: 'A paired service: one that may receive credentials’ keys, encrypted for its public key alone (registered by an operator).',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The pairingId of credentialKeys (and the kid of what it returns)' }),
    name: t.exposeString('name'),
    algorithm: t.exposeString('algorithm', {
      description: "How keys are encrypted for it: RSA-OAEP-256 or ECDH-ES+A256KW (JWE), RSA1_5+A128ECB (Wave's packet)",
    }),
    fingerprint: t.exposeString('fingerprint', { description: 'SHA-256 of its public key (DER, SubjectPublicKeyInfo), base64url' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    kind: t.exposeString('kind', { description: "jwe (a key the operator gave: JWE deliveries) or wave (minted by Wave: Wave's encrypted packet)" }),
    endpoint: t.exposeString('endpoint', { nullable: true, description: "A wave pairing's Wave URL" }),
    renewedAt: t.expose('renewedAt', { type: 'DateTime', nullable: true, description: 'When Wave last confirmed it' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true, description: 'The last delivery to it' }),
  }),
});

builder.queryField('pairings', (t) =>
  t.withAuth({ authenticated: true }).field({
    type: [PairingRef],
    description: 'The services keys may be delivered to, oldest first.',
    resolve: (_root, _args, ctx) => ctx.services.pairings.list(),
  }),
);

const DELIVERY =
  "The credential's keys, secret fields included, as a JWE (compact serialization) that only the paired service can open: " +
  '{credentialsId, provider, keys, iat, exp}, valid for 5 minutes. Yours; in a workspace, every role but VIEW; ' +
  'the token’s scope must allow keys (all or keys:read). Records the last use and an audit event. An AWS role ' +
  '(mode role or federated) comes with temporary credentials from AWS STS (accessKey, secretKey, sessionToken, expiration), ' +
  'a federated credential with an ID token of this service (idToken, idTokenExpiration); AWS refusing the role is an ' +
  'error with code AWS_ROLE_REFUSED.';

const DELIVERY_ARGS = builder.args((t) => ({
  id: t.id({ required: true }),
  pairingId: t.id({ required: true }),
  workspaceId: t.id({ required: false, description: WORKSPACE_ARG }),
  version: t.int({ required: false, description: 'The keys of this version of its key material (absent: the current ones)' }),
}));

/** A delivery for the field's arguments (the mutation's and the deprecated query's alike). */
const deliver = (
  _root: unknown,
  args: { id: string | number; pairingId: string | number; workspaceId?: string | number | null; version?: number | null },
  ctx: AuthenticatedContext,
) => ctx.services.delivery.deliver(callerIn(ctx, args.workspaceId), String(args.id), String(args.pairingId), { version: args.version ?? undefined });

// A delivery writes (the last use, an audit event): a mutation; the query of the same name stays for today's clients.
builder.mutationField('deliverCredentialKeys', (t) =>
  t.withAuth({ authenticated: true }).string({
    description: DELIVERY,
    args: DELIVERY_ARGS,
    errors: { types: [...DELIVER_ERRORS, ...WORKSPACE_ERRORS] },
    resolve: deliver,
  }),
);

builder.queryField('credentialKeys', (t) =>
  t.withAuth({ authenticated: true }).string({
    description: DELIVERY,
    deprecationReason: 'A delivery records its use (a write): use the mutation deliverCredentialKeys',
    args: DELIVERY_ARGS,
    errors: { types: [...DELIVER_ERRORS, ...WORKSPACE_ERRORS] },
    resolve: deliver,
  }),
);

builder.mutationField('deliverPipelineSecrets', (t) =>
  t.withAuth({ authenticated: true }).string({
    description:
      'The values of these pipeline secrets (1 to 100 names; your own secret of a name over the workspace’s) as a JWE that only the ' +
      'paired service can open: {pipelineSecrets: {NAME: value}, scopes: {NAME: "user"|"workspace"}, iat, exp}, valid for 5 minutes. ' +
      'Yours; in a workspace, every role but VIEW; the token’s scope must allow keys. Records each secret’s last use and an audit event.',
    args: {
      names: t.arg.stringList({ required: true }),
      pairingId: t.arg.id({ required: true }),
      workspaceId: t.arg.id({ required: false, description: WORKSPACE_ARG }),
    },
    errors: { types: [...PIPELINE_SECRET_DELIVERY_ERRORS, ...WORKSPACE_ERRORS] },
    resolve: (_root, args, ctx) => ctx.services.pipelineSecretDelivery.deliver(callerIn(ctx, args.workspaceId), args.names, String(args.pairingId)),
  }),
);
