/**
 * The one owner of organization and workspace storage: organizations, their
 * members, workspaces, their participants and roles, with the audit columns of
 * each change (triggers copy them into AuditEvent), and the check of every
 * workspace request: a participant's role and the workspace's credentials
 * version, read together by one prepared statement.
 */
import type { AuditActor } from '../../../core/caller.js';
import type { MaybePromise } from '../../../core/maybe.js';
import { type Database, isUniqueViolation } from '../../../platform/db/client.js';
import type { PreparedStatements } from '../../../platform/db/prepared.js';
import type { MembershipRecord, OrganizationRecord, ParticipantRecord, WorkspaceAccessRecord, WorkspaceRecord } from '../model.js';
import type { WorkspaceStore } from '../ports.js';
import { ORGANIZATION_OWNER } from '../rules/permissions.js';

const ACCESS_SQL =
  'SELECT p."role" AS "role", w."credentialsVersion" AS "version", w."directDelivery" AS "directDelivery" FROM "WorkspaceParticipant" p ' +
  'JOIN "Workspace" w ON w."id" = p."workspaceId" WHERE p."workspaceId" = ? AND p."userId" = ?';

const changedBy = (by: AuditActor) => ({ changedBy: by.actor, changedVia: by.door });
const PARTICIPANT_FIELDS = { workspaceId: true, userId: true, role: true, createdAt: true, user: { select: { name: true } } } as const;
const toParticipant = (r: { workspaceId: number; userId: string; role: string; createdAt: Date; user: { name: string } }): ParticipantRecord => ({
  workspaceId: r.workspaceId,
  userId: r.userId,
  userName: r.user.name,
  role: r.role,
  createdAt: r.createdAt,
});
const WORKSPACE_FIELDS = {
  id: true,
  organizationId: true,
  name: true,
  createdAt: true,
  directDelivery: true,
  organization: { select: { name: true } },
} as const;
const toWorkspace = (w: {
  id: number;
  organizationId: number;
  name: string;
  createdAt: Date;
  directDelivery: string;
  organization: { name: string };
}): WorkspaceRecord => ({
  id: w.id,
  organizationId: w.organizationId,
  organizationName: w.organization.name,
  name: w.name,
  createdAt: w.createdAt,
  directDelivery: w.directDelivery,
});

export class PrismaWorkspaceStore implements WorkspaceStore {
  constructor(
    private readonly db: Database,
    private readonly statements: PreparedStatements,
  ) {}

  /** The user's role in the workspace with its credentials version; null when not a participant (or no such workspace). */
  findAccess(workspaceId: number, userId: string): MaybePromise<WorkspaceAccessRecord | null> {
    const row = this.statements.get<{ role: string; version: number | string; directDelivery: string }>('workspace.access', ACCESS_SQL, [workspaceId, userId]);
    const map = (r: typeof row extends MaybePromise<infer R> ? R : never) =>
      r ? { role: r.role, version: Number(r.version), directDelivery: r.directDelivery } : null;
    return row instanceof Promise ? row.then(map) : map(row);
  }

  // ---- Organizations --------------------------------------------------------------

  /** Creates an organization with its owner; 'duplicate' when the name is taken (nothing stored). */
  async createOrganization(name: string, ownerUserId: string, by: AuditActor): Promise<OrganizationRecord | 'duplicate'> {
    try {
      return await this.db.organization.create({
        data: { name, createdBy: by.actor, createdVia: by.door, members: { create: { userId: ownerUserId, role: 'OWNER', ...changedBy(by) } } },
        select: { id: true, name: true, createdAt: true },
      });
    } catch (error) {
      if (isUniqueViolation(error)) return 'duplicate';
      throw error;
    }
  }

  /** How many organizations the user is an OWNER of. */
  countOwnedOrganizations(userId: string): Promise<number> {
    return this.db.organizationMember.count({ where: { userId, role: 'OWNER' } });
  }

  findOrganization(id: number): Promise<OrganizationRecord | null> {
    return this.db.organization.findUnique({ where: { id }, select: { id: true, name: true, createdAt: true } });
  }

  findOrganizationByName(name: string): Promise<OrganizationRecord | null> {
    return this.db.organization.findUnique({ where: { name }, select: { id: true, name: true, createdAt: true } });
  }

  listOrganizations(): Promise<OrganizationRecord[]> {
    return this.db.organization.findMany({ select: { id: true, name: true, createdAt: true }, orderBy: { id: 'asc' } });
  }

  /** The user's role in the organization (OWNER, MEMBER), or null. */
  async findOrganizationRole(organizationId: number, userId: string): Promise<string | null> {
    const member = await this.db.organizationMember.findUnique({ where: { organizationId_userId: { organizationId, userId } }, select: { role: true } });
    return member?.role ?? null;
  }

  // ---- Workspaces ---------------------------------------------------------------------

