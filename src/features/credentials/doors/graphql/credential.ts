/**
 * The Credential type, its keys per provider, its queries and mutations. The
 * key types, inputs and enums are generated from the provider table (each
 * provider's own fields; the seed API's generic pair is the REST adapter's
 * alone), and the limits in descriptions are the numbers that validate.
 */

import type { Caller } from '../../../../core/caller.js';
import { type AuthenticatedContext, builder, callerOf } from '../../../../doors/graphql/builder.js';
import { connectionOf, forwardOnly } from '../../../../doors/graphql/connection.js';
import { errorType } from '../../../../doors/graphql/errors.js';
import { type KeyField, type ProviderSpec, providers } from '../../../providers/index.js';
import { ACCESS_ERRORS } from '../../../workspaces/index.js';
import {
  CredentialNameTaken,
  CredentialNotFound,
  CredentialVersionNotFound,
  IdempotencyKeyReused,
  IdempotentCreateDeleted,
  UndeleteNameTaken,
} from '../../errors.js';
import type { CredentialStatus as Status, VersionRecord } from '../../model.js';
import { type CredentialInput, LIMITS, MAX_MESSAGE, maxLengthOf } from '../../rules/input.js';
import type { CredentialView } from '../../rules/view.js';
import { type DeletedCredentialView, MAX_PAGE_SIZE } from '../../use-cases/service.js';

