/**
 * Organizations, workspaces and participants. A nested selection (viewer →
 * organizations → workspaces → participants → user) loads in one statement per
 * level, whatever the counts (batched by loaders), each through the workspace
 * service, which applies the visibility rules. Mutations call the service and
 * answer its errors as typed results.
 */

import { builder, type Context, callerOf, fieldCaller, viewerId } from '../../../../doors/graphql/builder.js';
import { errorType } from '../../../../doors/graphql/errors.js';
import { inKeyOrder, loaderOf } from '../../../../doors/graphql/loaders.js';
import { UserRef, userLoader } from '../../../accounts/doors/graphql/index.js';
import {
  LastOwner,
  OrganizationNameTaken,
  OrganizationNotFound,
  ParticipantExists,
  ParticipantNotFound,
  UserNotFound,
  WorkspaceNameTaken,
  WorkspaceNotFound,
} from '../../errors.js';
import type { OrganizationRecord, ParticipantRecord, WorkspaceRecord } from '../../model.js';
import {
  DIRECT_DELIVERY_LEVELS,
  type DirectDeliveryLevel,
  ORGANIZATION_ROLES,
  type OrganizationRole,
  WORKSPACE_ROLES,
  type WorkspaceRole,
} from '../../rules/permissions.js';
import { WORKSPACE_USE_CASE_ERRORS } from '../../use-cases/service.js';

errorType(WorkspaceNotFound, {
  description: 'No workspace with this id that you take part in (or whose organization you own).',
  fields: (t) => ({ id: t.id({ resolve: (e) => e.workspaceId }) }),
});
errorType(OrganizationNotFound, {
  description: 'No organization with this id that you are a member of.',
  fields: (t) => ({ id: t.id({ resolve: (e) => e.organizationId }) }),
});
errorType(UserNotFound, { description: 'No user with this name.', fields: (t) => ({ userName: t.string({ resolve: (e) => e.userName }) }) });
errorType(ParticipantNotFound, {
  description: 'The user does not take part in the workspace.',
  fields: (t) => ({ userName: t.string({ resolve: (e) => e.userName }) }),
});
errorType(ParticipantExists, {
  description: 'The user takes part in the workspace already (change their role instead).',
  fields: (t) => ({ userName: t.string({ resolve: (e) => e.userName }) }),
});
errorType(LastOwner, {
  description: 'The change would leave the workspace without an OWNER.',
  fields: (t) => ({ userName: t.string({ resolve: (e) => e.userName }) }),
});
errorType(OrganizationNameTaken, {
  description: 'Another organization has this name.',
  fields: (t) => ({ name: t.string({ resolve: (e) => e.organizationName }) }),
});
errorType(WorkspaceNameTaken, {
  description: 'The organization has another workspace of this name.',
  fields: (t) => ({ name: t.string({ resolve: (e) => e.workspaceName }) }),
});

export const WorkspaceRoleEnum = builder.enumType('WorkspaceRole', {
  description: 'A participant’s role in a workspace; what each may do is in docs/api-graphql.md (Organizations and workspaces)',
  values: WORKSPACE_ROLES,
});
export const OrganizationRoleEnum = builder.enumType('OrganizationRole', { values: ORGANIZATION_ROLES });
const DirectDeliveryLevelEnum = builder.enumType('DirectDeliveryLevel', {
  description: 'Who in a workspace may take values delivered to a key of their own: this role and those above it, or nobody (OFF)',
  values: DIRECT_DELIVERY_LEVELS,
});

export const OrganizationRef = builder.objectRef<OrganizationRecord>('Organization');
export const WorkspaceRef = builder.objectRef<WorkspaceRecord>('Workspace');
export const ParticipantRef = builder.objectRef<ParticipantRecord>('WorkspaceParticipant');

// Each level of a nested selection is read once for all its objects (doors/graphql/loaders.ts).
const organizationRoles = (ctx: Context) =>
  loaderOf(ctx, 'organization.role', async (ids: readonly number[]) => {
    const roles = await ctx.services.workspaces.organizationRoles(caller(ctx), ids);
    return ids.map((id) => (roles.get(id) ?? null) as OrganizationRole | null);
  });
const workspacesOf = (ctx: Context) =>
  loaderOf(ctx, 'organization.workspaces', async (ids: readonly number[]) =>
    inKeyOrder(
      ids,
      await ctx.services.workspaces.visibleWorkspacesOf(caller(ctx), ids),
      (w) => w.organizationId,
      (list) => list,
    ),
  );
const organizations = (ctx: Context) =>
  loaderOf(ctx, 'workspace.organization', async (ids: readonly number[]) =>
    inKeyOrder(
      ids,
      await ctx.services.workspaces.organizationsOfWorkspaces(ids),
      (o) => o.id,
      ([org], id) => org ?? (new OrganizationNotFound(String(id)) as Error),
    ),
  );
