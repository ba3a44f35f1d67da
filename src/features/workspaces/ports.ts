/** What the use cases of workspaces need from storage: the store implements these; a use case takes the slice it uses. */
import type { AuditActor } from '../../core/caller.js';
import type { MaybePromise } from '../../core/maybe.js';
import type { MembershipRecord, OrganizationRecord, ParticipantRecord, WorkspaceAccessRecord, WorkspaceRecord } from './model.js';

export interface WorkspaceStore {
  /** The user's role in the workspace with its credentials version; null when not a participant (or no such workspace). */
  findAccess(workspaceId: number, userId: string): MaybePromise<WorkspaceAccessRecord | null>;
  /** Creates an organization with its owner; 'duplicate' when the name is taken (nothing stored). */
  createOrganization(name: string, ownerUserId: string, by: AuditActor): Promise<OrganizationRecord | 'duplicate'>;
  /** How many organizations the user is an OWNER of. */
  countOwnedOrganizations(userId: string): Promise<number>;
  findOrganization(id: number): Promise<OrganizationRecord | null>;
  findOrganizationByName(name: string): Promise<OrganizationRecord | null>;
  listOrganizations(): Promise<OrganizationRecord[]>;
  /** The user's role in the organization (OWNER, MEMBER), or null. */
  findOrganizationRole(organizationId: number, userId: string): Promise<string | null>;
  /**
   * Creates a workspace, with `ownerUserId` (when given) as its OWNER participant;
   * 'duplicate' when the organization has a workspace of this name (nothing stored).
   */
  createWorkspace(organizationId: number, name: string, ownerUserId: string | null, by: AuditActor): Promise<WorkspaceRecord | 'duplicate'>;
  findWorkspace(id: number): Promise<WorkspaceRecord | null>;
  /** Sets the workspace's direct-delivery level; audited (by trigger) when it changes. */
  setDirectDelivery(workspaceId: number, level: string, by: AuditActor): Promise<void>;
  findWorkspaceByName(organizationName: string, name: string): Promise<WorkspaceRecord | null>;
  listWorkspaces(organizationId?: number): Promise<WorkspaceRecord[]>;
  /** The organizations the user is a member of, with their role, oldest first. */
  organizationsOf(userId: string): Promise<MembershipRecord[]>;
  /** The user's role in each of these organizations (those they are a member of). */
  organizationRoles(organizationIds: readonly number[], userId: string): Promise<Map<number, string>>;
  /** These organizations (those that exist). */
  findOrganizations(ids: readonly number[]): Promise<OrganizationRecord[]>;
  /** The workspaces of these organizations the user sees: those they take part in, every one of an organization they own (by id). */
  visibleWorkspacesOf(organizationIds: readonly number[], userId: string): Promise<WorkspaceRecord[]>;
  /** The workspaces the user takes part in (by id). */
  participatedWorkspaces(userId: string): Promise<WorkspaceRecord[]>;
  /** The user's role in each of these workspaces (those they take part in). */
  workspaceRoles(workspaceIds: readonly number[], userId: string): Promise<Map<number, string>>;
  /** The participants of these workspaces, each workspace's in the order they joined. */
  participantsOf(workspaceIds: readonly number[]): Promise<ParticipantRecord[]>;
  /** One participant of the workspace, or null. */
  findParticipant(workspaceId: number, userId: string): Promise<ParticipantRecord | null>;
  listParticipants(workspaceId: number): Promise<ParticipantRecord[]>;
  /**
   * Adds a participant with a role; they become a MEMBER of the workspace's
   * organization unless they belong to it already. 'exists': they take part already.
   */
  addParticipant(workspace: WorkspaceRecord, userId: string, role: string, by: AuditActor): Promise<'added' | 'exists'>;
  /**
   * Changes a participant's role from `from` (the role the decision was made
   * on), unless that would leave the workspace without an OWNER. One
   * conditional statement. 'changed': their role is no longer `from`.
   */
  updateRole(workspaceId: number, userId: string, from: string, to: string, by: AuditActor): Promise<'updated' | 'changed' | 'not-found' | 'last-owner'>;
  /**
   * Removes a participant whose role is `from`, unless they are the
   * workspace's last OWNER; and their membership of the organization, when it
   * came with their participations (MEMBER) and this was the last of them. Who
   * removes is written into the rows first, so the triggers can record it.
   */
  removeParticipant(workspace: WorkspaceRecord, userId: string, from: string, by: AuditActor): Promise<'removed' | 'changed' | 'not-found' | 'last-owner'>;
}
