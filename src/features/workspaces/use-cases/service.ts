/**
 * Organizations, workspaces and their participants: the use cases and their
 * rules. A user who creates an organization is its OWNER; an organization's
 * OWNERs create its workspaces (the creator takes part as OWNER) and manage the
 * participants of all of them; a workspace's OWNERs and ADMINs manage its
 * participants; a workspace keeps at least one OWNER. What the caller cannot
 * see answers as not found. The operator (the command line, OPERATOR) may do
 * all of it.
 */

import { actorOf, type Caller, isOperator, type Principal } from '../../../core/caller.js';
import { Forbidden, LimitReached, ValidationError } from '../../../core/errors.js';
import { CHANGED, retryOnChange } from '../../../core/retry.js';
import type { ScopeNeed, UserStore } from '../../accounts/index.js';
import { checkScope } from '../../accounts/index.js';
import {
  LastOwner,
  OrganizationNameTaken,
  OrganizationNotFound,
  ParticipantExists,
  ParticipantNotFound,
  UserNotFound,
  WorkspaceNameTaken,
  WorkspaceNotFound,
} from '../errors.js';
import type { MembershipRecord, OrganizationRecord, ParticipantRecord, WorkspaceRecord } from '../model.js';
import type { WorkspaceStore } from '../ports.js';
import { parseId } from '../rules/access.js';
import {
  DIRECT_DELIVERY_LEVELS,
  isDirectDeliveryLevel,
  isWorkspaceRole,
  may,
  ORGANIZATION_OWNER,
  type RoleChange,
  roleChangeRefusal,
  WORKSPACE_ROLES,
  type WorkspaceRole,
} from '../rules/permissions.js';

/** Organization and workspace names: 1-40 letters, digits, `_` or `-`. */
const NAME = /^[A-Za-z0-9_-]{1,40}$/;
const NAME_RULE = 'must be 1-40 letters, digits, _ or -';

/** A workspace as a caller names it: by id (the API), or by its full name `org/workspace` (the command line). */
export type WorkspaceRef = { id: string } | { fullName: string };

/** The caller's token allows `need` (the operator may do all). */
const scoped = (caller: Principal, need: ScopeNeed) => checkScope(caller, need);

function checkName(field: string, name: string): string {
  if (!NAME.test(name)) throw ValidationError.of(field, NAME_RULE);
  return name;
}

function checkRole(role: string): WorkspaceRole {
  if (!isWorkspaceRole(role)) throw ValidationError.of('role', `must be one of ${WORKSPACE_ROLES.join(', ')}`);
  return role;
}

export interface WorkspaceSettings {
  /** Organizations a user may own (create; undefined: no limit); the operator is not limited. */
  organizationsPerUser?: number;
}

/**
 * What each use case may raise, for the doors that answer them as typed
 * errors (GraphQL spreads these): one list per use case, kept here beside it.
 */
export const WORKSPACE_USE_CASE_ERRORS = {
  organization: [OrganizationNotFound],
  workspace: [WorkspaceNotFound],
  createOrganization: [ValidationError, OrganizationNameTaken, Forbidden, LimitReached],
  createWorkspace: [ValidationError, OrganizationNotFound, Forbidden, WorkspaceNameTaken],
  addParticipant: [ValidationError, WorkspaceNotFound, Forbidden, UserNotFound, ParticipantExists],
  updateParticipantRole: [ValidationError, WorkspaceNotFound, Forbidden, UserNotFound, ParticipantNotFound, LastOwner],
  removeOrganizationMember: [OrganizationNotFound, Forbidden, UserNotFound, LastOwner],
  removeParticipant: [WorkspaceNotFound, Forbidden, UserNotFound, ParticipantNotFound, LastOwner],
  setDirectDelivery: [ValidationError, WorkspaceNotFound, Forbidden],
} as const;

export class WorkspaceService {
  constructor(
    private readonly store: WorkspaceStore,
    private readonly users: Pick<UserStore, 'findUserByNameOrId'>,
    private readonly settings: WorkspaceSettings = {},
  ) {}

