/**
 * What background jobs and live feeds need of the database, whatever the
 * feature: leases (which instance runs a job now) and notifications of
 * committed events. src/platform/db fills them; the wiring passes them in.
 */

/** Leases: one holder at a time per name, until it expires unless renewed. */
export interface Leases {
  /** Takes or renews the lease `name` for `holder` until `until` (epoch ms); false: another holder has it. */
  acquire(name: string, holder: string, now: number, until: number): Promise<boolean>;
  /** Gives the lease up, if `holder` has it. */
  release(name: string, holder: string): Promise<void>;
  /** Writes the row of `name` (a write that changes nothing else: readiness asks whether the database takes writes). */
  touch(name: string, at: number): Promise<void>;
}

/** A connection listening for committed events (PostgreSQL's notifications). */
export interface NotificationListener {
  close(): Promise<void>;
}

export interface ListenOptions {
  /** Committed events, as notified: their ids and actions. */
  onEvents: (events: { id: number; action: string }[]) => void;
  /** The connection was lost or could not be made (its reason only). */
  onLost: (reason: string) => void;
  /** The connection is (again) listening. */
  onListening?: () => void;
}
