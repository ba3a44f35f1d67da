/**
 * Pipeline secrets in the graph: the queries and mutations beside credentials', each calling the pipeline-secret
 * use cases with the caller in the workspace it names, their errors answered as typed results. No field returns
 * a value.
 */

import { cursorOf, cursorParts, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../../../core/paging.js';
import { builder } from '../../../../doors/graphql/builder.js';
import { connectionOf, forwardOnly } from '../../../../doors/graphql/connection.js';
import { errorType } from '../../../../doors/graphql/errors.js';
import { callerIn, WORKSPACE_ARG, WORKSPACE_ERRORS } from '../../../credentials/doors/graphql/index.js';
import { PipelineSecretNameTaken, PipelineSecretNotFound, PipelineSecretsMissing, PipelineSecretVersionNotFound } from '../../errors.js';
import type { DeletedPipelineSecret, PipelineSecretRecord, PipelineSecretVersionView, ResolvedPipelineSecret } from '../../model.js';
import { MAX_RESOLVED_NAMES, PIPELINE_SECRET_ERRORS } from '../../use-cases/service.js';

errorType(PipelineSecretNameTaken, {
  description: 'Another pipeline secret of this context already has this name.',
  fields: (t) => ({ name: t.string({ resolve: (e) => e.secretName }) }),
});
errorType(PipelineSecretNotFound, {
  description: 'No pipeline secret with this id is visible to the caller.',
  fields: (t) => ({ id: t.id({ resolve: (e) => e.secretId }) }),
});
errorType(PipelineSecretVersionNotFound, {
  description: 'The pipeline secret has no such version: never made, or no longer kept (CREDENTIAL_VERSIONS_KEPT).',
  fields: (t) => ({ id: t.id({ resolve: (e) => e.secretId }), version: t.int({ resolve: (e) => e.version }) }),
});
errorType(PipelineSecretsMissing, {
  description: 'Names a run asked for that neither the caller nor the workspace has a pipeline secret of.',
  fields: (t) => ({ names: t.stringList({ resolve: (e) => [...e.names] }) }),
});

const PipelineSecretRef = builder.objectRef<PipelineSecretRecord>('PipelineSecret').implement({
  description: 'A named value a Nextflow run reads as `secrets.NAME`. Its value is write-only: no field returns it.',
  fields: (t) => ({
    id: t.id({ resolve: (s) => String(s.id), description: "Upstream's int64 secretId, as text" }),
    name: t.exposeString('name'),
    workspaceId: t.id({ nullable: true, resolve: (s) => (s.owner.kind === 'workspace' ? String(s.owner.id) : null), description: 'Null: your own' }),
    dateCreated: t.expose('dateCreated', { type: 'DateTime' }),
    lastUpdated: t.expose('lastUpdated', { type: 'DateTime' }),
    lastUsed: t.expose('lastUsed', { type: 'DateTime', nullable: true, description: 'When its value was last delivered' }),
  }),
});

const DeletedPipelineSecretRef = builder.objectRef<DeletedPipelineSecret>('DeletedPipelineSecret').implement({
  description: 'A deleted pipeline secret in its recovery window (never its value).',
  fields: (t) => ({
    id: t.id({ resolve: (s) => String(s.id) }),
    name: t.exposeString('name'),
    workspaceId: t.id({ nullable: true, resolve: (s) => (s.owner.kind === 'workspace' ? String(s.owner.id) : null) }),
    deleted: t.expose('deleted', { type: 'DateTime' }),
    purgeAfter: t.expose('purgeAfter', { type: 'DateTime', description: 'When its value is destroyed, unless undeleted before' }),
  }),
});

const PipelineSecretVersionRef = builder.objectRef<PipelineSecretVersionView>('PipelineSecretVersion').implement({
  description: 'A version of a pipeline secret’s value: when, who, through which door; never the value.',
  fields: (t) => ({
    number: t.exposeInt('number'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    actor: t.exposeString('actor', { nullable: true, description: 'A user id, operator or background' }),
    door: t.exposeString('door', { nullable: true }),
    restoredFrom: t.exposeInt('restoredFrom', { nullable: true, description: 'The version it restored, when a restore made it' }),
  }),
});

const PipelineSecretScope = builder.enumType('PipelineSecretScope', {
  description: 'Whose secret a run gets for a name',
  values: { USER: { value: 'user', description: 'the caller’s own' }, WORKSPACE: { value: 'workspace', description: 'the workspace’s' } } as const,
});

const ResolvedPipelineSecretRef = builder.objectRef<ResolvedPipelineSecret>('ResolvedPipelineSecret').implement({
  description: 'The secret a run gets for a name (never its value).',
  fields: (t) => ({
    name: t.exposeString('name'),
    scope: t.field({ type: PipelineSecretScope, resolve: (r) => r.scope }),
    id: t.id({ resolve: (r) => String(r.id) }),
  }),
});

const PipelineSecretInput = builder.inputType('PipelineSecretInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: 'Nextflow’s rule: a letter or _ first, then letters, digits and single _s; at most 50 characters' }),
    value: t.string({ required: true, description: 'Write-only: 1 byte to 64 KiB' }),
  }),
});