  /**
   * Creates an organization; its owner is the caller (or, for the operator,
   * `ownerName`). Names are unique whatever their case (the database says so).
   */
  async createOrganization(caller: Principal, name: string, ownerName?: string): Promise<OrganizationRecord> {
    scoped(caller, 'write');
    checkName('name', name);
    const ownerId = isOperator(caller) ? (await this.#user(ownerName ?? '')).id : caller.userId;
    const limit = this.settings.organizationsPerUser;
    if (!isOperator(caller) && limit !== undefined && (await this.store.countOwnedOrganizations(caller.userId)) >= limit) {
      throw new LimitReached('organizations owned by one user', limit, 'MAX_ORGANIZATIONS_PER_USER');
    }
    const created = await this.store.createOrganization(name, ownerId, actorOf(caller));
    if (created === 'duplicate') throw new OrganizationNameTaken(name);
    return created;
  }

  /** Creates a workspace in an organization the caller owns; the caller takes part as its OWNER. */
  async createWorkspace(caller: Principal, organization: { id: string } | { name: string }, name: string): Promise<WorkspaceRecord> {
    scoped(caller, 'write');
    checkName('name', name);
    const org = await this.#organization(organization);
    if (!isOperator(caller)) {
      const role = await this.store.findOrganizationRole(org.id, caller.userId);
      if (role === null) throw new OrganizationNotFound('id' in organization ? organization.id : organization.name);
      if (role !== ORGANIZATION_OWNER) throw new Forbidden(`Only an OWNER of organization ${org.name} creates its workspaces`);
    }
    const created = await this.store.createWorkspace(org.id, name, isOperator(caller) ? null : caller.userId, actorOf(caller));
    if (created === 'duplicate') throw new WorkspaceNameTaken(name);
    return created;
  }

  /** An organization the caller belongs to. */
  async organization(caller: Caller, id: string): Promise<OrganizationRecord> {
    scoped(caller, 'read');
    const org = await this.#organization({ id });
    if ((await this.store.findOrganizationRole(org.id, caller.userId)) === null) throw new OrganizationNotFound(id);
    return org;
  }

  /** A workspace the caller takes part in, or of an organization the caller owns. */
  async workspace(caller: Principal, ref: WorkspaceRef): Promise<WorkspaceRecord> {
    scoped(caller, 'read');
    const workspace = await this.#workspace(ref);
    if (!isOperator(caller) && !(await this.#sees(caller, workspace))) throw new WorkspaceNotFound(refText(ref));
    return workspace;
  }

  // ---- Batched reads (GraphQL loads each level of a nested selection at once) --------------

  /** The organizations the caller is a member of, with their role in each. */
  memberships(caller: Caller): Promise<MembershipRecord[]> {
    return this.store.organizationsOf(caller.userId);
  }

  /** The caller's role in each of these organizations (those they are a member of). */
  organizationRoles(caller: Caller, organizationIds: readonly number[]): Promise<Map<number, string>> {
    return this.store.organizationRoles(organizationIds, caller.userId);
  }

  /**
   * These organizations, of workspaces the caller has seen: a workspace's
   * organization shows its name and creation to whoever sees the workspace.
   */
  organizationsOfWorkspaces(organizationIds: readonly number[]): Promise<OrganizationRecord[]> {
    return this.store.findOrganizations(organizationIds);
  }

  /** The workspaces of these organizations the caller sees: those they take part in, all of those they own. */
  visibleWorkspacesOf(caller: Caller, organizationIds: readonly number[]): Promise<WorkspaceRecord[]> {
    return this.store.visibleWorkspacesOf(organizationIds, caller.userId);
  }

  /** The workspaces the caller takes part in. */
  participatedWorkspaces(caller: Caller): Promise<WorkspaceRecord[]> {
    return this.store.participatedWorkspaces(caller.userId);
  }

  /** The caller's role in each of these workspaces (those they take part in). */
  workspaceRoles(caller: Caller, workspaceIds: readonly number[]): Promise<Map<number, string>> {
    return this.store.workspaceRoles(workspaceIds, caller.userId);
  }

  /** The participants of these workspaces, which the caller has seen (each workspace's in the order they joined). */
  participantsOf(workspaceIds: readonly number[]): Promise<ParticipantRecord[]> {
    return this.store.participantsOf(workspaceIds);
  }

  listOrganizations(): Promise<OrganizationRecord[]> {
    return this.store.listOrganizations();
  }

  /** Every workspace (of one organization, when named): the operator's view. */
  async listWorkspaces(organizationName?: string): Promise<WorkspaceRecord[]> {
    const org = organizationName === undefined ? undefined : await this.#organization({ name: organizationName });
    return this.store.listWorkspaces(org?.id);
  }

  /**
   * Sets the lowest role whose members may take values to a key of their own (the client), or OFF: the workspace's
   * OWNER and ADMIN (and its organization's OWNER, the operator) may. Audited as `workspace.direct_delivery`.
   */
  async setDirectDelivery(caller: Principal, ref: WorkspaceRef, level: string): Promise<WorkspaceRecord> {
    if (!isDirectDeliveryLevel(level)) throw ValidationError.of('level', `must be one of ${DIRECT_DELIVERY_LEVELS.join(', ')}`);
    const { workspace } = await this.#managed(caller, ref);
    await this.store.setDirectDelivery(workspace.id, level, actorOf(caller));
    return { ...workspace, directDelivery: level };
  }

  async listParticipants(caller: Principal, ref: WorkspaceRef): Promise<ParticipantRecord[]> {
    const workspace = await this.workspace(caller, ref);
    return this.store.listParticipants(workspace.id);
  }

  async addParticipant(caller: Principal, ref: WorkspaceRef, userName: string, role: string): Promise<ParticipantRecord> {
    const checked = checkRole(role);
    const { workspace, manager } = await this.#managed(caller, ref);
    const user = await this.#user(userName);
    allowChange(manager, { kind: 'add', to: checked });
    if ((await this.store.addParticipant(workspace, user.id, checked, actorOf(caller))) === 'exists') throw new ParticipantExists(user.name);
    return this.#participant(workspace, user);
  }

  async updateParticipantRole(caller: Principal, ref: WorkspaceRef, userName: string, role: string): Promise<ParticipantRecord> {
    const checked = checkRole(role);
    const { workspace, manager } = await this.#managed(caller, ref);
    const user = await this.#user(userName);
    return retryOnChange(`The role of ${user.name}`, async () => {
      const from = await this.#roleOf(workspace, user);
      allowChange(manager, { kind: 'change', from, to: checked, self: !isOperator(caller) && caller.userId === user.id });
      const outcome = await this.store.updateRole(workspace.id, user.id, from, checked, actorOf(caller));
      if (outcome === 'not-found') throw new ParticipantNotFound(user.name);
      if (outcome === 'last-owner') throw new LastOwner(user.name);
      if (outcome === 'updated') return this.#participant(workspace, user);
      // Their role changed since it was read: decide again on the new one.
      return CHANGED;
    });
  }

  async removeParticipant(caller: Principal, ref: WorkspaceRef, userName: string): Promise<void> {
    const { workspace, manager } = await this.#managed(caller, ref);
    const user = await this.#user(userName);
    await retryOnChange(`The role of ${user.name}`, async () => {
      const from = await this.#roleOf(workspace, user);
      allowChange(manager, { kind: 'remove', from });
      const outcome = await this.store.removeParticipant(workspace, user.id, from, actorOf(caller));
      if (outcome === 'not-found') throw new ParticipantNotFound(user.name);
      if (outcome === 'last-owner') throw new LastOwner(user.name);
      return outcome === 'removed' ? undefined : CHANGED;
    });
  }

  /**
   * Removes a member from an organization (its OWNER may): their
   * participation in each of its workspaces (not where they are the last
   * OWNER: LastOwner, and what was removed before stays removed), and with the
   * last of them their membership. An organization's owners are the
   * operator's to change.
   */
  async removeOrganizationMember(caller: Caller, organizationId: string, userName: string): Promise<void> {
    scoped(caller, 'write');
    const org = await this.#organization({ id: organizationId });
    const role = await this.store.findOrganizationRole(org.id, caller.userId);
    if (role === null) throw new OrganizationNotFound(organizationId);
    if (role !== ORGANIZATION_OWNER) throw new Forbidden(`Only an OWNER of organization ${org.name} removes its members`);
    const user = await this.#user(userName);
    const theirs = await this.store.findOrganizationRole(org.id, user.id);
    if (theirs === null) throw new UserNotFound(userName);
    if (theirs === ORGANIZATION_OWNER) throw new Forbidden(`${user.name} is an OWNER of organization ${org.name}: its owners are changed by the operator`);
    for (const workspace of await this.store.listWorkspaces(org.id)) {
      if (await this.store.findParticipant(workspace.id, user.id)) await this.removeParticipant(caller, { id: String(workspace.id) }, user.name);
    }
  }

  /**
   * The workspace, when the caller may manage its participants (its OWNER or
   * ADMIN, or an OWNER of its organization), with the role they manage as (an
   * organization's OWNER and the operator as OWNER).
   */
  async #managed(caller: Principal, ref: WorkspaceRef): Promise<{ workspace: WorkspaceRecord; manager: WorkspaceRole }> {
    scoped(caller, 'write');
    const workspace = await this.#workspace(ref);
    if (isOperator(caller)) return { workspace, manager: 'OWNER' };
    const access = await this.store.findAccess(workspace.id, caller.userId);
    if ((await this.store.findOrganizationRole(workspace.organizationId, caller.userId)) === ORGANIZATION_OWNER) return { workspace, manager: 'OWNER' };
    if (access && isWorkspaceRole(access.role) && may(access.role, 'manageParticipants')) return { workspace, manager: access.role };
    if (access) throw new Forbidden(`Your role in workspace ${workspace.id} (${access.role}) does not allow managing participants or settings`);
    throw new WorkspaceNotFound(refText(ref));
  }

  /** The user's role in the workspace. */
  async #roleOf(workspace: WorkspaceRecord, user: { id: string; name: string }): Promise<WorkspaceRole> {
    const access = await this.store.findAccess(workspace.id, user.id);
    if (!access || !isWorkspaceRole(access.role)) throw new ParticipantNotFound(user.name);
    return access.role;
  }

  async #sees(caller: Caller, workspace: WorkspaceRecord): Promise<boolean> {
    return (
      (await this.store.findAccess(workspace.id, caller.userId)) !== null ||
      (await this.store.findOrganizationRole(workspace.organizationId, caller.userId)) === ORGANIZATION_OWNER
    );
  }

