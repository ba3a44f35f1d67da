/** The wire shapes of credentials on the legacy REST API: what the routes parse and the OpenAPI document shows. */
import { z } from 'zod';
import { booleanParam, instant, workspaceId } from '../../../../doors/rest/common.js';
import { component } from '../../../../doors/rest/route.js';
import { type ProviderSpec, providerIds, providers, returnedFields, secretFields } from '../../../providers/index.js';
import { CREDENTIAL_STATUSES } from '../../model.js';
import { credentialFields, keysSchema, MAX_MESSAGE } from '../../rules/input.js';
import { restSpec } from './legacy.js';
import { platformProviders } from './platforms.js';

const platforms = Object.keys(platformProviders) as [string, ...string[]];

export const listQuery = z.object({
  workspaceId,
  platformId: z
    .enum(platforms, { error: `must be one of ${platforms.join(', ')}` })
    .optional()
    .meta({
      description:
        'Only credentials usable by this compute platform: ' +
        Object.entries(platformProviders)
          .map(([p, ids]) => `${p} → ${ids.join(', ')}`)
          .join('; '),
    }),
});

export const writeQuery = z.object({
  workspaceId,
  useExternalId: booleanParam('AWS role mode: the server generates an external id, returned as keys.externalId'),
});

export const deleteQuery = z.object({
  workspaceId,
  checked: booleanParam('Accepted for compatibility; no running jobs depend on credentials in this service'),
  purge: booleanParam(
    "This service's extension: destroy the secrets at once instead of after the recovery window (yours; in a workspace OWNER and ADMIN); also purges credentials deleted earlier",
  ),
});

/** A version number as a query or path parameter: a positive integer. */
export const versionNumber = z
  .string({ error: 'is required' })
  .regex(/^[1-9][0-9]{0,8}$/, 'must be a version number (a positive integer)')
  .transform(Number)
  .meta({ type: 'integer', description: 'A version number (see GET /api/credentials/{credentialsId}/versions)' });

export const versionsQuery = z.object({
  workspaceId,
  max: z
    .string()
    .regex(/^(0|[1-9][0-9]{0,2})$/, 'must be an integer from 0 to 100')
    .transform(Number)
    .refine((n) => n <= 100, 'must be an integer from 0 to 100')
    .optional()
    .meta({ type: 'integer', description: 'At most this many versions (default and most: 100)' }),
  before: versionNumber.optional().meta({ type: 'integer', description: 'Only versions numbered below this one (the next page)' }),
});

export const versionParams = z.object({
  credentialsId: z.string().meta({ description: 'Credentials string identifier' }),
  version: versionNumber,
});

export const validateQuery = z.object({
  workspaceId,
  name: z.string({ error: 'is required' }).meta({ description: 'The credential name to check' }),
});

// ---- Request bodies ---------------------------------------------------------

const readOnly = (description: string) =>
  z
    .unknown()
    .optional()
    .meta({ readOnly: true, description: `${description} (read-only; ignored)` });

function keysWrite(own: ProviderSpec) {
  const spec = restSpec(own);
  return keysSchema(spec)
    .extend({
      discriminator: z.literal(spec.id).optional().meta({ description: 'Optional; when sent, must equal the provider' }),
      keyType: z.unknown().optional().meta({ description: 'Ignored' }),
    })
    .meta({ title: `${spec.title} keys (write)` });
}

/** A credential as clients send it: the domain's fields and keys, plus read-only fields that are ignored. */
export const credentialsWrite = credentialFields
  .extend({
    id: z.string().optional().meta({ description: 'Ignored on create; on update, must equal the path id when sent' }),
    keys: z
      .union([...providers.values()].map(keysWrite))
      .optional()
      .meta({ description: 'The keys of the provider; secret fields not re-sent on update keep their stored values' }),
    deleted: readOnly('Deletion state'),
    lastUsed: readOnly('Last use'),
    dateCreated: readOnly('Creation date'),
    lastUpdated: readOnly('Last update'),
  })
  .meta({ title: 'Credentials (write)' });

/** What the routes check of a request body before the domain checks the credential. */
export const writeEnvelope = z.object(
  {
    credentials: z.record(z.string(), z.unknown(), { error: 'must be an object' }),
  },
  { error: 'request body must be a JSON object with a credentials object' },
);

