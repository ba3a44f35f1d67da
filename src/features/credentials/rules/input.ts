/**
 * Validation of credential input, derived from the provider table. The zod
 * schemas here are the single source for both doors and for the OpenAPI
 * document of the REST adapter.
 */
import { z } from 'zod';
import { type FieldProblem, ValidationError } from '../../../core/errors.js';
import { freeText, hostAndPort, nameText, quoted, webUrl } from '../../../core/text.js';
import { INSTANT_FORMAT, instantText } from '../../../core/time.js';
import { type KeyField, type KeyValues, type ProviderSpec, providerIds, providers, withFields } from '../../providers/index.js';

/** The longest accepted values: validation, the GraphQL descriptions and the OpenAPI document all read them here. */
export const LIMITS = { name: 100, description: 1000, baseUrl: 200, category: 20, keyField: 1024 } as const;

export const credentialName = nameText(LIMITS.name);

const optionalText = (max: number) => freeText(max).nullish();

/** A user's expiry date: ISO 8601 with a zone (`2027-01-31T00:00:00Z`), from 1970 to 9999. */
export const expiryDate = instantText(`must be ${INSTANT_FORMAT}, from 1970 to 9999`).meta({
  description: 'When the credential expires (ISO 8601). Not sent on update: kept; null: cleared.',
});

export const credentialFields = z.object({
  name: credentialName,
  description: optionalText(LIMITS.description),
  provider: z.enum(providerIds as [string, ...string[]], {
    error: (issue) => (typeof issue.input === 'string' ? `unknown provider ${quoted(issue.input)}; expected one of ${providerIds.join(', ')}` : 'is required'),
  }),
  baseUrl: webUrl(LIMITS.baseUrl).nullish(),
  category: optionalText(LIMITS.category),
  expiresAt: expiryDate.nullish(),
});

function fieldSchema(field: KeyField): z.ZodType {
  if (field.type === 'boolean') return z.boolean({ error: 'must be true or false' }).nullish();
  if (field.type === 'string') {
    return (field.format === 'host' ? hostAndPort(maxLengthOf(field)) : freeText(maxLengthOf(field))).nullish();
  }
  const values = field.type.enum as [string, ...string[]];
  return z.enum(values, { error: `must be one of ${values.join(', ')}` }).nullish();
}

/** The longest accepted value of a string key field. */
export const maxLengthOf = (field: KeyField): number => field.maxLength ?? LIMITS.keyField;

/** The keys object a client may send for `spec`. Server-set fields are accepted and ignored. */
export function keysSchema(spec: ProviderSpec) {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, field] of Object.entries(spec.fields)) {
    shape[name] = field.serverSet
      ? z
          .unknown()
          .optional()
          .meta({ readOnly: true, description: `${field.description} (set by the server; ignored)` })
      : fieldSchema(field).meta({
          description: field.description,
          ...(field.secret ? { writeOnly: true } : {}),
        });
  }
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? `not a key of provider ${spec.id}` : 'must be an object'),
  });
}

const keysSchemas = new WeakMap<ProviderSpec, ReturnType<typeof keysSchema>>();
function keysSchemaOf(spec: ProviderSpec) {
  let schema = keysSchemas.get(spec);
  if (!schema) {
    schema = keysSchema(spec);
    keysSchemas.set(spec, schema);
  }
  return schema;
}

/**
 * What a door hands the domain to create or update a credential: the fields
 * the domain knows, each as the client sent it (the domain checks every value
 * and names each invalid one). A door cannot send a field the domain does not know.
 */
export type CredentialInput = { readonly [F in keyof typeof credentialFields.shape | 'keys']?: unknown };

export interface ValidCredentialInput {
  name: string;
  description: string | null;
  provider: ProviderSpec;
  baseUrl: string | null;
  category: string | null;
  /** The user's expiry date; undefined when not sent (an update keeps the stored one), null to clear it. */
  expiresAt: Date | null | undefined;
  /**
   * Key values the client sent. A field sent empty (null or "") is null: on an
   * update it clears the stored value. A field not sent is absent: on an update,
   * a secret not sent keeps its stored value.
   */
  keys: KeyValues;
}

function problemsOf(error: z.ZodError, prefix = ''): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push({ path: [prefix, ...issue.path, key].filter(Boolean).join('.'), message: issue.message });
    } else {
      problems.push({ path: [prefix, ...issue.path].filter(Boolean).join('.') || prefix, message: issue.message });
    }
  }
  return problems;
}

/**
 * Checks the shape of every field; throws one ValidationError naming each
 * invalid field. `extraFields`: key fields a door accepts beyond the
 * provider's own (withFields); the result's provider carries them.
 */
export function parseCredentialInput(input: CredentialInput, extraFields?: Readonly<Record<string, KeyField>>): ValidCredentialInput {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw ValidationError.of('credentials', 'must be an object');
  }
  const raw = input as Record<string, unknown>;
  const base = credentialFields.safeParse(raw);
  const problems = base.success ? [] : problemsOf(base.error);
  const own = typeof raw.provider === 'string' ? providers.get(raw.provider) : undefined;
  const spec = own && extraFields ? withFields(own, extraFields) : own;
  let keys: KeyValues = {};
  if (raw.keys !== undefined && raw.keys !== null) {
    if (spec) {
      const parsed = keysSchemaOf(spec).safeParse(raw.keys);
      if (parsed.success) keys = clientValues(spec, parsed.data as KeyValues);
      else problems.push(...problemsOf(parsed.error, 'keys'));
    } else if (typeof raw.keys !== 'object' || Array.isArray(raw.keys)) {
      problems.push({ path: 'keys', message: 'must be an object' });
    }
  }
  if (problems.length > 0 || !base.success || !spec) throw new ValidationError(problems);
  return {
    name: base.data.name,
    description: base.data.description ?? null,
    provider: spec,
    baseUrl: base.data.baseUrl ?? null,
    category: base.data.category ?? null,
    expiresAt: base.data.expiresAt,
    keys,
  };
}

/** The values a client really sent: empty ones as null, server-set fields ignored. */
function clientValues(spec: ProviderSpec, keys: KeyValues): KeyValues {
  const out: KeyValues = {};
  for (const [k, v] of Object.entries(keys)) {
    if (v !== undefined && !spec.fields[k]?.serverSet) out[k] = v === '' ? null : v;
  }
  return out;
}

export function parseName(name: unknown): string {
  const parsed = credentialName.safeParse(name);
  if (!parsed.success) throw new ValidationError(problemsOf(parsed.error, 'name'));
  return parsed.data;
}

/** Cross-field requirements of the provider, on the complete (merged) keys. */
export function checkKeys(spec: ProviderSpec, keys: KeyValues): void {
  const problems = (spec.check?.(keys) ?? []).map((p) => ({
    path: p.field ? `keys.${p.field}` : 'keys',
    message: p.message,
  }));
  if (problems.length > 0) throw new ValidationError(problems);
}

/** The longest status message stored with a credential (a provider's words when INVALID). */
export const MAX_MESSAGE = 4096;