  async #participant(workspace: WorkspaceRecord, user: { id: string }): Promise<ParticipantRecord> {
    return (await this.store.findParticipant(workspace.id, user.id))!;
  }

  async #organization(ref: { id: string } | { name: string }): Promise<OrganizationRecord> {
    if ('name' in ref) {
      const org = await this.store.findOrganizationByName(ref.name);
      if (!org) throw new OrganizationNotFound(ref.name);
      return org;
    }
    const id = parseId(ref.id);
    const org = id === undefined ? null : await this.store.findOrganization(id);
    if (!org) throw new OrganizationNotFound(ref.id);
    return org;
  }

  async #workspace(ref: WorkspaceRef): Promise<WorkspaceRecord> {
    let workspace: WorkspaceRecord | null = null;
    if ('fullName' in ref) {
      const [org, name, ...rest] = ref.fullName.split('/');
      if (org && name && rest.length === 0) workspace = await this.store.findWorkspaceByName(org, name);
    } else {
      const id = parseId(ref.id);
      workspace = id === undefined ? null : await this.store.findWorkspace(id);
    }
    if (!workspace) throw new WorkspaceNotFound(refText(ref));
    return workspace;
  }

  async #user(nameOrId: string): Promise<{ id: string; name: string }> {
    const user = nameOrId ? await this.users.findUserByNameOrId(nameOrId) : null;
    if (!user) throw new UserNotFound(nameOrId);
    return user;
  }
}

const refText = (ref: WorkspaceRef) => ('id' in ref ? ref.id : ref.fullName);

/** Refuses a change of a participant that the manager's role does not allow (permissions.ts). */
function allowChange(manager: WorkspaceRole, change: RoleChange): void {
  const refusal = roleChangeRefusal(manager, change);
  if (refusal) throw new Forbidden(`Not allowed: ${refusal}`);
}
