/**
 * The credential queries and mutations, and a workspace's page of credentials
 * (Workspace.credentials): each calls the credentials service with the caller
 * in the workspace it names, and answers the service's errors as typed results.
 */
import type { Caller } from '../../../../core/caller.js';
import { builder, type Context, fieldCaller } from '../../../../doors/graphql/builder.js';
import { connectionOf, forwardOnly } from '../../../../doors/graphql/connection.js';
import { WorkspaceRef } from '../../../workspaces/doors/graphql/index.js';
import { CREDENTIAL_USE_CASE_ERRORS, MAX_PAGE_SIZE } from '../../use-cases/service.js';
import {
  CredentialInputType,
  CredentialProvider,
  CredentialRef,
  callerIn,
  DEFAULT_PAGE_SIZE,
  DeletedCredentialRef,
  toDomainInput,
  WORKSPACE_ARG,
  WORKSPACE_ERRORS,
} from './credential.js';

interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
  provider?: string | null;
  expiringBefore?: Date | null;
}

/** A page of a context's credentials as a Relay connection (forward only). */
export async function pageOf(caller: Caller, args: PageArgs, ctx: Context) {
  forwardOnly(args, 'credentials pages');
  const options = { providers: args.provider ? [args.provider] : undefined, first: args.first ?? DEFAULT_PAGE_SIZE, after: args.after ?? undefined };
  const page =
    args.expiringBefore == null
      ? await ctx.services.credentials.list(caller, options)
      : await ctx.services.credentials.expiring(caller, args.expiringBefore, options);
  return connectionOf(
    page.items,
    page.hasNextPage,
    args,
    (item) => item.cursor,
    (item) => item.credential,
  );
}

builder.queryFields((t) => {
  const authenticated = t.withAuth({ authenticated: true });
  const workspaceId = t.arg.id({ required: false, description: WORKSPACE_ARG });
  return {
    credential: authenticated.field({
      type: CredentialRef,
      description: 'One of your credentials, or of a workspace you take part in.',
      args: { id: t.arg.id({ required: true }), workspaceId },
      errors: { types: [...CREDENTIAL_USE_CASE_ERRORS.describe, ...WORKSPACE_ERRORS], directResult: true },
      resolve: (_root, args, ctx) => ctx.services.credentials.describe(callerIn(ctx, args.workspaceId), String(args.id)),
    }),
    credentials: authenticated.connection({
      type: CredentialRef,
      description: `Your credentials (or a workspace's), oldest first: ${DEFAULT_PAGE_SIZE} a page unless first says otherwise (at most ${MAX_PAGE_SIZE}); forward pagination only.`,
      args: {
        provider: t.arg({ type: CredentialProvider, required: false }),
        workspaceId,
        expiringBefore: t.arg({
          type: 'DateTime',
          required: false,
          description: 'Only those whose expiresAt is before this instant (expired ones included), soonest first',
        }),
      },
      resolve: (_root, args, ctx) => pageOf(callerIn(ctx, args.workspaceId), args, ctx),
    }),
    deletedCredentials: authenticated.field({
      type: [DeletedCredentialRef],
      description: `Deleted credentials still in their recovery window, the most recently deleted first (at most first, ${MAX_PAGE_SIZE}). Yours; in a workspace, OWNER and ADMIN.`,
      args: { workspaceId, first: t.arg.int({ required: false }) },
      resolve: (_root, args, ctx) => ctx.services.credentials.deleted(callerIn(ctx, args.workspaceId), { first: args.first ?? undefined }),
    }),
    validateCredentialName: authenticated.boolean({
      description: 'True when the name is valid and free among your credentials (or a workspace’s).',
      args: { name: t.arg.string({ required: true }), workspaceId },
      errors: { types: [...CREDENTIAL_USE_CASE_ERRORS.validateName, ...WORKSPACE_ERRORS] },
      resolve: async (_root, args, ctx) => {
        await ctx.services.credentials.validateName(callerIn(ctx, args.workspaceId), args.name);
        return true;
      },
    }),
  };
});

const RestoreInput = builder.inputType('RestoreCredentialVersionInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    version: t.int({ required: true, description: 'The version to restore (see Credential.versions)' }),
    workspaceId: t.id({ required: false, description: WORKSPACE_ARG }),
  }),
});

const UndeleteInput = builder.inputType('UndeleteCredentialInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    name: t.string({ required: false, description: 'A new name (when a live credential took its name meanwhile)' }),
    workspaceId: t.id({ required: false, description: WORKSPACE_ARG }),
  }),
});

