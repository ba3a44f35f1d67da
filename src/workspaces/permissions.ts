/**
 * What each role may do, declared once. The domain checks every workspace
 * request against this table; the README shows it; the tests state the same
 * expectations independently of it.
 */

/** A participant's role in a workspace (Seqera's role names). */
export const WORKSPACE_ROLES = ['OWNER', 'ADMIN', 'MAINTAIN', 'LAUNCH', 'CONNECT', 'VIEW'] as const;
export type WorkspaceRole = (typeof WORKSPACE_ROLES)[number];

/** A member's role in an organization. */
export const ORGANIZATION_ROLES = ['OWNER', 'MEMBER'] as const;
export type OrganizationRole = (typeof ORGANIZATION_ROLES)[number];

/** What a request in a workspace does. */
export type WorkspaceAction =
  /** list and describe credentials, check a name */
  | 'readCredentials'
  /** create, update and delete credentials */
  | 'writeCredentials'
  /** add participants, change their roles, remove them */
  | 'manageParticipants';

/** Role → allowed actions. */
export const PERMISSIONS: Readonly<Record<WorkspaceRole, Readonly<Record<WorkspaceAction, boolean>>>> = {
  //          readCredentials  writeCredentials  manageParticipants
  OWNER: { readCredentials: true, writeCredentials: true, manageParticipants: true },
  ADMIN: { readCredentials: true, writeCredentials: true, manageParticipants: true },
  MAINTAIN: { readCredentials: true, writeCredentials: true, manageParticipants: false },
  LAUNCH: { readCredentials: true, writeCredentials: false, manageParticipants: false },
  CONNECT: { readCredentials: true, writeCredentials: false, manageParticipants: false },
  VIEW: { readCredentials: true, writeCredentials: false, manageParticipants: false },
};

/** An organization's OWNERs create its workspaces and manage the participants of every one of them. */
export const ORGANIZATION_OWNER: OrganizationRole = 'OWNER';

export const isWorkspaceRole = (role: string): role is WorkspaceRole => (WORKSPACE_ROLES as readonly string[]).includes(role);

/** May a participant with `role` do `action`? (Unknown roles may do nothing.) */
export const may = (role: string, action: WorkspaceAction): boolean => isWorkspaceRole(role) && PERMISSIONS[role][action];
