/**
 * The one owner of credential storage (CredentialStore): the table's reads and
 * writes (credential-table.ts), and here the versions, expiry, deliveries,
 * validations and the re-seal of key rotation.
 */
import type { AuditActor, Owner } from '../../../core/caller.js';
import { numberedPlaceholders } from '../../../platform/db/client.js';
import type { ExpiryColumns } from '../../providers/index.js';
import type { CredentialRecord, DeliveryRecord, SealedCredential, SealedSecret, SealedVersion, StoredKeys, Validation, VersionRecord } from '../model.js';
import type { CredentialStore } from '../ports.js';

import { CredentialTable } from './credential-table.js';
import { auditColumns, fromPrisma, notStartingWith, ownerFilter, ownerOf, RECORD_DELIVERY_SQL, sealedOf, versionRecordOf } from './rows.js';

export class PrismaCredentialStore extends CredentialTable implements CredentialStore {
  // ---- Versions ------------------------------------------------------------------

  /** The credential's versions, newest first, those numbered below `before` (undefined: from the newest), at most `take`. */
  async findVersions(credentialId: string, before: number | undefined, take: number): Promise<VersionRecord[]> {
    const rows = await this.db.credentialVersion.findMany({
      where: { credentialId, ...(before === undefined ? {} : { number: { lt: before } }) },
      omit: { secret: true, keys: true, baseUrl: true },
      orderBy: { number: 'desc' },
      take,
    });
    return rows.map(versionRecordOf);
  }

  /** One version with its sealed material, or null when it was never recorded or is destroyed. */
  async findKeyVersion(credentialId: string, number: number): Promise<SealedVersion | null> {
    const row = await this.db.credentialVersion.findUnique({ where: { credentialId_number: { credentialId, number } } });
    return row ? { ...versionRecordOf(row), keys: JSON.parse(row.keys) as StoredKeys, baseUrl: row.baseUrl, secret: row.secret } : null;
  }

  // ---- Expiry -----------------------------------------------------------------------

  /**
   * Marks INVALID every live credential whose expiry has passed by `now` and
   * that no probe has found valid since it expired (the rule of docs/api-graphql.md).
   * How many it marked.
   */
  async markExpired(now: Date, message: string, by: AuditActor): Promise<number> {
    const { count } = await this.db.credential.updateMany({
      where: {
        expiresAt: { lte: now },
        deleted: null,
        status: 'AVAILABLE',
        OR: [{ lastValidated: null }, { lastValidated: { lt: this.db.credential.fields.expiresAt } }],
      },
      data: { status: 'INVALID', message, version: { increment: 1 }, ...auditColumns('expire', by) },
    });
    return count;
  }

  /**
   * Writes the expiry notices due by `now` (audited `credential.expiring`,
   * detail `7d` or `1d`): one of each per expiry date, for live credentials
   * expiring within `withinMs` (7 days) or `lastMs` (1 day). A notice once
   * written for an expiry is not written again; a new expiry date gets its own.
   * How many it wrote.
   */
  async markExpiring(now: Date, notices: readonly { notice: string; withinMs: number }[], by: AuditActor): Promise<number> {
    let written = 0;
    // The nearest notice first: a credential a day from expiry gets `1d`, not `7d` and then `1d`.
    const sorted = [...notices].sort((a, b) => a.withinMs - b.withinMs);
    for (const [index, { notice, withinMs }] of sorted.entries()) {
      const nearer = sorted.slice(0, index).map((n) => n.notice);
      const where = {
        deleted: null,
        expiresAt: { gt: now, lte: new Date(now.getTime() + withinMs) },
        OR: [
          { expiryNoticeFor: null },
          { expiryNoticeFor: { lt: this.db.credential.fields.expiresAt } },
          { expiryNoticeFor: { gt: this.db.credential.fields.expiresAt } },
          { expiryNotice: { notIn: [notice, ...nearer] } },
        ],
      };
      const due = await this.db.credential.findMany({ where, select: { id: true, expiresAt: true }, orderBy: { expiresAt: 'asc' }, take: 500 });
      let count = 0;
      // One statement each, conditional on the expiry read: a credential changed meanwhile is left for the next run.
      for (const { id, expiresAt } of due) {
        const changed = await this.db.credential.updateMany({
          where: { ...where, id, expiresAt },
          data: { expiryNotice: notice, expiryNoticeFor: expiresAt, ...auditColumns('expiring', by, notice) },
        });
        count += changed.count;
      }
      written += count;
    }
    return written;
  }

