/**
 * Reading the audit trail. Its rows are written by database triggers (see the
 * audit_trail migration), and by the operator's database commands (backup,
 * restore), which change no row a trigger watches.
 */
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

/** An event of the operator's database commands. */
export interface DatabaseEvent {
  action: 'database.backup' | 'database.restore';
  /** The file, by its name. */
  targetId: string;
  actor: string;
  door: string;
  detail: string;
}

export class AuditStore {
  constructor(private readonly db: Database) {}

  /** Records a database command's event (backup, restore). */
  async record(event: DatabaseEvent): Promise<void> {
    await this.db.auditEvent.create({ data: { at: new Date(), targetType: 'database', ...event } });
  }

  /** The latest events, newest first. */
  latest({ targetId, ownerUserId, workspaceId, limit }: AuditQuery): Promise<AuditRecord[]> {
    return this.db.auditEvent.findMany({
      where: { ...(targetId ? { targetId } : {}), ...(ownerUserId ? { ownerUserId } : {}), ...(workspaceId !== undefined ? { workspaceId } : {}) },
      orderBy: { id: 'desc' },
      take: limit,
    });
  }
}
