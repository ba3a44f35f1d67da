import type { AuditPageQuery, AuditQuery, AuditRecord, DatabaseEvent, ExchangeEvent, ReadEvent } from './model.js';

export interface AuditStore {
  /** A page of events matching the query (an index on (ownerUserId, id) and (workspaceId, id) serves the contexts). */
  page(q: AuditPageQuery): Promise<AuditRecord[]>;
  /** The names of these users (by id), for showing who acted. */
  userNames(ids: readonly string[]): Promise<Map<string, string>>;
  /** The full names (`org/ws`) of these workspaces, by id. */
  workspaceNames(ids: readonly number[]): Promise<Map<number, string>>;
  /** The names and providers of these credentials (by id; deleted ones too), for showing what an event concerned. */
  credentialNames(ids: readonly string[]): Promise<Map<string, { name: string; provider: string }>>;
  /** Events after the id `after`, in id order (at most `take`). */
  after(after: number, take: number): Promise<AuditRecord[]>;
  /** These events, in id order. */
  byIds(ids: readonly number[]): Promise<AuditRecord[]>;
  /** The id of the latest event (0: none): every event ever written, on every instance. */
  lastId(): Promise<number>;
  /** Records reads of credentials (AUDIT_READS): describe (`credential.read`) or list (`credential.list`). */
  recordReads(events: readonly ReadEvent[]): Promise<void>;
  /** Records a database command's event (backup, restore). */
  record(event: DatabaseEvent): Promise<void>;
  /**
   * A machine's OIDC token exchanged for an access token (`token.exchange`, of the token made), or refused for
   * a reason the operator must see (`token.refuse`, of the user it would have acted as): the rule (actor) and
   * the claims that matched (detail).
   */
  recordExchange(event: ExchangeEvent): Promise<void>;
  /** The latest events, newest first. */
  latest({ targetId, ownerUserId, workspaceId, limit }: AuditQuery): Promise<AuditRecord[]>;
}