errorType(CredentialNameTaken, {
  description: 'Another credential of this owner already has this name.',
  fields: (t) => ({ name: t.string({ resolve: (e) => e.credentialName }) }),
});
errorType(CredentialNotFound, {
  description: 'No credential with this id is visible to the caller.',
  fields: (t) => ({ id: t.id({ resolve: (e) => e.credentialId }) }),
});
errorType(IdempotencyKeyReused, { description: 'The idempotency key was used for a different createCredential request.' });
errorType(IdempotentCreateDeleted, {
  description: 'The credential an earlier createCredential with this idempotency key made was deleted since; use a new key.',
  fields: (t) => ({ id: t.id({ resolve: (e) => e.credentialId }) }),
});
errorType(CredentialVersionNotFound, {
  description: 'The credential has no such version: never recorded, or no longer kept (CREDENTIAL_VERSIONS_KEPT).',
  fields: (t) => ({ id: t.id({ resolve: (e) => e.credentialId }), version: t.int({ resolve: (e) => e.versionNumber }) }),
});
errorType(UndeleteNameTaken, {
  name: 'UndeleteNameTakenError',
  description: 'A live credential took the name meanwhile: undelete under another name (suggestedName is free).',
  fields: (t) => ({ name: t.string({ resolve: (e) => e.credentialName }), suggestedName: t.string({ resolve: (e) => e.suggestedName }) }),
});
/** GraphQL names cannot hold '-': `azure-cloud` is `azure_cloud`. */
const graphqlName = (providerId: string) => providerId.replace(/-/g, '_');
const typeName = (providerId: string) =>
  providerId
    .split(/[-_]/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');

export { DEFAULT_PAGE_SIZE } from '../../../../core/paging.js';

import { DEFAULT_PAGE_SIZE } from '../../../../core/paging.js';

export const CredentialProvider = builder.enumType('CredentialProvider', {
  values: Object.fromEntries([...providers.values()].map((p) => [graphqlName(p.id), { value: p.id, description: p.title }])),
});

// A key field with a fixed set of values is an enum, one per name the table gives it.
const keyEnums = new Map<string, ReturnType<typeof builder.enumType>>();
function keyFieldType(field: KeyField) {
  if (field.type === 'boolean') return 'Boolean' as const;
  if (field.type === 'string') return 'String' as const;
  const { name, enum: values } = field.type;
  let type = keyEnums.get(name);
  if (!type) {
    type = builder.enumType(name, { values: values as readonly string[] });
    keyEnums.set(name, type);
  }
  return type;
}

/** A key field's input description: what it is, its limit, and whether it is write-only. */
const describeInput = (field: KeyField) =>
  [field.description, field.type === 'string' ? `at most ${maxLengthOf(field)} characters` : '', field.secret ? 'secret: write-only, never returned' : '']
    .filter(Boolean)
    .join('; ');

// Keys as returned: one object type per provider, with its returned fields only, and the provider
// (as REST's keys.discriminator; it also gives a type whose provider returns no field, such as SSH, a field).
interface KeysValue {
  provider: string;
  values: CredentialView['keys'];
}

const keyTypes = new Map(
  [...providers.values()].map((spec) => [
    spec.id,
    builder.objectRef<KeysValue>(`${typeName(spec.id)}Keys`).implement({
      description: `Returned key fields of a ${spec.title} credential (secret fields are never returned)`,
      fields: (t) => ({
        provider: t.field({ type: CredentialProvider, description: 'The provider these keys are for', resolve: (keys) => keys.provider }),
        ...Object.fromEntries(
          Object.entries(spec.fields)
            .filter(([, field]) => !field.secret)
            .map(([name, field]) => [
              name,
              t.field({
                type: keyFieldType(field),
                nullable: true,
                description: field.description,
                resolve: (keys) => (keys.values[name] ?? null) as never,
              }),
            ]),
        ),
      }),
    }),
  ]),
);

const CredentialKeys = builder.unionType('CredentialKeys', {
  types: [...keyTypes.values()],
  resolveType: (keys) => keyTypes.get(keys.provider)!,
});

const ExpirySource = builder.enumType('CredentialExpirySource', {
  values: {
    user: { value: 'user', description: 'Set by a user (expiresAt of the input)' },
    certificate: { value: 'certificate', description: "An X.509 certificate's notAfter, in one of the key fields" },
    ssh_certificate: { value: 'ssh-certificate', description: "An OpenSSH certificate's valid-before" },
    provider: { value: 'provider', description: "The provider's answer to a validation (GitHub's token expiration)" },
  },
});

export const CredentialVersionRef = builder.objectRef<VersionRecord>('CredentialVersion').implement({
  description: "A version of a credential's key material (its keys, base URL and secret as they were). Its secret is never returned.",
  fields: (t) => ({
    number: t.exposeInt('number', { description: '1, 2, … in the order they were made' }),
    dateCreated: t.expose('createdAt', { type: 'DateTime' }),
    actor: t.exposeString('actor', {
      nullable: true,
      description: 'Who made it (a user id, operator); null for the state recorded from before versions were kept',
    }),
    door: t.exposeString('door', { nullable: true, description: 'Through which door: graphql, rest, cli' }),
    changedFields: t.exposeStringList('changed', { description: 'The names of the fields that changed from the version before (names only)' }),
    restoredFrom: t.exposeInt('restoredFrom', { nullable: true, description: 'The version this one restored, when a restore made it' }),
  }),
});

export const CredentialStatus = builder.enumType('CredentialStatus', {
  values: {
    AVAILABLE: { description: 'The last validation succeeded, or none ran yet' },
    INVALID: { description: 'The provider refused the keys' },
  } satisfies Record<Status, { description: string }>,
});

export const CredentialRef = builder.objectRef<CredentialView>('Credential').implement({
  description: 'A stored credential. Secret key fields are write-only and never appear here.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    provider: t.field({ type: CredentialProvider, resolve: (c) => c.provider }),
    baseUrl: t.exposeString('baseUrl', { nullable: true }),
    category: t.exposeString('category', { nullable: true }),
    keys: t.field({ type: CredentialKeys, resolve: (c) => ({ provider: c.provider, values: c.keys }) }),
    dateCreated: t.expose('dateCreated', { type: 'DateTime' }),
    lastUpdated: t.expose('lastUpdated', { type: 'DateTime' }),
    lastUsed: t.expose('lastUsed', { type: 'DateTime', nullable: true, description: 'When the keys were last delivered to a paired service' }),
    status: t.field({
      type: CredentialStatus,
      description: 'AVAILABLE: the last validation succeeded, or none ran yet; INVALID: the provider refused the keys (see message)',
      resolve: (c) => c.status,
    }),
    message: t.exposeString('message', {
      nullable: true,
      description: `The provider's words when INVALID (at most ${MAX_MESSAGE} characters; a longer one ends with " (truncated)")`,
    }),
    lastValidated: t.expose('lastValidated', {
      type: 'DateTime',
      nullable: true,
      description: 'When a validation last decided the status (a transient failure does not count)',
    }),
    setupSnippet: t.exposeString('setupSnippet', {
      nullable: true,
      description: 'What to set up at the provider (AWS role mode: the IAM trust policy), when the installation is configured for it',
    }),
    expiresAt: t.expose('expiresAt', {
      type: 'DateTime',
      nullable: true,
      description:
        "When it expires: the earlier of the user's date and the one its material states. Once passed, status is INVALID unless a validation since found it valid.",
    }),
    expiresAtSource: t.field({ type: ExpirySource, nullable: true, description: 'Where expiresAt comes from', resolve: (c) => c.expiresAtSource as never }),
    currentVersion: t.exposeInt('currentVersion', { description: 'The number of its current version of key material (0: none recorded yet)' }),
    versions: t.connection({
      type: CredentialVersionRef,
      description: `Its versions of key material, newest first (at most ${MAX_PAGE_SIZE} a page; the last CREDENTIAL_VERSIONS_KEPT are kept)`,
      resolve: async (credential, args, ctx) => {
        forwardOnly(args, 'versions page');
        const page = await ctx.services.credentials.versions(callerIn(ctx as AuthenticatedContext, workspaceOf(credential)), credential.id, {
          first: args.first ?? DEFAULT_PAGE_SIZE,
          // Not a number: the domain refuses it as no cursor.
          after: args.after == null ? undefined : Number(args.after),
        });
        return connectionOf(
          page.items,
          page.hasNextPage,
          args,
          (v) => String(v.number),
          (v) => v,
        );
      },
    }),
  }),
});