  /** How many live credentials expire before `before` (expired ones included). */
  countExpiringBefore(before: Date): Promise<number> {
    return this.db.credential.count({ where: { deleted: null, expiresAt: { lt: before } } });
  }

  /**
   * Live credentials expiring before `before` (expired ones included), the
   * soonest first, after the position `after` in (expiresAt, id) order: of the
   * owner, or of every context (undefined).
   */
  async findExpiring(
    owner: Owner | undefined,
    before: Date,
    take: number,
    options: { providers?: readonly string[]; after?: { expiresAt: Date; id: string } } = {},
  ): Promise<CredentialRecord[]> {
    const { providers, after } = options;
    const rows = await this.db.credential.findMany({
      where: {
        ...(owner ? ownerFilter(owner) : {}),
        deleted: null,
        expiresAt: { lt: before },
        ...(providers ? { provider: { in: [...providers] } } : {}),
        ...(after ? { OR: [{ expiresAt: { gt: after.expiresAt } }, { expiresAt: after.expiresAt, id: { gt: after.id } }] } : {}),
      },
      omit: { secret: true },
      orderBy: [{ expiresAt: 'asc' }, { id: 'asc' }],
      take,
    });
    return rows.map(fromPrisma);
  }

  /**
   * Records deliveries (each credential's last use, and through the trigger its
   * audit row naming the pairing), all in one transaction: one commit. For each,
   * false if the credential was deleted meanwhile (nothing recorded for it).
   */
  async recordDeliveries(deliveries: readonly DeliveryRecord[]): Promise<boolean[]> {
    // The statement's parameters after its first (the time, as each database's way of writing it wants it).
    const rows = deliveries.map(({ owner, id, recipient, at, by, version }) => {
      const audit = auditColumns('deliver', by, `${recipient}${version === undefined ? '' : ` version ${version}`}`);
      return { kind: owner.kind, at, rest: [audit.lastChange, audit.changedBy, audit.changedVia, audit.changeDetail, id, owner.id] };
    });
    // SQLite: one prepared statement per owner kind, on the statements' write connection (a delivery's hot write);
    // when that cannot write right now, and on PostgreSQL, the same statement through Prisma.
    const fast = this.statements.runInOneCommit(
      rows.map(({ kind, at, rest }) => ({ name: `credential.deliver:${kind}`, sql: RECORD_DELIVERY_SQL[kind], params: [this.statements.date(at), ...rest] })),
    );
    if (fast) return fast.map((count) => count === 1);
    const counts = await this.db.$transaction(
      rows.map(({ kind, at, rest }) =>
        this.db.$executeRawUnsafe(this.engine === 'postgresql' ? numberedPlaceholders(RECORD_DELIVERY_SQL[kind]) : RECORD_DELIVERY_SQL[kind], at, ...rest),
      ),
    );
    return counts.map((count) => count === 1);
  }

  /**
   * Records a validation's verdict (status, the provider's message, when), only
   * if the credential is still live and at `version` (the keys that were
   * probed), and the expiry the provider's answer told (`expiry`). False: it
   * changed or was deleted meanwhile, and nothing was recorded.
   */
  async recordValidation(owner: Owner, id: string, version: number, verdict: Validation, by: AuditActor, expiry?: ExpiryColumns): Promise<boolean> {
    const { count } = await this.db.credential.updateMany({
      where: { id, ...ownerFilter(owner), deleted: null, version },
      data: {
        ...expiry,
        status: verdict.status,
        message: verdict.message,
        ...(verdict.at ? { lastValidated: verdict.at } : {}),
        ...auditColumns('validate', by, verdict.status),
      },
    });
    return count === 1;
  }

