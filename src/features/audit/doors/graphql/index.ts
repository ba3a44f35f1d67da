/** What other features' GraphQL doors may use of audit's GraphQL types. */
export { AuditEventRef, AuditKind } from './audit.js';
