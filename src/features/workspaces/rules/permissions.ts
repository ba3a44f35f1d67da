/**
 * What each role may do, declared once. The domain checks every workspace
 * request against this table; docs/api-graphql.md shows it; the tests state the same
 * expectations independently of it.
 */

import type { ScopeNeed } from '../../accounts/index.js';

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
  /** create, update and delete credentials, restore a version */
  | 'writeCredentials'
  /** see deleted credentials, undelete them, purge them at once */
  | 'manageCredentials'
  /** add participants, change their roles, remove them */
  | 'manageParticipants'
  /** receive a credential's keys, encrypted for a paired service */
  | 'deliverKeys'
  /** add, list and remove webhooks, read their delivery logs */
  | 'manageWebhooks';

/** Role → allowed actions. */
export const PERMISSIONS: Readonly<Record<WorkspaceRole, Readonly<Record<WorkspaceAction, boolean>>>> = {
  OWNER: { readCredentials: true, writeCredentials: true, manageCredentials: true, manageParticipants: true, deliverKeys: true, manageWebhooks: true },
  ADMIN: { readCredentials: true, writeCredentials: true, manageCredentials: true, manageParticipants: true, deliverKeys: true, manageWebhooks: true },
  MAINTAIN: { readCredentials: true, writeCredentials: true, manageCredentials: false, manageParticipants: false, deliverKeys: true, manageWebhooks: false },
  LAUNCH: { readCredentials: true, writeCredentials: false, manageCredentials: false, manageParticipants: false, deliverKeys: true, manageWebhooks: false },
  CONNECT: { readCredentials: true, writeCredentials: false, manageCredentials: false, manageParticipants: false, deliverKeys: true, manageWebhooks: false },
  VIEW: { readCredentials: true, writeCredentials: false, manageCredentials: false, manageParticipants: false, deliverKeys: false, manageWebhooks: false },
};

/** The roles from the most to the least powerful: WORKSPACE_ROLES' order. */
const rank = (role: WorkspaceRole) => WORKSPACE_ROLES.length - WORKSPACE_ROLES.indexOf(role);

/** What a change of a participant is: adding them with a role, changing their role, or removing them. */
export type RoleChange =
  | { kind: 'add'; to: WorkspaceRole }
  | { kind: 'change'; from: WorkspaceRole; to: WorkspaceRole; self: boolean }
  | { kind: 'remove'; from: WorkspaceRole };

/**
 * Why a manager of role `manager` may not make `change`, or undefined when
 * they may. Nobody grants a role above their own; only an OWNER grants OWNER
 * or changes or removes an OWNER; nobody raises their own role. (An
 * organization's OWNER manages as a workspace OWNER; the operator may do all.)
 */
export function roleChangeRefusal(manager: WorkspaceRole, change: RoleChange): string | undefined {
  if (!PERMISSIONS[manager].manageParticipants) return `${manager} does not manage participants`;
  const to = change.kind === 'remove' ? undefined : change.to;
  const from = change.kind === 'add' ? undefined : change.from;
  if (manager !== 'OWNER' && (to === 'OWNER' || from === 'OWNER')) return 'only an OWNER grants OWNER, or changes or removes an OWNER';
  if (to !== undefined && rank(to) > rank(manager)) return `nobody grants a role above their own (${manager})`;
  if (change.kind === 'change' && change.self && rank(change.to) > rank(change.from)) return 'nobody raises their own role';
  return undefined;
}

/** What a manager of each role may grant, for people (the table of docs/api-graphql.md): the roles `roleChangeRefusal` lets them give. */
export function grantableRoles(manager: WorkspaceRole): WorkspaceRole[] {
  return WORKSPACE_ROLES.filter((to) => roleChangeRefusal(manager, { kind: 'add', to }) === undefined);
}

/** An organization's OWNERs create its workspaces and manage the participants of every one of them. */
export const ORGANIZATION_OWNER: OrganizationRole = 'OWNER';

export const isWorkspaceRole = (role: string): role is WorkspaceRole => (WORKSPACE_ROLES as readonly string[]).includes(role);

/** May a participant with `role` do `action`? (Unknown roles may do nothing.) */
export const may = (role: string, action: WorkspaceAction): boolean => isWorkspaceRole(role) && PERMISSIONS[role][action];

/**
 * Direct delivery (values encrypted to a key the caller sends, as the client does): each workspace sets the lowest
 * role whose members may take values so, or `OFF`. It never reaches past deliverKeys (VIEW never takes a value).
 */
export const DIRECT_DELIVERY_LEVELS = ['OWNER', 'ADMIN', 'MAINTAIN', 'LAUNCH', 'CONNECT', 'OFF'] as const;
export type DirectDeliveryLevel = (typeof DIRECT_DELIVERY_LEVELS)[number];
/** A new workspace's level: the people who launch pipelines, and above. */
export const DEFAULT_DIRECT_DELIVERY: DirectDeliveryLevel = 'LAUNCH';

export const isDirectDeliveryLevel = (level: string): level is DirectDeliveryLevel => (DIRECT_DELIVERY_LEVELS as readonly string[]).includes(level);

/** May a participant with `role` take values to a key of their own in a workspace whose level is `level`? */
export const directDeliveryAllows = (level: string, role: string): boolean =>
  isDirectDeliveryLevel(level) && level !== 'OFF' && isWorkspaceRole(role) && may(role, 'deliverKeys') && rank(role) >= rank(level);

/** What each action needs of the caller's token (src/features/accounts/rules/scopes.ts). */
export const SCOPE_NEEDED: Readonly<Record<WorkspaceAction, ScopeNeed>> = {
  readCredentials: 'read',
  writeCredentials: 'write',
  manageCredentials: 'write',
  manageParticipants: 'write',
  deliverKeys: 'keys',
  manageWebhooks: 'write',
};
