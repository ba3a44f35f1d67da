/** The face of credentials (credentials, their versions and sealed keys): what other features may import. */
export * from './errors.js';
export * from './jobs/upkeep.js';
export type * from './model.js';
export type * from './ports.js';
export * from './rules/input.js';
export * from './rules/sealing.js';
export * from './rules/view.js';
export * from './use-cases/service.js';
