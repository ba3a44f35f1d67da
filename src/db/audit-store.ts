/** Reading the audit trail. Its rows are written by database triggers only (see the audit_trail migration). */
import type { Database } from './client.js';

export interface AuditRecord {
  id: number;
  at: Date;
  action: string;
  targetType: string;
  targetId: string;
  ownerUserId: string | null;
  workspaceId: number | null;
  actor: string | null;
  door: string | null;
  detail: string | null;
}

export interface AuditQuery {
  targetId?: string;
  ownerUserId?: string;
  workspaceId?: number;
  limit: number;
}

export class AuditStore {
  constructor(private readonly db: Database) {}

  /** The latest events, newest first. */
  latest({ targetId, ownerUserId, workspaceId, limit }: AuditQuery): Promise<AuditRecord[]> {
    return this.db.auditEvent.findMany({
      where: { ...(targetId ? { targetId } : {}), ...(ownerUserId ? { ownerUserId } : {}), ...(workspaceId !== undefined ? { workspaceId } : {}) },
      orderBy: { id: 'desc' },
      take: limit,
    });
  }
}
