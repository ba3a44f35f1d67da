/** The Credential type, its keys per provider, its queries and mutations. */
import { GraphQLError } from 'graphql';
import { CredentialNameTaken, CredentialNotFound, IdempotencyKeyReused, ValidationError } from '../credentials/errors.js';
import { providers, returnedFields, type KeyField, type ProviderSpec } from '../credentials/providers.js';
import { MAX_PAGE_SIZE, type CredentialView, type Caller } from '../credentials/service.js';
import { builder, type Context } from './builder.js';

/** GraphQL names cannot hold '-': `azure-cloud` is `azure_cloud`. */
const graphqlName = (providerId: string) => providerId.replace(/-/g, '_');
const typeName = (providerId: string) =>
  providerId.split(/[-_]/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');

const DEFAULT_PAGE_SIZE = 20;

const caller = (ctx: Context): Caller => ({ userId: ctx.viewer!.userId, door: 'graphql' });

export const CredentialProvider = builder.enumType('CredentialProvider', {
  values: Object.fromEntries(
    [...providers.values()].map((p) => [graphqlName(p.id), { value: p.id, description: p.title }]),
  ),
});

// Keys as returned: one object type per provider, with its returned fields only.
interface KeysValue {
  provider: string;
  values: CredentialView['keys'];
}

const keyTypes = new Map(
  [...providers.values()].map((spec) => [
    spec.id,
    builder.objectRef<KeysValue>(`${typeName(spec.id)}Keys`).implement({
      description: `Returned key fields of a ${spec.title} credential (secret fields are never returned)`,
      fields: (t) =>
        Object.fromEntries(
          returnedFields(spec).map((name) => {
            const field = spec.fields[name]!;
            const resolve = (keys: KeysValue) => keys.values[name] ?? null;
            return [
              name,
              field.type === 'boolean'
                ? t.boolean({ nullable: true, description: field.description, resolve: (k) => resolve(k) as boolean | null })
                : t.string({ nullable: true, description: field.description, resolve: (k) => resolve(k) as string | null }),
            ];
          }),
        ),
    }),
  ]),
);

const CredentialKeys = builder.unionType('CredentialKeys', {
  types: [...keyTypes.values()],
  resolveType: (keys) => keyTypes.get(keys.provider)!,
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
    lastUsed: t.expose('lastUsed', { type: 'DateTime', nullable: true }),
    dateCreated: t.expose('dateCreated', { type: 'DateTime' }),
    lastUpdated: t.expose('lastUpdated', { type: 'DateTime' }),
  }),
});

// Keys as written: one input per provider, every field (secret ones too), all optional.
function inputFieldType(field: KeyField): 'Boolean' | 'String' {
  return field.type === 'boolean' ? 'Boolean' : 'String';
}

const keyInputs = new Map(
  [...providers.values()].map((spec: ProviderSpec) => [
    spec.id,
    builder.inputType(`${typeName(spec.id)}KeysInput`, {
      description: `Key fields of a ${spec.title} credential. Secret fields not sent on update keep their stored values.`,
      fields: (t) =>
        Object.fromEntries(
          Object.entries(spec.fields)
            .filter(([, field]) => !field.serverSet)
            .map(([name, field]) => [
              name,
              t.field({
                type: inputFieldType(field),
                required: false,
                description: `${field.description}${field.secret ? ' (secret, write-only)' : ''}`,
              }),
            ]),
        ),
    }),
  ]),
);

const CredentialKeysInput = builder.inputType('CredentialKeysInput', {
  description: 'The keys of exactly one provider; which one is set decides the provider.',
  isOneOf: true,
  fields: (t) =>
    Object.fromEntries([...keyInputs].map(([id, ref]) => [graphqlName(id), t.field({ type: ref, required: false })])),
});

const CredentialInput = builder.inputType('CredentialInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: '1-100 characters, unique among your credentials' }),
    description: t.string({ required: false }),
    baseUrl: t.string({ required: false, description: 'Repository base URL (git providers), at most 200 characters' }),
    category: t.string({ required: false, description: 'At most 20 characters' }),
    keys: t.field({ type: CredentialKeysInput, required: true }),
  }),
});

