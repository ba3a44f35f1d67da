/**
 * Seqera's `/api/pipeline-secrets` paths (API 1.187), exactly as the tw CLI, seqerakit and Nextflow call them: each
 * parses HTTP, calls the pipeline-secret use cases and writes upstream's shapes. No rule lives here; no answer
 * holds a value.
 */
import { z } from 'zod';
import { ErrorResponse, instant, workspaceId, workspaceOnlyQuery } from '../../../../doors/rest/common.js';
import { answerAs } from '../../../../doors/rest/errors.js';
import { component, parse, type RestRoute, route } from '../../../../doors/rest/route.js';
import { PipelineSecretNotFound } from '../../errors.js';
import type { PipelineSecretRecord } from '../../model.js';
import { NAME_PATTERN } from '../../rules/input.js';

// An unknown or foreign secret answers as an unknown credential does: the seed API's 403.
answerAs('forbidden', PipelineSecretNotFound);

const secretIdParams = z.object({ secretId: z.string().meta({ description: 'Secret numeric identifier', type: 'integer', format: 'int64' }) });

const pipelineSecret = z.object({
  id: z.number().int().nullable().meta({ format: 'int64' }),
  name: z.string().max(100).regex(NAME_PATTERN),
  dateCreated: instant.optional(),
  lastUpdated: instant.optional(),
  lastUsed: instant.optional(),
});
const PipelineSecret = component('PipelineSecret', pipelineSecret);

const ListPipelineSecretsResponse = component(
  'ListPipelineSecretsResponse',
  z.object({ pipelineSecrets: z.array(pipelineSecret), totalSize: z.number().int().meta({ format: 'int64' }) }),
);
const DescribePipelineSecretResponse = component('DescribePipelineSecretResponse', z.object({ pipelineSecret }));
const CreatePipelineSecretRequest = component('CreatePipelineSecretRequest', z.object({ name: z.string(), value: z.string() }), 'input');
const CreatePipelineSecretResponse = component('CreatePipelineSecretResponse', z.object({ secretId: z.number().int().meta({ format: 'int64' }) }));
const UpdatePipelineSecretRequest = component('UpdatePipelineSecretRequest', z.object({ value: z.string() }), 'input');

/** A JSON object (its fields are the use case's to check; unknown ones are ignored, as the credentials paths do). */
const body = z.record(z.string(), z.unknown(), { error: 'request body must be a JSON object' });
const validateQuery = z.object({ workspaceId, name: z.string().optional().meta({ description: 'Secret name to validate' }) });

/** Upstream's PipelineSecret: its dates as instants; `lastUsed` absent until a value is delivered. */
const wireOf = (secret: PipelineSecretRecord) => ({
  id: secret.id,
  name: secret.name,
  dateCreated: secret.dateCreated.toISOString(),
  lastUpdated: secret.lastUpdated.toISOString(),
  ...(secret.lastUsed ? { lastUsed: secret.lastUsed.toISOString() } : {}),
});