const workspaceRoles = (ctx: Context) =>
  loaderOf(ctx, 'workspace.role', async (ids: readonly number[]) => {
    const roles = await ctx.services.workspaces.workspaceRoles(caller(ctx), ids);
    return ids.map((id) => (roles.get(id) ?? null) as WorkspaceRole | null);
  });
const participantsOf = (ctx: Context) =>
  loaderOf(ctx, 'workspace.participants', async (ids: readonly number[]) =>
    inKeyOrder(
      ids,
      await ctx.services.workspaces.participantsOf(ids),
      (p) => p.workspaceId,
      (list) => list,
    ),
  );

OrganizationRef.implement({
  description: 'An organization: a team’s workspaces and members.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    role: t.field({
      type: OrganizationRoleEnum,
      nullable: true,
      description: 'Your role in the organization',
      resolve: (org, _args, ctx) => organizationRoles(ctx).load(org.id),
    }),
    workspaces: t.field({
      type: [WorkspaceRef],
      description: 'The workspaces you take part in (every one, if you own the organization)',
      resolve: (org, _args, ctx) => workspacesOf(ctx).load(org.id),
    }),
  }),
});

WorkspaceRef.implement({
  description: 'A workspace of an organization, whose participants share its credentials by role.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    fullName: t.string({ description: '`organization/workspace`', resolve: (workspace) => `${workspace.organizationName}/${workspace.name}` }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    organization: t.field({ type: OrganizationRef, resolve: (workspace, _args, ctx) => organizations(ctx).load(workspace.organizationId) }),
    role: t.field({
      type: WorkspaceRoleEnum,
      nullable: true,
      description: 'Your role in the workspace (null: you own its organization without taking part)',
      resolve: (workspace, _args, ctx) => workspaceRoles(ctx).load(workspace.id),
    }),
    participants: t.field({ type: [ParticipantRef], resolve: (workspace, _args, ctx) => participantsOf(ctx).load(workspace.id) }),
    directDelivery: t.field({
      type: DirectDeliveryLevelEnum,
      description: 'The lowest role whose participants may take values delivered to a key of their own (deliverSecrets, the client), or OFF; never VIEW',
      resolve: (workspace) => workspace.directDelivery as DirectDeliveryLevel,
    }),
  }),
});

