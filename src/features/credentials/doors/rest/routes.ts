/**
 * The credentials paths of the legacy REST API (`/api/credentials`), exactly as
 * the seed API and today's clients call them: each parses HTTP, calls the
 * credentials service and writes the wire shape (wire.ts). No credential rule
 * lives here.
 */
import { ValidationError } from '../../../../core/errors.js';
import { quoted } from '../../../../core/text.js';
import { ErrorResponse, idParams, workspaceOnlyQuery } from '../../../../doors/rest/common.js';
import { answerAs } from '../../../../doors/rest/errors.js';
import { parse, type RestRoute, route } from '../../../../doors/rest/route.js';
import { WorkspaceNotFound } from '../../../workspaces/index.js';
import { CredentialNotFound } from '../../errors.js';
import type { CredentialInput } from '../../rules/input.js';
import { SEED_KEY_PAIR } from './legacy.js';
import { platformProviders } from './platforms.js';
import {
  CreateCredentialsRequest,
  CreateCredentialsResponse,
  DescribeCredentialsResponse,
  deleteQuery,
  ListCredentialsResponse,
  ListCredentialVersionsResponse,
  listQuery,
  UpdateCredentialsRequest,
  validateQuery,
  versionParams,
  versionsQuery,
  writeEnvelope,
  writeQuery,
} from './schemas.js';
import { describeJson, listJson } from './wire.js';

// An unknown, deleted or foreign credential, and a workspace that is not the caller's, are the seed API's 403.
answerAs('forbidden', CredentialNotFound, WorkspaceNotFound);

/** What Fastify sends with an object: the wire's JSON is written as text (wire.ts) and sent as that. */
const JSON_TYPE = 'application/json; charset=utf-8';

