/** What other features' GraphQL doors may use of workspaces's GraphQL types. */
export { OrganizationRef, ParticipantRef, WorkspaceRef, WorkspaceRoleEnum } from './workspace.js';