ParticipantRef.implement({
  description: 'A user taking part in a workspace, with a role.',
  fields: (t) => ({
    user: t.field({ type: UserRef, resolve: (p, _args, ctx) => userLoader(ctx).load(p.userId) }),
    role: t.field({ type: WorkspaceRoleEnum, resolve: (p) => p.role as WorkspaceRole }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

// The viewer's organizations and workspaces, empty on any user but the viewer.
builder.objectFields(UserRef, (t) => ({
  organizations: t.field({
    type: [OrganizationRef],
    description: 'The organizations you are a member of',
    resolve: async (user, _args, ctx) => {
      if (user.id !== viewerId(ctx)) return [];
      const memberships = await ctx.services.workspaces.memberships(caller(ctx));
      for (const m of memberships) organizationRoles(ctx).prime(m.id, m.role as OrganizationRole);
      return memberships;
    },
  }),
  workspaces: t.field({
    type: [WorkspaceRef],
    description: 'The workspaces you take part in',
    resolve: (user, _args, ctx) => (user.id === viewerId(ctx) ? ctx.services.workspaces.participatedWorkspaces(caller(ctx)) : []),
  }),
}));

const caller = fieldCaller;

builder.queryFields((t) => {
  const authenticated = t.withAuth({ authenticated: true });
  return {
    organization: authenticated.field({
      type: OrganizationRef,
      description: 'An organization you are a member of.',
      args: { id: t.arg.id({ required: true }) },
      errors: { types: [...WORKSPACE_USE_CASE_ERRORS.organization], directResult: true },
      resolve: (_root, args, ctx) => ctx.services.workspaces.organization(callerOf(ctx), String(args.id)),
    }),
    workspace: authenticated.field({
      type: WorkspaceRef,
      description: 'A workspace you take part in (or of an organization you own).',
      args: { id: t.arg.id({ required: true }) },
      errors: { types: [...WORKSPACE_USE_CASE_ERRORS.workspace], directResult: true },
      resolve: (_root, args, ctx) => ctx.services.workspaces.workspace(callerOf(ctx), { id: String(args.id) }),
    }),
  };
});

const CreateOrganizationInput = builder.inputType('CreateOrganizationInput', {
  fields: (t) => ({ name: t.string({ required: true, description: '1-40 letters, digits, _ or -; unique' }) }),
});
const CreateWorkspaceInput = builder.inputType('CreateWorkspaceInput', {
  fields: (t) => ({
    organizationId: t.id({ required: true }),
    name: t.string({ required: true, description: '1-40 letters, digits, _ or -; unique in the organization' }),
  }),
});
const ParticipantInput = builder.inputType('WorkspaceParticipantInput', {
  fields: (t) => ({
    workspaceId: t.id({ required: true }),
    userName: t.string({ required: true }),
    role: t.field({ type: WorkspaceRoleEnum, required: true }),
  }),
});
const RemoveParticipantInput = builder.inputType('RemoveWorkspaceParticipantInput', {
  fields: (t) => ({ workspaceId: t.id({ required: true }), userName: t.string({ required: true }) }),
});

builder.mutationFields((t) => {
  const authenticated = t.withAuth({ authenticated: true });
  return {
    createOrganization: authenticated.field({
      type: OrganizationRef,
      description: 'Creates an organization; you become its OWNER.',
      args: { input: t.arg({ type: CreateOrganizationInput, required: true }) },
      errors: { types: [...WORKSPACE_USE_CASE_ERRORS.createOrganization] },
      resolve: (_root, args, ctx) => ctx.services.workspaces.createOrganization(caller(ctx), args.input.name),
    }),
    createWorkspace: authenticated.field({
      type: WorkspaceRef,
      description: 'Creates a workspace in an organization you own; you take part in it as OWNER.',
      args: { input: t.arg({ type: CreateWorkspaceInput, required: true }) },
      errors: { types: [...WORKSPACE_USE_CASE_ERRORS.createWorkspace] },
      resolve: (_root, args, ctx) => ctx.services.workspaces.createWorkspace(caller(ctx), { id: String(args.input.organizationId) }, args.input.name),
    }),
    setWorkspaceDirectDelivery: authenticated.field({
      type: WorkspaceRef,
      description:
        'Sets who in the workspace may take values delivered to a key of their own (the client): `level` and the roles above it, or OFF. ' +
        'Its OWNERs and ADMINs, and the organization’s OWNERs, may; audited as workspace.direct_delivery.',
      args: { workspaceId: t.arg.id({ required: true }), level: t.arg({ type: DirectDeliveryLevelEnum, required: true }) },
      errors: { types: [...WORKSPACE_USE_CASE_ERRORS.setDirectDelivery] },
      resolve: (_root, args, ctx) => ctx.services.workspaces.setDirectDelivery(caller(ctx), { id: String(args.workspaceId) }, args.level),
    }),
    addWorkspaceParticipant: authenticated.field({
      type: ParticipantRef,
      description:
        'Adds a user to a workspace with a role (they become a member of its organization). Its OWNERs and ADMINs, and the organization’s OWNERs, may.',
      args: { input: t.arg({ type: ParticipantInput, required: true }) },
      errors: { types: [...WORKSPACE_USE_CASE_ERRORS.addParticipant] },
      resolve: (_root, args, ctx) => {
        const { workspaceId, userName, role } = args.input;
        return ctx.services.workspaces.addParticipant(caller(ctx), { id: String(workspaceId) }, userName, role);
      },
    }),
    updateWorkspaceParticipantRole: authenticated.field({
      type: ParticipantRef,
      description: 'Changes a participant’s role (a workspace keeps at least one OWNER).',
      args: { input: t.arg({ type: ParticipantInput, required: true }) },
      errors: { types: [...WORKSPACE_USE_CASE_ERRORS.updateParticipantRole] },
      resolve: (_root, args, ctx) => {
        const { workspaceId, userName, role } = args.input;
        return ctx.services.workspaces.updateParticipantRole(caller(ctx), { id: String(workspaceId) }, userName, role);
      },
    }),
    removeOrganizationMember: authenticated.id({
      description:
        'Removes a member from an organization you own: their participation in each of its workspaces, and their membership. Not an OWNER of the organization (the operator changes those); not a workspace’s last OWNER. Returns the organization id; their next request is refused.',
      args: { organizationId: t.arg.id({ required: true }), userName: t.arg.string({ required: true }) },
      errors: { types: [...WORKSPACE_USE_CASE_ERRORS.removeOrganizationMember] },
      resolve: async (_root, args, ctx) => {
        await ctx.services.workspaces.removeOrganizationMember(caller(ctx), String(args.organizationId), args.userName);
        return String(args.organizationId);
      },
    }),
    removeWorkspaceParticipant: authenticated.id({
      description: 'Removes a participant from a workspace (not its last OWNER); returns the workspace id. Their next request is refused.',
      args: { input: t.arg({ type: RemoveParticipantInput, required: true }) },
      errors: { types: [...WORKSPACE_USE_CASE_ERRORS.removeParticipant] },
      resolve: async (_root, args, ctx) => {
        await ctx.services.workspaces.removeParticipant(caller(ctx), { id: String(args.input.workspaceId) }, args.input.userName);
        return String(args.input.workspaceId);
      },
    }),
  };
});