  /**
   * Creates a workspace, with `ownerUserId` (when given) as its OWNER participant;
   * 'duplicate' when the organization has a workspace of this name (nothing stored).
   */
  async createWorkspace(organizationId: number, name: string, ownerUserId: string | null, by: AuditActor): Promise<WorkspaceRecord | 'duplicate'> {
    try {
      const workspace = await this.db.workspace.create({
        data: {
          organizationId,
          name,
          createdBy: by.actor,
          createdVia: by.door,
          ...(ownerUserId ? { participants: { create: { userId: ownerUserId, role: 'OWNER', ...changedBy(by) } } } : {}),
        },
        select: WORKSPACE_FIELDS,
      });
      return toWorkspace(workspace);
    } catch (error) {
      if (isUniqueViolation(error)) return 'duplicate';
      throw error;
    }
  }

  /** Sets the workspace's direct-delivery level (the trigger audits a change, naming who made it). */
  async setDirectDelivery(workspaceId: number, level: string, by: AuditActor): Promise<void> {
    await this.db.workspace.update({ where: { id: workspaceId }, data: { directDelivery: level, ...changedBy(by) } });
  }

  async findWorkspace(id: number): Promise<WorkspaceRecord | null> {
    const workspace = await this.db.workspace.findUnique({ where: { id }, select: WORKSPACE_FIELDS });
    return workspace ? toWorkspace(workspace) : null;
  }

  async findWorkspaceByName(organizationName: string, name: string): Promise<WorkspaceRecord | null> {
    const workspace = await this.db.workspace.findFirst({ where: { name, organization: { name: organizationName } }, select: WORKSPACE_FIELDS });
    return workspace ? toWorkspace(workspace) : null;
  }

  async listWorkspaces(organizationId?: number): Promise<WorkspaceRecord[]> {
    const rows = await this.db.workspace.findMany({
      where: organizationId === undefined ? {} : { organizationId },
      select: WORKSPACE_FIELDS,
      orderBy: [{ organizationId: 'asc' }, { id: 'asc' }],
    });
    return rows.map(toWorkspace);
  }

  // ---- Batched reads (GraphQL loads each level of a nested selection in one statement) ----

  /** The organizations the user is a member of, with their role, oldest first. */
  async organizationsOf(userId: string): Promise<MembershipRecord[]> {
    const rows = await this.db.organizationMember.findMany({
      where: { userId },
      select: { role: true, organization: { select: { id: true, name: true, createdAt: true } } },
      orderBy: { organizationId: 'asc' },
    });
    return rows.map((r) => ({ ...r.organization, role: r.role }));
  }

  /** The user's role in each of these organizations (those they are a member of). */
  async organizationRoles(organizationIds: readonly number[], userId: string): Promise<Map<number, string>> {
    const rows = await this.db.organizationMember.findMany({
      where: { userId, organizationId: { in: [...organizationIds] } },
      select: { organizationId: true, role: true },
    });
    return new Map(rows.map((r) => [r.organizationId, r.role]));
  }

  /** These organizations (those that exist). */
  findOrganizations(ids: readonly number[]): Promise<OrganizationRecord[]> {
    return this.db.organization.findMany({ where: { id: { in: [...ids] } }, select: { id: true, name: true, createdAt: true } });
  }

  /**
   * The workspaces of these organizations the user sees: those they take part
   * in, and every one of an organization they own (by id).
   */
  async visibleWorkspacesOf(organizationIds: readonly number[], userId: string): Promise<WorkspaceRecord[]> {
    const rows = await this.db.workspace.findMany({
      where: {
        organizationId: { in: [...organizationIds] },
        OR: [{ participants: { some: { userId } } }, { organization: { members: { some: { userId, role: ORGANIZATION_OWNER } } } }],
      },
      select: WORKSPACE_FIELDS,
      orderBy: { id: 'asc' },
    });
    return rows.map(toWorkspace);
  }

  /** The workspaces the user takes part in (by id). */
  async participatedWorkspaces(userId: string): Promise<WorkspaceRecord[]> {
    const rows = await this.db.workspace.findMany({ where: { participants: { some: { userId } } }, select: WORKSPACE_FIELDS, orderBy: { id: 'asc' } });
    return rows.map(toWorkspace);
  }

  /** The user's role in each of these workspaces (those they take part in). */
  async workspaceRoles(workspaceIds: readonly number[], userId: string): Promise<Map<number, string>> {
    const rows = await this.db.workspaceParticipant.findMany({
      where: { userId, workspaceId: { in: [...workspaceIds] } },
      select: { workspaceId: true, role: true },
    });
    return new Map(rows.map((r) => [r.workspaceId, r.role]));
  }

  /** The participants of these workspaces, each workspace's in the order they joined. */
  async participantsOf(workspaceIds: readonly number[]): Promise<ParticipantRecord[]> {
    const rows = await this.db.workspaceParticipant.findMany({
      where: { workspaceId: { in: [...workspaceIds] } },
      select: PARTICIPANT_FIELDS,
      orderBy: [{ createdAt: 'asc' }, { userId: 'asc' }],
    });
    return rows.map(toParticipant);
  }

