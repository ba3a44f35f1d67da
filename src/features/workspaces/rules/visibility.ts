/**
 * What a user may see of organizations and workspaces, as filters the
 * relational reads of GraphQL apply (Pothos' Prisma plugin loads the relations
 * a query selects in one statement per level, with these filters in them).
 */
import type { Prisma } from '../../../generated/prisma/client.js';
import { ORGANIZATION_OWNER } from './permissions.js';

/** The organizations a user is a member of. */
export const visibleOrganizations = (userId: string): Prisma.OrganizationWhereInput => ({ members: { some: { userId } } });

/** The workspaces a user takes part in, and every workspace of an organization they own. */
export const visibleWorkspaces = (userId: string): Prisma.WorkspaceWhereInput => ({
  OR: [{ participants: { some: { userId } } }, { organization: { members: { some: { userId, role: ORGANIZATION_OWNER } } } }],
});
