/**
 * The wire shapes of the legacy REST API. The routes parse with these schemas,
 * the domain validates credential contents with its own (credentialFields,
 * keysSchema), and the OpenAPI document is generated from both: nothing about
 * the wire is written twice.
 */
import { z } from 'zod';
import { instantText } from '../../core/time.js';
import { restSpec } from '../../features/credentials/doors/rest/legacy.js';
import { platformProviders } from '../../features/credentials/doors/rest/platforms.js';
import { MAX_MESSAGE } from '../../features/credentials/index.js';
import { credentialFields, keysSchema } from '../../features/credentials/rules/input.js';
import { type ProviderSpec, providerIds, providers, returnedFields, secretFields } from '../../features/providers/index.js';

// ---- Query and path parameters --------------------------------------------

// Any text: the domain decides (a workspace that is not the caller's, or a malformed id, answers 403).
const workspaceId = z
  .string()
  .optional()
  .meta({
    description:
      'Workspace numeric identifier. Absent: your own credentials. A workspace you take part in: its credentials, as your role allows. ' +
      'Any other workspace, a role that does not allow the operation, or a malformed value answers 403.',
    type: 'integer',
    format: 'int64',
  });

const booleanParam = (description: string) =>
  z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .transform((v) => v === 'true')
    .optional()
    .meta({ description, type: 'boolean' });

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
const versionNumber = z
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

export const workspaceOnlyQuery = z.object({ workspaceId });

/** A path that takes no query parameter (any sent is ignored, as Seqera's). */
export const emptyQuery = z.object({});

export const keysQuery = z.object({
  workspaceId,
  pairingId: z.string({ error: 'is required' }).meta({ description: 'The paired service the keys are encrypted for (`pairings list`)' }),
  keyId: z.string().optional().meta({ description: 'Accepted and ignored (sent by Wave for backward compatibility)' }),
  version: versionNumber.optional().meta({
    type: 'integer',
    description: "This service's extension: the keys of this version of the key material (absent: the current ones); audited as a delivery",
  }),
});

export const validateCredentialsQuery = z.object({
  workspaceId,
  force: booleanParam('Skip the probe and set an INVALID credential to AVAILABLE (409 for a credential that is not INVALID)'),
});

export const auditQuery = z.object({
  workspaceId,
  since: instantText().optional().meta({ description: 'From this instant on (included)' }),
  until: instantText().optional().meta({ description: 'Before this instant' }),
  actor: z.string().max(64).optional().meta({ description: 'Only what this user id (or operator, background) did' }),
  kinds: z
    .string()
    .max(2000)
    .optional()
    .meta({ description: 'Only these kinds, separated by commas (credential.create, credential.update, …; see the GraphQL AuditEventKind)' }),
});

export const idParams = z.object({
  credentialsId: z.string().meta({ description: 'Credentials string identifier' }),
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

const instant = z.iso.datetime({ offset: true });
const credentialStatus = z.enum(['AVAILABLE', 'INVALID']);

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
export const keysResponse = z.object({
  keys: z.string().meta({
    description:
      "A JWE (compact serialization) for the paired service: {credentialsId, provider, keys, iat, exp}, valid for 5 minutes; for a wave pairing, Wave's encrypted packet",
  }),
});
export const validateResponse = z.object({
  status: credentialStatus.meta({ description: 'The stored status after the validation (unchanged on a transient failure)' }),
  message: z.string().nullable().meta({ description: "The provider's words (INVALID), or what failed (transient); null when valid" }),
  transientError: z.boolean().meta({ description: 'The provider could not be reached or failed (timeout, DNS, 5xx): nothing was stored' }),
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
export const errorResponse = z.object({ message: z.string() });

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

/** Seqera's DescribeUserResponse, with the fields this service holds (see docs/api-rest.md). */
export const userInfoResponse = z.object({
  user: z.object({
    id: z.number().int().meta({ description: 'The user’s number: an integer (int64 upstream, as Wave reads it), given when the user was made, never reused' }),
    userName: z.string(),
    email: z.string().optional().meta({ description: 'As the identity provider gave it (people who sign in); absent otherwise' }),
    dateCreated: z.string().meta({ format: 'date-time' }),
    deleted: z.boolean(),
  }),
  needConsent: z.boolean(),
});

// ---- Access tokens (Seqera's /tokens paths) ----------------------------------

export const tokenParams = z.object({
  tokenId: z.coerce
    .number({ error: 'must be a token id (a whole number)' })
    .int('must be a token id (a whole number)')
    .min(1, 'must be a token id (a whole number)')
    .max(Number.MAX_SAFE_INTEGER, 'must be a token id (a whole number)')
    .meta({ description: 'Token numeric identifier' }),
});

/** Seqera's AccessToken: its number as `id`, never its value. */
export const accessToken = z.object({
  id: z.number().int().meta({ description: 'The token’s number (its GraphQL `number`)' }),
  name: z.string().min(1),
  dateCreated: instant,
  lastUsed: instant.optional().meta({ description: 'Recorded at most once a minute; absent: never used' }),
});
export const createTokenRequest = z.object({
  name: z.string().meta({ description: 'A name unique among your live tokens (1-64 characters)' }),
});
export const createTokenResponse = z.object({
  accessKey: z.string().meta({ description: 'The token: send it as `Authorization: Bearer <token>`. Shown this once' }),
  token: accessToken,
});
export const listTokensResponse = z.object({ tokens: z.array(accessToken) });

// ---- Machine sign-in ---------------------------------------------------------

export const exchangeRequest = z.object({
  token: z
    .string()
    .min(1)
    .max(16 * 1024)
    .meta({ description: 'The JWT of a trusted issuer (a CI job’s OIDC token)' }),
});
export const exchangeResponse = z.object({
  accessToken: z.string().meta({ description: 'Send it as `Authorization: Bearer <accessToken>` until expiresAt' }),
  tokenType: z.literal('Bearer'),
  expiresAt: instant,
  scope: z.string(),
  user: z.string().meta({ description: 'The user the token acts as (the rule’s user, or its service user oidc:<rule>)' }),
  workspace: z.string().optional().meta({ description: 'The workspace (org/ws) the rule gives a role in' }),
  rule: z.string().meta({ description: 'The operator’s rule that matched' }),
});
