/** Reading the audit trail (its rows are written by database triggers, in the statement of each change). */
import type { AuditQuery, AuditRecord, AuditStore } from '../../db/audit-store.js';

export class AuditTrail {
  constructor(private readonly store: AuditStore) {}

  /** The latest events, newest first. */
  latest(query: AuditQuery): Promise<AuditRecord[]> {
    return this.store.latest(query);
  }
}