builder.queryFields((t) => {
  const authenticated = t.withAuth({ authenticated: true });
  const workspaceId = t.arg.id({ required: false, description: WORKSPACE_ARG });
  return {
    pipelineSecret: authenticated.field({
      type: PipelineSecretRef,
      description: 'One of your pipeline secrets, or of a workspace you take part in (any role).',
      args: { id: t.arg.id({ required: true }), workspaceId },
      errors: { types: [...PIPELINE_SECRET_ERRORS.describe, ...WORKSPACE_ERRORS], directResult: true },
      resolve: (_root, args, ctx) => ctx.services.pipelineSecrets.describe(callerIn(ctx, args.workspaceId), String(args.id)),
    }),
    pipelineSecrets: authenticated.connection({
      type: PipelineSecretRef,
      description: `Your pipeline secrets (or a workspace's) by name: ${DEFAULT_PAGE_SIZE} a page unless first says otherwise (at most ${MAX_PAGE_SIZE}); forward pagination only.`,
      args: { workspaceId, nameStartsWith: t.arg.string({ required: false, description: 'Only names starting with this (case-sensitive)' }) },
      resolve: async (_root, args, ctx) => {
        forwardOnly(args, 'pipeline secrets pages');
        const after = args.after == null ? undefined : (cursorParts(args.after, 1)?.[0] ?? '');
        const page = await ctx.services.pipelineSecrets.list(callerIn(ctx, args.workspaceId), {
          first: args.first ?? undefined,
          after,
          nameStartsWith: args.nameStartsWith ?? undefined,
        });
        return connectionOf(
          page.items,
          page.hasNextPage,
          args,
          (s) => cursorOf(s.name),
          (s) => s,
        );
      },
    }),
    validatePipelineSecretName: authenticated.boolean({
      description: 'True when the name is valid and free in the context; else a ValidationError saying what is wrong, or PipelineSecretNameTakenError.',
      args: { name: t.arg.string({ required: true }), workspaceId },
      errors: { types: [...PIPELINE_SECRET_ERRORS.validateName, ...WORKSPACE_ERRORS] },
      resolve: async (_root, args, ctx) => {
        await ctx.services.pipelineSecrets.validateName(callerIn(ctx, args.workspaceId), args.name);
        return true;
      },
    }),
    pipelineSecretVersions: authenticated.field({
      type: [PipelineSecretVersionRef],
      description: `A pipeline secret's versions of its value, newest first (at most first, ${MAX_PAGE_SIZE}; the last CREDENTIAL_VERSIONS_KEPT are kept).`,
      args: { id: t.arg.id({ required: true }), workspaceId, first: t.arg.int({ required: false }) },
      errors: { types: [...PIPELINE_SECRET_ERRORS.versions, ...WORKSPACE_ERRORS] },
      resolve: (_root, args, ctx) =>
        ctx.services.pipelineSecrets.versions(callerIn(ctx, args.workspaceId), String(args.id), { first: args.first ?? undefined }),
    }),
    deletedPipelineSecrets: authenticated.field({
      type: [DeletedPipelineSecretRef],
      description: `Deleted pipeline secrets still in their recovery window, the most recently deleted first (at most first, ${MAX_PAGE_SIZE}). Yours; in a workspace, OWNER and ADMIN.`,
      args: { workspaceId, first: t.arg.int({ required: false }) },
      resolve: (_root, args, ctx) => ctx.services.pipelineSecrets.deleted(callerIn(ctx, args.workspaceId), { first: args.first ?? undefined }),
    }),
    resolvePipelineSecrets: authenticated.field({
      type: [ResolvedPipelineSecretRef],
      description:
        `Which secret a run of yours in the workspace gets for each name (1 to ${MAX_RESOLVED_NAMES}), in the order asked: your own ` +
        'secret of a name wins over the workspace’s (Seqera’s rule); without workspaceId, your own only. Names, scopes and ids; never a value.',
      args: { workspaceId, names: t.arg.stringList({ required: true }) },
      errors: { types: [...PIPELINE_SECRET_ERRORS.resolve, ...WORKSPACE_ERRORS] },
      resolve: (_root, args, ctx) => ctx.services.pipelineSecrets.resolve(callerIn(ctx, args.workspaceId), args.names),
    }),
  };
});

