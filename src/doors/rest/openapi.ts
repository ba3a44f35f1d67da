/** The OpenAPI 3.1 document of the REST API, generated from the zod schemas the API uses. */
import { z } from 'zod';
import {
  createResponse,
  deleteQuery,
  describeResponse,
  errorResponse,
  idParams,
  keysQuery,
  keysResponse,
  listQuery,
  listResponse,
  validateCredentialsQuery,
  validateQuery,
  validateResponse,
  workspaceOnlyQuery,
  writeQuery,
  writeRequest,
} from './schemas.js';

type JsonSchema = Record<string, unknown>;

const toSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  return json;
};

function parameters(schema: z.ZodObject, where: 'query' | 'path') {
  const json = toSchema(schema, 'input') as { properties: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === 'path' || (json.required ?? []).includes(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

const json = (ref: string) => ({ content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } } });
const errors = {
  '400': { description: 'Invalid input: the message names the problem; or a request that cannot be processed (Oops… Error ID)', ...json('ErrorResponse') },
  '401': { description: 'Missing, malformed, unknown or revoked access token', ...json('ErrorResponse') },
  '403': {
    description: 'Unknown, deleted or foreign credentials id; a workspace that is not yours, or a role in it that does not allow the operation',
    ...json('ErrorResponse'),
  },
  '413': { description: 'Request body larger than the configured limit', ...json('ErrorResponse') },
  '429': {
    description: 'Too many failed authentications from this client; retry after the given seconds',
    headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait' } },
    ...json('ErrorResponse'),
  },
  '503': {
    description:
      'The database stayed locked longer than the busy timeout, cannot be reached, or is read-only, or the request was not answered in time; retry after the given seconds',
    headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait' } },
    ...json('ErrorResponse'),
  },
  '507': {
    description: "The database's disk is full: nothing was changed; retry once space is freed",
    headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait' } },
    ...json('ErrorResponse'),
  },
  '500': { description: 'Unexpected failure: Oops… Error ID, also in the server log', ...json('ErrorResponse') },
};
const noContent = { description: 'OK - No content' };

let cached: JsonSchema | undefined;

export function openApiDocument(): JsonSchema {
  cached ??= {
    openapi: '3.1.0',
    info: {
      title: 'Credentials service — legacy REST API',
      version: '1.0.0',
      description:
        "The `/api/credentials` paths of the seed API and of today's clients. Secret key fields are write-only: " +
        'responses carry them as null. Every call needs `Authorization: Bearer <token>`.',
    },
    servers: [{ url: '/' }],
    security: [{ BearerAuth: [] }],
    tags: [{ name: 'credentials' }],
    paths: {
      '/api/credentials': {
        get: {
          operationId: 'ListCredentials',
          summary: 'List credentials',
          tags: ['credentials'],
          parameters: parameters(listQuery, 'query'),
          responses: { '200': { description: 'OK', ...json('ListCredentialsResponse') }, ...errors },
        },
        post: {
          operationId: 'CreateCredentials',
          summary: 'Create credentials',
          tags: ['credentials'],
          parameters: [
            ...parameters(writeQuery, 'query'),
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              description: 'Retry safely: the same key with the same request returns the credentials created first, never a second one',
              schema: { type: 'string', minLength: 1, maxLength: 255 },
            },
          ],
          requestBody: { required: true, ...json('CreateCredentialsRequest') },
          responses: {
            '200': { description: 'OK', ...json('CreateCredentialsResponse') },
            ...errors,
            '409': {
              description:
                'A credential with this name exists, the credential this Idempotency-Key created was deleted since, or the context holds the most credentials allowed (MAX_CREDENTIALS_PER_CONTEXT)',
              ...json('ErrorResponse'),
            },
            '422': { description: 'The Idempotency-Key was used for a different request', ...json('ErrorResponse') },
          },
        },
      },
      '/api/credentials/validate': {
        get: {
          operationId: 'ValidateCredentialsName',
          summary: 'Validate credential name',
          tags: ['credentials'],
          parameters: parameters(validateQuery, 'query'),
          responses: { '204': noContent, ...errors, '409': { description: 'Name taken', ...json('ErrorResponse') } },
        },
      },
      '/api/credentials/{credentialsId}': {
        get: {
          operationId: 'DescribeCredentials',
          summary: 'Describe credentials',
          tags: ['credentials'],
          parameters: [...parameters(idParams, 'path'), ...parameters(workspaceOnlyQuery, 'query')],
          responses: { '200': { description: 'OK', ...json('DescribeCredentialsResponse') }, ...errors },
        },
        put: {
          operationId: 'UpdateCredentials',
          summary: 'Update credentials',
          description: 'Replaces the credentials. Keys are replaced as a whole; secret fields not sent keep their stored values.',
          tags: ['credentials'],
          parameters: [...parameters(idParams, 'path'), ...parameters(writeQuery, 'query')],
          requestBody: { required: true, ...json('UpdateCredentialsRequest') },
          responses: { '204': noContent, ...errors, '409': { description: 'A credential with this name exists', ...json('ErrorResponse') } },
        },
        delete: {
          operationId: 'DeleteCredentials',
          summary: 'Delete credentials',
          tags: ['credentials'],
          parameters: [...parameters(idParams, 'path'), ...parameters(deleteQuery, 'query')],
          responses: { '204': noContent, ...errors },
        },
      },
      '/api/credentials/{credentialsId}/keys': {
        get: {
          operationId: 'GetEncryptedCredentials',
          summary: 'Get encrypted credentials',
          description:
            'The keys of the credentials, secret fields included, as a JWE (RFC 7516, compact serialization) encrypted for the paired ' +
            'service `pairingId` (RSA-OAEP-256 or ECDH-ES+A256KW by its key, A256GCM, `kid` = the pairing id). Its plaintext is ' +
            '`{"credentialsId", "provider", "keys", "iat", "exp"}` and it expires after 5 minutes. Personal credentials: their owner; in a ' +
            "workspace: every role but VIEW; the token's scope must allow keys (`all` or `keys:read`). Records the last use.",
          tags: ['credentials'],
          parameters: [...parameters(idParams, 'path'), ...parameters(keysQuery, 'query')],
          responses: {
            '200': { description: 'OK', ...json('GetCredentialsKeysResponse') },
            ...errors,
            '400': { description: 'No paired service with this id (or invalid parameters)', ...json('ErrorResponse') },
          },
        },
      },
      '/api/credentials/{credentialsId}/validate': {
        post: {
          operationId: 'ValidateCredentials',
          summary: 'Validate credentials against their provider and report the outcome',
          description:
            "Runs the provider's checks (offline, then its identity endpoint) and stores the verdict. A transient failure (timeout, " +
            'DNS, 5xx) answers transientError: true and changes nothing. Who may validate: whoever may update the credentials.',
          tags: ['credentials'],
          parameters: [...parameters(idParams, 'path'), ...parameters(validateCredentialsQuery, 'query')],
          responses: {
            '200': { description: 'Validation outcome: inspect status and transientError', ...json('ValidateCredentialsResponse') },
            ...errors,
            '409': { description: 'force=true for a credential that is not INVALID', ...json('ErrorResponse') },
            '503': { description: 'Too many validations in progress, or the database is busy; retry', ...json('ErrorResponse') },
          },
        },
      },
    },
    components: {
      securitySchemes: { BearerAuth: { type: 'http', scheme: 'bearer' } },
      schemas: {
        ListCredentialsResponse: toSchema(listResponse, 'output'),
        DescribeCredentialsResponse: toSchema(describeResponse, 'output'),
        CreateCredentialsRequest: toSchema(writeRequest, 'input'),
        UpdateCredentialsRequest: toSchema(writeRequest, 'input'),
        CreateCredentialsResponse: toSchema(createResponse, 'output'),
        GetCredentialsKeysResponse: toSchema(keysResponse, 'output'),
        ValidateCredentialsResponse: toSchema(validateResponse, 'output'),
        ErrorResponse: toSchema(errorResponse, 'output'),
      },
    },
  };
  return cached;
}