export const PIPELINE_SECRET_ROUTES: readonly RestRoute[] = [
  route({
    tag: 'pipeline-secrets',
    method: 'GET',
    url: '/api/pipeline-secrets',
    operationId: 'ListPipelineSecrets',
    summary: 'List pipeline secrets',
    description: 'Lists all available pipeline secrets in a user context, by name. Append `?workspaceId` to list secrets in a workspace context.',
    query: workspaceOnlyQuery,
    responses: { '200': { description: 'OK', body: ListPipelineSecretsResponse } },
    async handle({ services, caller }) {
      const { items, totalSize } = await services.pipelineSecrets.all(caller);
      return { pipelineSecrets: items.map(wireOf), totalSize };
    },
  }),
  route({
    tag: 'pipeline-secrets',
    method: 'POST',
    url: '/api/pipeline-secrets',
    operationId: 'CreatePipelineSecret',
    summary: 'Create pipeline secret',
    description:
      'Creates a new pipeline secret in the user context. Append `?workspaceId` to create the secret in a workspace context. ' +
      'The value (1 byte to 64 KiB) is write-only: no path returns it.',
    query: workspaceOnlyQuery,
    body: CreatePipelineSecretRequest,
    responses: {
      '200': { description: 'OK', body: CreatePipelineSecretResponse },
      '409': {
        description: 'A pipeline secret with this name exists, or the context holds the most allowed (MAX_PIPELINE_SECRETS_PER_CONTEXT)',
        body: ErrorResponse,
      },
    },
    async handle({ services, request, caller }) {
      const created = await services.pipelineSecrets.create(caller, parse(body, request.body));
      return { secretId: created.id };
    },
  }),
  route({
    tag: 'pipeline-secrets',
    method: 'GET',
    url: '/api/pipeline-secrets/validate',
    operationId: 'ValidatePipelineSecretName',
    summary: 'Validate secret name',
    description:
      'Confirms the validity of the given pipeline secret name in a user context. Append `?name=<your_secret_name>`. ' +
      'Append `?workspaceId` to validate the name in a workspace context.',
    query: validateQuery,
    responses: { '204': { description: 'OK - No content' }, '409': { description: 'Duplicate element', body: ErrorResponse } },
    async handle({ services, reply, query, caller }) {
      await services.pipelineSecrets.validateName(caller, query.name);
      return reply.status(204).send();
    },
  }),
  route({
    tag: 'pipeline-secrets',
    method: 'GET',
    url: '/api/pipeline-secrets/:secretId',
    operationId: 'DescribePipelineSecret',
    summary: 'Describe pipeline secret',
    description: 'Retrieves the details of the pipeline secret identified by the given `secretId` (never its value).',
    params: secretIdParams,
    query: workspaceOnlyQuery,
    responses: { '200': { description: 'OK', body: DescribePipelineSecretResponse } },
    async handle({ services, params, caller }) {
      return { pipelineSecret: wireOf(await services.pipelineSecrets.describe(caller, params.secretId)) };
    },
  }),
  route({
    tag: 'pipeline-secrets',
    method: 'PUT',
    url: '/api/pipeline-secrets/:secretId',
    operationId: 'UpdatePipelineSecret',
    summary: 'Update secret',
    description: 'Updates the value of the pipeline secret identified by the given `secretId` (its name does not change).',
    params: secretIdParams,
    query: workspaceOnlyQuery,
    body: UpdatePipelineSecretRequest,
    responses: { '204': { description: 'OK - No content' } },
    async handle({ services, request, reply, params, caller }) {
      await services.pipelineSecrets.update(caller, params.secretId, parse(body, request.body));
      return reply.status(204).send();
    },
  }),
  route({
    tag: 'pipeline-secrets',
    method: 'DELETE',
    url: '/api/pipeline-secrets/:secretId',
    operationId: 'DeletePipelineSecret',
    summary: 'Delete secret',
    description:
      'Deletes the pipeline secret identified by the given `secretId`: gone for every path at once, its name free; its value is destroyed ' +
      'once CREDENTIAL_RECOVERY_WINDOW has passed (until then deletedPipelineSecrets and undeletePipelineSecret in GraphQL bring it back).',
    params: secretIdParams,
    query: workspaceOnlyQuery,
    responses: { '204': { description: 'OK - No content' } },
    async handle({ services, reply, params, caller }) {
      await services.pipelineSecrets.delete(caller, params.secretId);
      return reply.status(204).send();
    },
  }),
];

/** The document's components of these paths, in upstream's order. */
export const PIPELINE_SECRET_COMPONENTS = [
  CreatePipelineSecretRequest,
  CreatePipelineSecretResponse,
  DescribePipelineSecretResponse,
  ListPipelineSecretsResponse,
  PipelineSecret,
  UpdatePipelineSecretRequest,
];