/** The workspace a credential belongs to, as a caller names it (undefined: personal). */
const workspaceOf = (c: CredentialView) => (c.owner.kind === 'workspace' ? String(c.owner.id) : undefined);

export const DeletedCredentialRef = builder.objectRef<DeletedCredentialView>('DeletedCredential').implement({
  description: 'A deleted credential in its recovery window: restorable with undeleteCredential until purgeAfter.',
  fields: (t) => ({
    credential: t.field({ type: CredentialRef, resolve: (c) => c }),
    deleted: t.expose('deleted', { type: 'DateTime' }),
    purgeAfter: t.expose('purgeAfter', { type: 'DateTime', description: 'When its sealed material will be destroyed' }),
  }),
});

// Keys as written: one input per provider, every field a client sets (secret ones too), all optional.
const keyInputs = new Map(
  [...providers.values()].map((spec: ProviderSpec) => [
    spec.id,
    builder.inputType(`${typeName(spec.id)}KeysInput`, {
      description: `Key fields of a ${spec.title} credential. Secret fields not sent on update keep their stored values.`,
      fields: (t) =>
        Object.fromEntries(
          Object.entries(spec.fields)
            .filter(([, field]) => !field.serverSet)
            .map(([name, field]) => [name, t.field({ type: keyFieldType(field), required: false, description: describeInput(field) })]),
        ),
    }),
  ]),
);

const CredentialKeysInput = builder.inputType('CredentialKeysInput', {
  description: 'The keys of exactly one provider; which one is set decides the provider.',
  isOneOf: true,
  fields: (t) => Object.fromEntries([...keyInputs].map(([id, ref]) => [graphqlName(id), t.field({ type: ref, required: false })])),
});

export const CredentialInputType = builder.inputType('CredentialInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: `1-${LIMITS.name} characters, unique among your credentials` }),
    description: t.string({ required: false, description: `At most ${LIMITS.description} characters` }),
    baseUrl: t.string({ required: false, description: `Repository base URL (git providers), at most ${LIMITS.baseUrl} characters` }),
    category: t.string({ required: false, description: `At most ${LIMITS.category} characters` }),
    expiresAt: t.field({
      type: 'DateTime',
      required: false,
      description: 'When it expires, if you know (the material may say an earlier date). On update: absent keeps it, null clears it.',
    }),
    keys: t.field({ type: CredentialKeysInput, required: true }),
  }),
});

/** Translates the GraphQL input to the domain's input. */
export function toDomainInput(input: typeof CredentialInputType.$inferInput): CredentialInput {
  const keys = input.keys as Record<string, Record<string, unknown> | null | undefined>;
  const [branch, values] = Object.entries(keys).find(([, v]) => v != null) ?? [];
  return {
    name: input.name,
    description: input.description,
    baseUrl: input.baseUrl,
    category: input.category,
    ...(input.expiresAt === undefined ? {} : { expiresAt: input.expiresAt === null ? null : input.expiresAt.toISOString() }),
    provider: [...providers.keys()].find((id) => graphqlName(id) === branch),
    keys: values ?? {},
  };
}

export const WORKSPACE_ARG = 'The workspace whose credentials to use (absent: your own), as your role in it allows';

/** The caller of a credential field, in the workspace it names (if any). */
export const callerIn = (ctx: AuthenticatedContext, workspaceId: string | number | null | undefined): Caller => ({
  ...callerOf(ctx),
  ...(workspaceId == null ? {} : { workspaceId: String(workspaceId) }),
});

// A credential call that names a workspace may fail for it: not found (not yours), or a role that does not allow it.
export const WORKSPACE_ERRORS = ACCESS_ERRORS;