builder.mutationFields((t) => {
  const authenticated = t.withAuth({ authenticated: true });
  const workspaceId = t.arg.id({ required: false, description: WORKSPACE_ARG });
  return {
    createCredential: authenticated.field({
      type: CredentialRef,
      args: {
        input: t.arg({ type: CredentialInputType, required: true }),
        workspaceId,
        useExternalId: t.arg.boolean({ required: false, description: 'AWS role mode: generate an external id' }),
        idempotencyKey: t.arg.string({
          required: false,
          description: 'Retry safely: the same key with the same input returns the credential created first, never a second one',
        }),
      },
      errors: { types: [...CREDENTIAL_USE_CASE_ERRORS.create, ...WORKSPACE_ERRORS] },
      resolve: (_root, args, ctx) =>
        ctx.services.credentials.create(callerIn(ctx, args.workspaceId), toDomainInput(args.input), {
          useExternalId: args.useExternalId ?? false,
          idempotencyKey: args.idempotencyKey ?? undefined,
        }),
    }),
    updateCredential: authenticated.field({
      type: CredentialRef,
      description: 'Replaces the credential. Keys are replaced as a whole; secret fields not sent keep their values.',
      args: {
        id: t.arg.id({ required: true }),
        input: t.arg({ type: CredentialInputType, required: true }),
        useExternalId: t.arg.boolean({ required: false, description: 'AWS role mode: generate an external id' }),
        workspaceId,
      },
      errors: { types: [...CREDENTIAL_USE_CASE_ERRORS.update, ...WORKSPACE_ERRORS] },
      resolve: (_root, args, ctx) =>
        ctx.services.credentials.update(callerIn(ctx, args.workspaceId), String(args.id), toDomainInput(args.input), {
          useExternalId: args.useExternalId ?? false,
        }),
    }),
    deleteCredential: authenticated.id({
      description:
        'Deletes the credential: gone for every door at once, its name free; restorable with undeleteCredential for the recovery ' +
        'window (CREDENTIAL_RECOVERY_WINDOW), then its secrets are destroyed. purge (yours; in a workspace OWNER and ADMIN) destroys them ' +
        'at once, also of one deleted earlier. Returns its id.',
      args: { id: t.arg.id({ required: true }), workspaceId, purge: t.arg.boolean({ required: false }) },
      errors: { types: [...CREDENTIAL_USE_CASE_ERRORS.delete, ...WORKSPACE_ERRORS] },
      resolve: async (_root, args, ctx) => {
        await ctx.services.credentials.delete(callerIn(ctx, args.workspaceId), String(args.id), { purge: args.purge ?? false });
        return String(args.id);
      },
    }),
    restoreCredentialVersion: authenticated.field({
      type: CredentialRef,
      description: 'Makes a new version equal to version `version` (history is never rewritten); its validation starts afresh. Whoever may update it.',
      args: { input: t.arg({ type: RestoreInput, required: true }) },
      errors: { types: [...CREDENTIAL_USE_CASE_ERRORS.restore, ...WORKSPACE_ERRORS] },
      resolve: (_root, { input }, ctx) => ctx.services.credentials.restore(callerIn(ctx, input.workspaceId), String(input.id), input.version),
    }),
    undeleteCredential: authenticated.field({
      type: CredentialRef,
      description: 'Brings a deleted credential in its recovery window back, keys intact, under its name or `name`. Yours; in a workspace, OWNER and ADMIN.',
      args: { input: t.arg({ type: UndeleteInput, required: true }) },
      errors: { types: [...CREDENTIAL_USE_CASE_ERRORS.undelete, ...WORKSPACE_ERRORS] },
      resolve: (_root, { input }, ctx) =>
        ctx.services.credentials.undelete(callerIn(ctx, input.workspaceId), String(input.id), { name: input.name ?? undefined }),
    }),
  };
});

builder.objectField(WorkspaceRef, 'credentials', (t) =>
  t.connection({
    type: CredentialRef,
    description: `The workspace's credentials, oldest first: ${DEFAULT_PAGE_SIZE} a page unless first says otherwise (at most ${MAX_PAGE_SIZE}).`,
    args: { provider: t.arg({ type: CredentialProvider, required: false }) },
    resolve: (workspace, args, ctx) => pageOf({ ...fieldCaller(ctx), workspaceId: String(workspace.id) }, args, ctx),
  }),
);