  // ---- Participants ---------------------------------------------------------------------

  /** One participant of the workspace, or null. */
  async findParticipant(workspaceId: number, userId: string): Promise<ParticipantRecord | null> {
    const r = await this.db.workspaceParticipant.findUnique({
      where: { workspaceId_userId: { workspaceId, userId } },
      select: PARTICIPANT_FIELDS,
    });
    return r && toParticipant(r);
  }

  async listParticipants(workspaceId: number): Promise<ParticipantRecord[]> {
    const rows = await this.db.workspaceParticipant.findMany({
      where: { workspaceId },
      select: PARTICIPANT_FIELDS,
      orderBy: [{ createdAt: 'asc' }, { userId: 'asc' }],
    });
    return rows.map(toParticipant);
  }

  /**
   * Adds a participant with a role; they become a MEMBER of the workspace's
   * organization unless they belong to it already. 'exists': they take part already.
   */
  async addParticipant(workspace: WorkspaceRecord, userId: string, role: string, by: AuditActor): Promise<'added' | 'exists'> {
    try {
      await this.db.$transaction([
        this.db.organizationMember.upsert({
          where: { organizationId_userId: { organizationId: workspace.organizationId, userId } },
          create: { organizationId: workspace.organizationId, userId, role: 'MEMBER', ...changedBy(by) },
          update: {},
        }),
        this.db.workspaceParticipant.create({ data: { workspaceId: workspace.id, userId, role, ...changedBy(by) } }),
      ]);
      return 'added';
    } catch (error) {
      if (isUniqueViolation(error)) return 'exists';
      throw error;
    }
  }

  /**
   * Changes a participant's role from `from` (the role the decision was made
   * on), unless that would leave the workspace without an OWNER. One
   * conditional statement. 'changed': their role is no longer `from`.
   */
  async updateRole(workspaceId: number, userId: string, from: string, to: string, by: AuditActor): Promise<'updated' | 'changed' | 'not-found' | 'last-owner'> {
    const count = await this.db.$executeRaw`
      UPDATE "WorkspaceParticipant" SET "role" = ${to}, "changedBy" = ${by.actor}, "changedVia" = ${by.door}
      WHERE "workspaceId" = ${workspaceId} AND "userId" = ${userId} AND "role" = ${from}
        AND ("role" <> 'OWNER' OR ${to} = 'OWNER'
             OR (SELECT count(*) FROM "WorkspaceParticipant" o WHERE o."workspaceId" = ${workspaceId} AND o."role" = 'OWNER') > 1)`;
    return count === 1 ? 'updated' : this.#whyNot(workspaceId, userId, from);
  }

  /**
   * Removes a participant whose role is `from`, unless they are the
   * workspace's last OWNER; and their membership of the organization, when it
   * came with their participations (MEMBER) and this was the last of them. Who
   * removes is written into the rows first, so the triggers can record it.
   */
  async removeParticipant(
    workspace: WorkspaceRecord,
    userId: string,
    from: string,
    by: AuditActor,
  ): Promise<'removed' | 'changed' | 'not-found' | 'last-owner'> {
    const workspaceId = workspace.id;
    const organizationId = workspace.organizationId;
    const [, count] = await this.db.$transaction([
      this.db.workspaceParticipant.updateMany({ where: { workspaceId, userId }, data: changedBy(by) }),
      this.db.$executeRaw`
        DELETE FROM "WorkspaceParticipant"
        WHERE "workspaceId" = ${workspaceId} AND "userId" = ${userId} AND "role" = ${from}
          AND ("role" <> 'OWNER' OR (SELECT count(*) FROM "WorkspaceParticipant" o WHERE o."workspaceId" = ${workspaceId} AND o."role" = 'OWNER') > 1)`,
      this.db.organizationMember.updateMany({ where: { organizationId, userId, role: 'MEMBER' }, data: changedBy(by) }),
      this.db.$executeRaw`
        DELETE FROM "OrganizationMember"
        WHERE "organizationId" = ${organizationId} AND "userId" = ${userId} AND "role" = 'MEMBER'
          AND NOT EXISTS (SELECT 1 FROM "WorkspaceParticipant" p JOIN "Workspace" w ON w."id" = p."workspaceId"
                          WHERE w."organizationId" = ${organizationId} AND p."userId" = ${userId})`,
    ]);
    return count === 1 ? 'removed' : this.#whyNot(workspaceId, userId, from);
  }

  /** Why a conditional change of a participant whose role was `from` changed nothing. */
  async #whyNot(workspaceId: number, userId: string, from: string): Promise<'changed' | 'not-found' | 'last-owner'> {
    const row = await this.db.workspaceParticipant.findUnique({ where: { workspaceId_userId: { workspaceId, userId } }, select: { role: true } });
    return row === null ? 'not-found' : row.role !== from ? 'changed' : 'last-owner';
  }
}