export const CREDENTIAL_ROUTES: readonly RestRoute[] = [
  route({
    method: 'GET',
    url: '/api/credentials',
    operationId: 'ListCredentials',
    summary: 'List credentials',
    query: listQuery,
    responses: { '200': { description: 'OK', body: ListCredentialsResponse } },
    async handle({ services, reply, query, caller }) {
      const page = await services.credentials.list(caller, { providers: query.platformId ? platformProviders[query.platformId] : undefined });
      return reply.type(JSON_TYPE).send(listJson(page));
    },
  }),
  route({
    method: 'POST',
    url: '/api/credentials',
    operationId: 'CreateCredentials',
    summary: 'Create credentials',
    query: writeQuery,
    headers: [
      {
        name: 'Idempotency-Key',
        description: 'Retry safely: the same key with the same request returns the credentials created first, never a second one',
        schema: { type: 'string', minLength: 1, maxLength: 255 },
      },
    ],
    body: CreateCredentialsRequest,
    responses: {
      '200': { description: 'OK', body: CreateCredentialsResponse },
      '409': {
        description:
          'A credential with this name exists, the credential this Idempotency-Key created was deleted since, or the context holds the most credentials allowed (MAX_CREDENTIALS_PER_CONTEXT)',
        body: ErrorResponse,
      },
      '422': { description: 'The Idempotency-Key was used for a different request', body: ErrorResponse },
    },
    async handle({ services, request, query, caller }) {
      const body = parse(writeEnvelope, request.body);
      const idempotencyKey = request.headers['idempotency-key'];
      const created = await services.credentials.create(caller, toDomainInput(body.credentials), {
        useExternalId: query.useExternalId,
        extraFields: SEED_KEY_PAIR,
        idempotencyKey: Array.isArray(idempotencyKey) ? idempotencyKey.join(',') : idempotencyKey,
      });
      return { credentialsId: created.id };
    },
  }),
  route({
    method: 'GET',
    url: '/api/credentials/validate',
    operationId: 'ValidateCredentialsName',
    summary: 'Validate credential name',
    query: validateQuery,
    responses: { '204': { description: 'OK - No content' }, '409': { description: 'Name taken', body: ErrorResponse } },
    async handle({ services, reply, query, caller }) {
      await services.credentials.validateName(caller, query.name);
      return reply.status(204).send();
    },
  }),
  route({
    method: 'GET',
    url: '/api/credentials/:credentialsId',
    operationId: 'DescribeCredentials',
    summary: 'Describe credentials',
    params: idParams,
    query: workspaceOnlyQuery,
    responses: { '200': { description: 'OK', body: DescribeCredentialsResponse } },
    async handle({ services, reply, params, caller }) {
      return reply.type(JSON_TYPE).send(describeJson(await services.credentials.describe(caller, params.credentialsId)));
    },
  }),
  route({
    method: 'PUT',
    url: '/api/credentials/:credentialsId',
    operationId: 'UpdateCredentials',
    summary: 'Update credentials',
    description: 'Replaces the credentials. Keys are replaced as a whole; secret fields not sent keep their stored values.',
    params: idParams,
    query: writeQuery,
    body: UpdateCredentialsRequest,
    responses: { '204': { description: 'OK - No content' }, '409': { description: 'A credential with this name exists', body: ErrorResponse } },
    async handle({ services, request, reply, params, query, caller }) {
      const body = parse(writeEnvelope, request.body);
      const sentId = body.credentials.id;
      if (sentId !== undefined && sentId !== null && sentId !== params.credentialsId) {
        throw ValidationError.of('credentials.id', `${quoted(sentId)} does not match the id of the path ${quoted(params.credentialsId)}`);
      }
      await services.credentials.update(caller, params.credentialsId, toDomainInput(body.credentials), {
        useExternalId: query.useExternalId,
        extraFields: SEED_KEY_PAIR,
      });
      return reply.status(204).send();
    },
  }),
  route({
    method: 'DELETE',
    url: '/api/credentials/:credentialsId',
    operationId: 'DeleteCredentials',
    summary: 'Delete credentials',
    params: idParams,
    query: deleteQuery,
    responses: { '204': { description: 'OK - No content' } },
    async handle({ services, reply, params, query, caller }) {
      await services.credentials.delete(caller, params.credentialsId, { purge: query.purge });
      return reply.status(204).send();
    },
  }),
  route({
    method: 'GET',
    url: '/api/credentials/:credentialsId/versions',
    operationId: 'ListCredentialVersions',
    summary: 'List the versions of the key material of credentials',
    description:
      "This service's extension. Every create, update that changes key fields or the base URL, and restore records a version " +
      '(the last CREDENTIAL_VERSIONS_KEPT are kept), newest first. Names of changed fields only: no version value is ever returned.',
    extension: true,
    params: idParams,
    query: versionsQuery,
    responses: { '200': { description: 'OK', body: ListCredentialVersionsResponse } },
    async handle({ services, params, query, caller }) {
      const page = await services.credentials.versions(caller, params.credentialsId, { first: query.max, after: query.before });
      return {
        versions: page.items.map((v) => ({
          number: v.number,
          dateCreated: v.createdAt,
          actor: v.actor,
          door: v.door,
          changedFields: v.changed,
          restoredFrom: v.restoredFrom,
        })),
        hasMore: page.hasNextPage,
      };
    },
  }),
  route({
    method: 'POST',
    url: '/api/credentials/:credentialsId/versions/:version/restore',
    operationId: 'RestoreCredentialVersion',
    summary: 'Restore a version of the key material of credentials',
    description:
      "This service's extension. Makes a new version equal to the given one (history is never rewritten); the validation status " +
      'starts afresh. Who may: whoever may update the credentials.',
    extension: true,
    params: versionParams,
    query: workspaceOnlyQuery,
    responses: {
      '204': { description: 'OK - No content' },
      '404': { description: 'The credentials have no such version (never recorded, or no longer kept)', body: ErrorResponse },
    },
    async handle({ services, reply, params, caller }) {
      await services.credentials.restore(caller, params.credentialsId, params.version);
      return reply.status(204).send();
    },
  }),
];

/** The wire credential → the domain's input: read-only fields dropped, keys' wire-only fields checked and dropped. */
function toDomainInput(wire: Record<string, unknown>): CredentialInput {
  const { name, description, provider, baseUrl, category, expiresAt } = wire;
  let keys = wire.keys;
  if (keys && typeof keys === 'object' && !Array.isArray(keys)) {
    const { discriminator, keyType: _ignored, ...rest } = keys as Record<string, unknown>;
    if (discriminator !== undefined && discriminator !== null && discriminator !== provider) {
      throw ValidationError.of('keys.discriminator', `must equal the provider '${String(provider)}' when sent`);
    }
    keys = rest;
  }
  return { name, description, provider, baseUrl, category, keys, ...('expiresAt' in wire ? { expiresAt } : {}) };
}