/** Translates the GraphQL input to the domain's input. */
function toDomainInput(input: typeof CredentialInput.$inferInput) {
  const keys = input.keys as Record<string, Record<string, unknown> | null | undefined>;
  const [branch, values] = Object.entries(keys).find(([, v]) => v != null) ?? [];
  const provider = [...providers.keys()].find((id) => graphqlName(id) === branch);
  return {
    name: input.name,
    description: input.description,
    baseUrl: input.baseUrl,
    category: input.category,
    provider,
    keys: values ?? {},
  };
}

const authenticated = { authenticated: true } as const;

builder.queryFields((t) => ({
  credential: t.field({
    type: CredentialRef,
    authScopes: authenticated,
    description: 'One of your credentials.',
    args: { id: t.arg.id({ required: true }) },
    errors: { types: [CredentialNotFound], directResult: true },
    resolve: (_root, args, ctx) => ctx.services.credentials.describe(caller(ctx), String(args.id)),
  }),
  credentials: t.connection({
    type: CredentialRef,
    authScopes: authenticated,
    description: `Your credentials, oldest first: ${DEFAULT_PAGE_SIZE} a page unless first says otherwise (at most ${MAX_PAGE_SIZE}); forward pagination only.`,
    args: { provider: t.arg({ type: CredentialProvider, required: false }) },
    resolve: async (_root, args, ctx) => {
      if (args.last != null || args.before != null) {
        throw new GraphQLError('credentials pages forward only: use first and after', {
          extensions: { code: 'VALIDATION_FAILED' },
        });
      }
      const first = args.first ?? DEFAULT_PAGE_SIZE;
      const page = await ctx.services.credentials.list(caller(ctx), {
        providers: args.provider ? [args.provider] : undefined,
        first,
        after: args.after ?? undefined,
      });
      return {
        edges: page.items.map((item) => ({ cursor: item.cursor, node: item.credential })),
        pageInfo: {
          hasNextPage: page.hasNextPage,
          hasPreviousPage: args.after != null,
          startCursor: page.items[0]?.cursor ?? null,
          endCursor: page.items[page.items.length - 1]?.cursor ?? null,
        },
      };
    },
  }),
  validateCredentialName: t.boolean({
    authScopes: authenticated,
    description: 'True when the name is valid and free among your credentials.',
    args: { name: t.arg.string({ required: true }) },
    errors: { types: [ValidationError, CredentialNameTaken] },
    resolve: async (_root, args, ctx) => {
      await ctx.services.credentials.validateName(caller(ctx), args.name);
      return true;
    },
  }),
}));

builder.mutationFields((t) => ({
  createCredential: t.field({
    type: CredentialRef,
    authScopes: authenticated,
    args: {
      input: t.arg({ type: CredentialInput, required: true }),
      useExternalId: t.arg.boolean({ required: false, description: 'AWS role mode: generate an external id' }),
      idempotencyKey: t.arg.string({
        required: false,
        description: 'Retry safely: the same key with the same input returns the credential created first, never a second one',
      }),
    },
    errors: { types: [ValidationError, CredentialNameTaken, IdempotencyKeyReused] },
    resolve: (_root, args, ctx) =>
      ctx.services.credentials.create(caller(ctx), toDomainInput(args.input), {
        useExternalId: args.useExternalId ?? false,
        idempotencyKey: args.idempotencyKey ?? undefined,
      }),
  }),
  updateCredential: t.field({
    type: CredentialRef,
    authScopes: authenticated,
    description: 'Replaces the credential. Keys are replaced as a whole; secret fields not sent keep their values.',
    args: {
      id: t.arg.id({ required: true }),
      input: t.arg({ type: CredentialInput, required: true }),
      useExternalId: t.arg.boolean({ required: false, description: 'AWS role mode: generate an external id' }),
    },
    errors: { types: [ValidationError, CredentialNameTaken, CredentialNotFound] },
    resolve: (_root, args, ctx) =>
      ctx.services.credentials.update(caller(ctx), String(args.id), toDomainInput(args.input), {
        useExternalId: args.useExternalId ?? false,
      }),
  }),
  deleteCredential: t.id({
    authScopes: authenticated,
    description: 'Deletes the credential and wipes its secrets; returns its id.',
    args: { id: t.arg.id({ required: true }) },
    errors: { types: [CredentialNotFound] },
    resolve: async (_root, args, ctx) => {
      await ctx.services.credentials.delete(caller(ctx), String(args.id));
      return String(args.id);
    },
  }),
}));
