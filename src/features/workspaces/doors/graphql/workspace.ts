/**
 * Organizations, workspaces and participants. The relational types are Pothos
 * Prisma objects: a nested selection (viewer → organizations → workspaces →
 * participants → user) loads in one statement per level, whatever the counts,
 * with the domain's visibility rules as filters. Mutations call the workspace
 * service and answer its errors as typed results.
 */

import { queryFromInfo } from '@pothos/plugin-prisma';
import type { Caller } from '../../../../core/caller.js';
import { Forbidden, LimitReached, ValidationError } from '../../../../core/errors.js';
import { type AuthenticatedContext, builder, type Context, callerOf, viewerId } from '../../../../doors/graphql/builder.js';
import { errorType } from '../../../../doors/graphql/errors.js';
import { CredentialProvider, CredentialRef, DEFAULT_PAGE_SIZE, pageOf } from '../../../credentials/doors/graphql/credential.js';
import { MAX_PAGE_SIZE } from '../../../credentials/use-cases/service.js';
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
import { ORGANIZATION_ROLES, WORKSPACE_ROLES } from '../../rules/permissions.js';
import { visibleWorkspaces } from '../../rules/visibility.js';

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

export const OrganizationRef = builder.prismaObject('Organization', {
  description: 'An organization: a team’s workspaces and members.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    role: t.field({
      type: OrganizationRoleEnum,
      nullable: true,
      description: 'Your role in the organization',
      select: (_args, ctx) => ({ members: { where: { userId: viewerId(ctx) }, select: { role: true } } }),
      resolve: (org) => (org.members[0]?.role ?? null) as (typeof ORGANIZATION_ROLES)[number] | null,
    }),
    workspaces: t.relation('workspaces', {
      description: 'The workspaces you take part in (every one, if you own the organization)',
      query: (_args, ctx) => ({ where: visibleWorkspaces(viewerId(ctx)), orderBy: { id: 'asc' } }),
    }),
  }),
});

export const WorkspaceRef = builder.prismaObject('Workspace', {
  description: 'A workspace of an organization, whose participants share its credentials by role.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    fullName: t.string({
      description: '`organization/workspace`',
      select: { organization: { select: { name: true } } },
      resolve: (workspace) => `${workspace.organization.name}/${workspace.name}`,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    organization: t.relation('organization'),
    role: t.field({
      type: WorkspaceRoleEnum,
      nullable: true,
      description: 'Your role in the workspace (null: you own its organization without taking part)',
      select: (_args, ctx) => ({ participants: { where: { userId: viewerId(ctx) }, select: { role: true } } }),
      resolve: (workspace) => (workspace.participants[0]?.role ?? null) as (typeof WORKSPACE_ROLES)[number] | null,
    }),
    participants: t.relation('participants', { query: { orderBy: [{ createdAt: 'asc' }, { userId: 'asc' }] } }),
    credentials: t.connection({
      type: CredentialRef,
      description: `The workspace's credentials, oldest first: ${DEFAULT_PAGE_SIZE} a page unless first says otherwise (at most ${MAX_PAGE_SIZE}).`,
      args: { provider: t.arg({ type: CredentialProvider, required: false }) },
      resolve: (workspace, args, ctx) => pageOf({ ...caller(ctx), workspaceId: String(workspace.id) }, args, ctx),
    }),
  }),
});

