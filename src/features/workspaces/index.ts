/** The face of workspaces (organizations, workspaces, participants and their roles): what other features may import. */
export * from './errors.js';
export type * from './model.js';
export type * from './ports.js';
export * from './rules/access.js';
export * from './rules/permissions.js';
export * from './use-cases/service.js';