  /** How many live credentials of each provider are INVALID. */
  async countInvalidByProvider(): Promise<Map<string, number>> {
    const rows = await this.db.credential.groupBy({ by: ['provider'], where: { status: 'INVALID', deleted: null }, _count: { _all: true } });
    return new Map(rows.map((r) => [r.provider, r._count._all]));
  }

  /** Live credentials after `afterId` in id order (with their sealed secrets), at most `take`: a walk over all of them. */
  async findLiveAfter(afterId: string, take: number): Promise<SealedCredential[]> {
    const rows = await this.db.credential.findMany({ where: { deleted: null, id: { gt: afterId } }, orderBy: { id: 'asc' }, take });
    return rows.map(sealedOf);
  }

  /** How many live credentials there are, in every context. */
  countLive(): Promise<number> {
    return this.db.credential.count({ where: { deleted: null } });
  }

  // ---- Sealed secrets, for key rotation ----------------------------------------
  // (A sealed value starts with the id of the key that sealed it: the key ring says how.)

  // Every sealed value counts: the live rows' and the versions' (of deleted credentials too, until purged).

  /** How many stored secrets start with `prefix`. */
  async countSecretsStartingWith(prefix: string): Promise<number> {
    const where = { secret: { startsWith: prefix } };
    return (await this.db.credential.count({ where })) + (await this.db.credentialVersion.count({ where }));
  }

  /** How many stored secrets start with none of `prefixes`. */
  async countSecretsNotStartingWith(prefixes: readonly string[]): Promise<number> {
    const where = notStartingWith(prefixes);
    return (await this.db.credential.count({ where })) + (await this.db.credentialVersion.count({ where }));
  }

  /**
   * Stored secrets that start with none of `prefixes`: live rows in id order,
   * then versions in (id, number) order, skipping the slots `excluded` (see
   * slotOf); at most `take` (undefined: all).
   */
  async findSecretsNotStartingWith(prefixes: readonly string[], excluded: readonly string[] = [], take?: number): Promise<SealedSecret[]> {
    const skip = new Set(excluded);
    const live = excluded.filter((slot) => !slot.includes('#'));
    const rows = await this.db.credential.findMany({
      where: { ...notStartingWith(prefixes), ...(live.length ? { id: { notIn: live } } : {}) },
      select: { id: true, userId: true, workspaceId: true, provider: true, secret: true },
      orderBy: { id: 'asc' },
      ...(take === undefined ? {} : { take }),
    });
    const found: SealedSecret[] = rows.map((r) => ({ id: r.id, owner: ownerOf(r), provider: r.provider, version: null, secret: r.secret! }));
    if (take !== undefined && found.length >= take) return found;
    // Versions: read past the skipped ones (few: those that could not be opened).
    const versions = await this.db.credentialVersion.findMany({
      where: notStartingWith(prefixes),
      select: { credentialId: true, number: true, secret: true, credential: { select: { userId: true, workspaceId: true, provider: true } } },
      orderBy: [{ credentialId: 'asc' }, { number: 'asc' }],
      ...(take === undefined ? {} : { take: take - found.length + skip.size }),
    });
    for (const v of versions) {
      if (skip.has(`${v.credentialId}#${v.number}`)) continue;
      if (take !== undefined && found.length >= take) break;
      found.push({ id: v.credentialId, owner: ownerOf(v.credential), provider: v.credential.provider, version: v.number, secret: v.secret! });
    }
    return found;
  }

  /**
   * Replaces a sealed secret (the live row's, or a version's), only if it still
   * holds `expected`. False: an update re-sealed it meanwhile (under the primary
   * key already), or it was deleted or destroyed.
   */
  async replaceSecret(slot: Pick<SealedSecret, 'id' | 'version'>, expected: string, secret: string, by: AuditActor): Promise<boolean> {
    if (slot.version === null) {
      const { count } = await this.db.credential.updateMany({ where: { id: slot.id, secret: expected }, data: { secret, ...auditColumns('reseal', by) } });
      return count === 1;
    }
    const { count } = await this.db.credentialVersion.updateMany({
      where: { credentialId: slot.id, number: slot.version, secret: expected },
      data: { secret },
    });
    return count === 1;
  }
}