export const ParticipantRef = builder.prismaObject('WorkspaceParticipant', {
  name: 'WorkspaceParticipant',
  description: 'A user taking part in a workspace, with a role.',
  fields: (t) => ({
    user: t.relation('user'),
    role: t.field({ type: WorkspaceRoleEnum, resolve: (p) => p.role as (typeof WORKSPACE_ROLES)[number] }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

// The viewer's organizations and workspaces: each a query of its own (one statement per level of what it
// selects, batched across all organizations), empty on any user but the viewer.
builder.prismaObjectFields('User', (t) => ({
  organizations: t.field({
    type: [OrganizationRef],
    description: 'The organizations you are a member of',
    resolve: (user, _args, ctx, info) =>
      user.id === viewerId(ctx)
        ? ctx.services.workspaces.organizationsForGraph(callerOf(ctx as AuthenticatedContext), queryFromInfo({ context: ctx, info }))
        : [],
  }),
  workspaces: t.field({
    type: [WorkspaceRef],
    description: 'The workspaces you take part in',
    resolve: (user, _args, ctx, info) =>
      user.id === viewerId(ctx)
        ? ctx.services.workspaces.participatedWorkspacesForGraph(callerOf(ctx as AuthenticatedContext), queryFromInfo({ context: ctx, info }))
        : [],
  }),
}));

/** The caller of a field (a relation's fields too, whose context is not narrowed): NotAuthenticated without a viewer. */
const caller = (ctx: Context): Caller => {
  viewerId(ctx);
  return callerOf(ctx as AuthenticatedContext);
};

builder.queryFields((t) => {
  const authenticated = t.withAuth({ authenticated: true });
  return {
    organization: authenticated.prismaField({
      type: 'Organization',
      description: 'An organization you are a member of.',
      args: { id: t.arg.id({ required: true }) },
      errors: { types: [OrganizationNotFound], directResult: true },
      resolve: (query, _root, args, ctx) => ctx.services.workspaces.organizationForGraph(callerOf(ctx), String(args.id), query),
    }),
    workspace: authenticated.prismaField({
      type: 'Workspace',
      description: 'A workspace you take part in (or of an organization you own).',
      args: { id: t.arg.id({ required: true }) },
      errors: { types: [WorkspaceNotFound], directResult: true },
      resolve: (query, _root, args, ctx) => ctx.services.workspaces.workspaceForGraph(callerOf(ctx), { id: String(args.id) }, query),
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
    createOrganization: authenticated.prismaField({
      type: 'Organization',
      description: 'Creates an organization; you become its OWNER.',
      args: { input: t.arg({ type: CreateOrganizationInput, required: true }) },
      errors: { types: [ValidationError, OrganizationNameTaken, Forbidden, LimitReached] },
      resolve: async (query, _root, args, ctx) => {
        const org = await ctx.services.workspaces.createOrganization(caller(ctx), args.input.name);
        return ctx.services.workspaces.organizationForGraph(caller(ctx), String(org.id), query);
      },
    }),
    createWorkspace: authenticated.prismaField({
      type: 'Workspace',
      description: 'Creates a workspace in an organization you own; you take part in it as OWNER.',
      args: { input: t.arg({ type: CreateWorkspaceInput, required: true }) },
      errors: { types: [ValidationError, OrganizationNotFound, Forbidden, WorkspaceNameTaken] },
      resolve: async (query, _root, args, ctx) => {
        const workspace = await ctx.services.workspaces.createWorkspace(caller(ctx), { id: String(args.input.organizationId) }, args.input.name);
        return ctx.services.workspaces.workspaceForGraph(caller(ctx), { id: String(workspace.id) }, query);
      },
    }),
    addWorkspaceParticipant: authenticated.prismaField({
      type: 'WorkspaceParticipant',
      description:
        'Adds a user to a workspace with a role (they become a member of its organization). Its OWNERs and ADMINs, and the organization’s OWNERs, may.',
      args: { input: t.arg({ type: ParticipantInput, required: true }) },
      errors: { types: [ValidationError, WorkspaceNotFound, Forbidden, UserNotFound, ParticipantExists] },
      resolve: async (query, _root, args, ctx) => {
        const { workspaceId, userName, role } = args.input;
        const added = await ctx.services.workspaces.addParticipant(caller(ctx), { id: String(workspaceId) }, userName, role);
        return ctx.services.workspaces.participantForGraph(caller(ctx), added, query);
      },
    }),
    updateWorkspaceParticipantRole: authenticated.prismaField({
      type: 'WorkspaceParticipant',
      description: 'Changes a participant’s role (a workspace keeps at least one OWNER).',
      args: { input: t.arg({ type: ParticipantInput, required: true }) },
      errors: { types: [ValidationError, WorkspaceNotFound, Forbidden, UserNotFound, ParticipantNotFound, LastOwner] },
      resolve: async (query, _root, args, ctx) => {
        const { workspaceId, userName, role } = args.input;
        const updated = await ctx.services.workspaces.updateParticipantRole(caller(ctx), { id: String(workspaceId) }, userName, role);
        return ctx.services.workspaces.participantForGraph(caller(ctx), updated, query);
      },
    }),
    removeOrganizationMember: authenticated.id({
      description:
        'Removes a member from an organization you own: their participation in each of its workspaces, and their membership. Not an OWNER of the organization (the operator changes those); not a workspace’s last OWNER. Returns the organization id; their next request is refused.',
      args: { organizationId: t.arg.id({ required: true }), userName: t.arg.string({ required: true }) },
      errors: { types: [OrganizationNotFound, Forbidden, UserNotFound, LastOwner] },
      resolve: async (_root, args, ctx) => {
        await ctx.services.workspaces.removeOrganizationMember(caller(ctx), String(args.organizationId), args.userName);
        return String(args.organizationId);
      },
    }),
    removeWorkspaceParticipant: authenticated.id({
      description: 'Removes a participant from a workspace (not its last OWNER); returns the workspace id. Their next request is refused.',
      args: { input: t.arg({ type: RemoveParticipantInput, required: true }) },
      errors: { types: [WorkspaceNotFound, Forbidden, UserNotFound, ParticipantNotFound, LastOwner] },
      resolve: async (_root, args, ctx) => {
        await ctx.services.workspaces.removeParticipant(caller(ctx), { id: String(args.input.workspaceId) }, args.input.userName);
        return String(args.input.workspaceId);
      },
    }),
  };
});