builder.mutationFields((t) => {
  const authenticated = t.withAuth({ authenticated: true });
  const workspaceId = t.arg.id({ required: false, description: WORKSPACE_ARG });
  return {
    createPipelineSecret: authenticated.field({
      type: PipelineSecretRef,
      description: 'Stores a pipeline secret in your context or a workspace’s (MAINTAIN and above). Its value is write-only.',
      args: { input: t.arg({ type: PipelineSecretInput, required: true }), workspaceId },
      errors: { types: [...PIPELINE_SECRET_ERRORS.create, ...WORKSPACE_ERRORS] },
      resolve: (_root, args, ctx) => ctx.services.pipelineSecrets.create(callerIn(ctx, args.workspaceId), args.input),
    }),
    updatePipelineSecret: authenticated.field({
      type: PipelineSecretRef,
      description: 'Replaces a pipeline secret’s value (its name does not change).',
      args: { id: t.arg.id({ required: true }), value: t.arg.string({ required: true }), workspaceId },
      errors: { types: [...PIPELINE_SECRET_ERRORS.update, ...WORKSPACE_ERRORS] },
      resolve: (_root, args, ctx) => ctx.services.pipelineSecrets.update(callerIn(ctx, args.workspaceId), String(args.id), { value: args.value }),
    }),
    deletePipelineSecret: authenticated.id({
      description:
        'Deletes a pipeline secret: gone for every door at once, its name free; restorable with undeletePipelineSecret for the ' +
        'recovery window (CREDENTIAL_RECOVERY_WINDOW), then its value is destroyed. purge (yours; in a workspace OWNER and ADMIN) ' +
        'destroys it at once, also of one deleted earlier. Returns its id.',
      args: { id: t.arg.id({ required: true }), workspaceId, purge: t.arg.boolean({ required: false }) },
      errors: { types: [...PIPELINE_SECRET_ERRORS.delete, ...WORKSPACE_ERRORS] },
      resolve: async (_root, args, ctx) => {
        await ctx.services.pipelineSecrets.delete(callerIn(ctx, args.workspaceId), String(args.id), { purge: args.purge ?? false });
        return String(args.id);
      },
    }),
    restorePipelineSecretVersion: authenticated.field({
      type: PipelineSecretRef,
      description: 'Makes a new version of the value equal to version `version` (history is never rewritten). Whoever may update it.',
      args: { id: t.arg.id({ required: true }), version: t.arg.int({ required: true }), workspaceId },
      errors: { types: [...PIPELINE_SECRET_ERRORS.restore, ...WORKSPACE_ERRORS] },
      resolve: (_root, args, ctx) => ctx.services.pipelineSecrets.restore(callerIn(ctx, args.workspaceId), String(args.id), args.version),
    }),
    undeletePipelineSecret: authenticated.field({
      type: PipelineSecretRef,
      description:
        'Brings a deleted pipeline secret in its recovery window back, value intact, under its name or `name`. Yours; in a workspace, OWNER and ADMIN.',
      args: { id: t.arg.id({ required: true }), workspaceId, name: t.arg.string({ required: false }) },
      errors: { types: [...PIPELINE_SECRET_ERRORS.undelete, ...WORKSPACE_ERRORS] },
      resolve: (_root, args, ctx) => ctx.services.pipelineSecrets.undelete(callerIn(ctx, args.workspaceId), String(args.id), { name: args.name ?? undefined }),
    }),
  };
});
