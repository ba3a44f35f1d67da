/** The face of audit (the audit trail): what other features may import. */
export type * from './model.js';
export type * from './ports.js';
export * from './use-cases/reads.js';
export * from './use-cases/trail.js';