export const writeRequest = z.object({ credentials: credentialsWrite });

// ---- Responses ----------------------------------------------------------------

function keysRead(own: ProviderSpec) {
  const spec = restSpec(own);
  const shape: Record<string, z.ZodType> = {};
  for (const name of returnedFields(spec)) {
    const field = spec.fields[name]!;
    shape[name] = (field.type === 'boolean' ? z.boolean() : z.string()).nullable().meta({ description: field.description });
  }
  for (const name of secretFields(spec)) {
    shape[name] = z.null().meta({ description: `${spec.fields[name]!.description} (write-only: always null)` });
  }
  shape.discriminator = z.literal(spec.id);
  return z.object(shape).meta({ title: `${spec.title} keys` });
}

export const credentialStatus = z.enum(CREDENTIAL_STATUSES);

export const credentialsRead = z
  .object({
    id: z.string().length(22),
    name: z.string(),
    description: z.string().nullable(),
    provider: z.enum(providerIds as [string, ...string[]]),
    baseUrl: z.string().nullable(),
    category: z.string().nullable(),
    keys: z.discriminatedUnion(
      'discriminator',
      [...providers.values()].map(keysRead) as unknown as [ReturnType<typeof keysRead>, ...ReturnType<typeof keysRead>[]],
    ),
    deleted: z.boolean().nullable().meta({ description: 'Always null: deleted credentials are not listed' }),
    lastUsed: instant.nullable().meta({ description: 'When the keys were last delivered to a paired service' }),
    dateCreated: instant,
    lastUpdated: instant,
    status: credentialStatus.meta({ description: 'AVAILABLE: the last validation succeeded, or none ran yet; INVALID: the provider refused the keys' }),
    message: z
      .string()
      .max(MAX_MESSAGE)
      .nullable()
      .meta({ description: `The provider's words when INVALID (at most ${MAX_MESSAGE} characters, a longer one ends with " (truncated)"); null otherwise` }),
    lastValidated: instant.nullable().meta({ description: 'When a validation last decided the status (not advanced by a transient failure)' }),
    expiresAt: instant.nullable().meta({
      description:
        "This service's extension: when it expires (the earlier of the user's date and its material's); once passed, status is INVALID unless a validation since found it valid",
    }),
    expiresAtSource: z
      .enum(['user', 'certificate', 'ssh-certificate', 'provider'])
      .nullable()
      .meta({ description: 'Where expiresAt comes from: user, certificate (X.509 notAfter), ssh-certificate, provider (a validation answer)' }),
  })
  .meta({ title: 'Credentials' });

export const listResponse = z.object({ credentials: z.array(credentialsRead) });
export const describeResponse = z.object({
  credentials: credentialsRead,
  setupSnippet: z
    .string()
    .optional()
    .meta({ description: 'What to set up at the provider (AWS role mode: the IAM trust policy); absent unless the installation is configured for it' }),
});
export const createResponse = z.object({ credentialsId: z.string().length(22) });
export const versionsResponse = z.object({
  versions: z.array(
    z.object({
      number: z.number().int().min(1),
      dateCreated: instant,
      actor: z.string().nullable().meta({ description: 'Who made it (a user id, operator); null for the state recorded from before versions were kept' }),
      door: z.string().nullable().meta({ description: 'graphql, rest or cli' }),
      changedFields: z.array(z.string()).meta({ description: 'Names of the fields that changed from the version before (never values)' }),
      restoredFrom: z.number().int().nullable().meta({ description: 'The version it restored, when a restore made it' }),
    }),
  ),
  hasMore: z.boolean().meta({ description: 'Older versions remain: ask again with before = the last number' }),
});

export const ListCredentialsResponse = component('ListCredentialsResponse', listResponse);
export const DescribeCredentialsResponse = component('DescribeCredentialsResponse', describeResponse);
export const CreateCredentialsRequest = component('CreateCredentialsRequest', writeRequest, 'input');
export const UpdateCredentialsRequest = component('UpdateCredentialsRequest', writeRequest, 'input');
export const CreateCredentialsResponse = component('CreateCredentialsResponse', createResponse);
export const ListCredentialVersionsResponse = component('ListCredentialVersionsResponse', versionsResponse);
