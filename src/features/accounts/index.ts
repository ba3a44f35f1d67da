/** The face of accounts (users and their access tokens): what other features may import. */
export * from './errors.js';
export type * from './model.js';
export type * from './ports.js';
export * from './rules/scopes.js';
export * from './use-cases/tokens.js';
