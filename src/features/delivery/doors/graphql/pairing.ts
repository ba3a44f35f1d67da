/** Paired services, as GraphQL shows them (read-only: an operator registers them with the CLI). */

import { builder } from '../../../../doors/graphql/builder.js';
import { errorType } from '../../../../doors/graphql/errors.js';
import { PairingNotFound } from '../../errors.js';
import type { Pairing } from '../../use-cases/pairings.js';

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
