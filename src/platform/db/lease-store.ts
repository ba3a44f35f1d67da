/**
 * The one owner of leases: which instance runs a background job now. A lease
 * is taken when it is free or expired, and kept by renewing it before it
 * expires; an instance that dies loses it when it expires. One conditional
 * statement, the same on SQLite and PostgreSQL, so two instances never both
 * believe they hold it.
 */
import type { Leases } from '../../core/ports.js';
import type { Database } from './client.js';

export class LeaseStore implements Leases {
  constructor(private readonly db: Database) {}

  /** Takes or renews the lease `name` for `holder` until `until` (epoch ms); false: another holder has it. */
  async acquire(name: string, holder: string, now: number, until: number): Promise<boolean> {
    // Whole milliseconds: the column is an integer on both databases.
    now = Math.floor(now);
    until = Math.ceil(until);
    const changed = await this.db.$executeRaw`
      INSERT INTO "Lease" ("name", "holder", "until") VALUES (${name}, ${holder}, ${until})
      ON CONFLICT ("name") DO UPDATE SET "holder" = excluded."holder", "until" = excluded."until"
      WHERE "Lease"."holder" = excluded."holder" OR "Lease"."until" < ${now}`;
    return changed === 1;
  }

  /** Gives the lease up, if `holder` has it. */
  async release(name: string, holder: string): Promise<void> {
    await this.db.lease.deleteMany({ where: { name, holder } });
  }

  /** Writes the row of `name` (a write that changes nothing else: readiness asks whether the database takes writes). */
  async touch(name: string, at: number): Promise<void> {
    await this.db.$executeRaw`
      INSERT INTO "Lease" ("name", "holder", "until") VALUES (${name}, '', ${Math.floor(at)})
      ON CONFLICT ("name") DO UPDATE SET "until" = excluded."until"`;
  }
}
