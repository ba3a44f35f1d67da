/** The keys of credentials for a paired service on the legacy REST API: `GET /api/credentials/{credentialsId}/keys`. */
import { z } from 'zod';
import { ErrorResponse, idParams, workspaceId } from '../../../../doors/rest/common.js';
import { answerAs } from '../../../../doors/rest/errors.js';
import { component, type RestRoute, route } from '../../../../doors/rest/route.js';
import { versionNumber } from '../../../credentials/doors/rest/index.js';
import { PairingNotFound } from '../../errors.js';

// An unknown pairing is a 400, as Seqera answers it.
answerAs('bad-request', PairingNotFound);

const keysQuery = z.object({
  workspaceId,
  pairingId: z.string({ error: 'is required' }).meta({ description: 'The paired service the keys are encrypted for (`pairings list`)' }),
  keyId: z.string().optional().meta({ description: 'Accepted and ignored (sent by Wave for backward compatibility)' }),
  version: versionNumber.optional().meta({
    type: 'integer',
    description: "This service's extension: the keys of this version of the key material (absent: the current ones); audited as a delivery",
  }),
});

export const keysResponse = z.object({
  keys: z.string().meta({
    description:
      "A JWE (compact serialization) for the paired service: {credentialsId, provider, keys, iat, exp}, valid for 5 minutes; for a wave pairing, Wave's encrypted packet",
  }),
});
export const GetCredentialsKeysResponse = component('GetCredentialsKeysResponse', keysResponse);

export const KEY_ROUTES: readonly RestRoute[] = [
  route({
    method: 'GET',
    url: '/api/credentials/:credentialsId/keys',
    operationId: 'GetEncryptedCredentials',
    summary: 'Get encrypted credentials',
    description:
      'The keys of the credentials, secret fields included, as a JWE (RFC 7516, compact serialization) encrypted for the paired ' +
      'service `pairingId` (RSA-OAEP-256 or ECDH-ES+A256KW by its key, A256GCM, `kid` = the pairing id; for a pairing of kind `wave`, ' +
      "Wave's encrypted packet `1\\P\\<key>\\<data>` of the flat keys object with its `discriminator`). Its plaintext is " +
      '`{"credentialsId", "provider", "keys", "iat", "exp"}` and it expires after 5 minutes. Personal credentials: their owner; in a ' +
      "workspace: every role but VIEW; the token's scope must allow keys (`all` or `keys:read`). Records the last use. " +
      'An AWS role (`mode` `role` or `federated`) comes with temporary credentials from AWS STS (`accessKey`, `secretKey`, ' +
      '`sessionToken`, `expiration`); a federated credential with an ID token of this service (`idToken`, `idTokenExpiration`).',
    params: idParams,
    query: keysQuery,
    responses: {
      '200': { description: 'OK', body: GetCredentialsKeysResponse },
      '400': { description: 'No paired service with this id (or invalid parameters)', body: ErrorResponse },
      '404': { description: 'version: the credentials have no such version (never recorded, or no longer kept)', body: ErrorResponse },
      '422': {
        description:
          "AWS refused the role (its trust policy, the external id), AWS STS may not be called, or a federated credential's issuer (PUBLIC_URL) is not set",
        body: ErrorResponse,
      },
      '503': { description: 'AWS STS could not be reached or answered nothing usable, or the database is busy; retry', body: ErrorResponse },
    },
    async handle({ services, params, query, caller }) {
      return { keys: await services.delivery.deliver(caller, params.credentialsId, query.pairingId, { version: query.version }) };
    },
  }),
];
