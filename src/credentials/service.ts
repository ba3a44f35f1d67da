/**
 * The credentials use cases. Every rule about credentials (validation,
 * ownership, sealing, naming, uniqueness, soft delete) lives here; GraphQL and
 * REST only translate to and from these calls.
 */
import type { PrismaClient, Credential as CredentialRow } from '../generated/prisma/client.js';
import type { CredentialRecord, Reads } from '../db/reads.js';
import type { Sealer } from '../secrets/keyring.js';
import { insertCredential, isUniqueViolation } from '../db/writes.js';
import { PageCache } from './page-cache.js';
import { CredentialNameTaken, CredentialNotFound, IdempotencyKeyReused, ValidationError } from './errors.js';
import { ID_PATTERN, newId, randomBase62 } from './ids.js';
import { checkKeys, parseCredentialInput, parseName, type CredentialInput } from './input.js';
import { providers, returnedFields, secretFields, type KeyValues, type ProviderSpec } from './providers.js';

/** Where a call came in: recorded in the audit trail. */
export type Door = 'graphql' | 'rest' | 'cli';

/**
 * Who calls, and so whose credentials a call acts on: a user today (their own
 * credentials), a user in a workspace later.
 */
export interface Caller {
  userId: string;
  door: Door;
}

type Change = 'create' | 'update' | 'delete' | 'reseal';

/** The columns that the audit trigger copies into AuditEvent with the change. */
export const auditColumns = (change: Change, actor: string, door: Door) => ({
  lastChange: change,
  changedBy: actor,
  changedVia: door,
});

/** A credential as every door shows it: returned key fields only, never a secret. */
export interface CredentialView {
  id: string;
  name: string;
  description: string | null;
  provider: string;
  baseUrl: string | null;
  category: string | null;
  /** Every returned key field of the provider, null when unset. */
  keys: Record<string, string | boolean | null>;
  deleted: Date | null;
  lastUsed: Date | null;
  dateCreated: Date;
  lastUpdated: Date;
}

export interface WriteOptions {
  /** AWS role mode: the server generates an external id (kept on later updates). */
  useExternalId?: boolean;
}

export interface CreateOptions extends WriteOptions {
  /**
   * A client's key for retrying a create safely: the same key with the same
   * request gives the credential created first, never a second one.
   */
  idempotencyKey?: string;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export interface ListOptions {
  /** Only these providers (undefined: all). */
  providers?: readonly string[];
  /** Page size; undefined lists everything. */
  first?: number;
  /** Opaque cursor of the last item of the previous page. */
  after?: string;
}

export interface CredentialPage {
  items: { credential: CredentialView; cursor: string }[];
  hasNextPage: boolean;
}

export const MAX_PAGE_SIZE = 100;
/** Pages kept built (each at most MAX_PAGE_SIZE credentials; about 5 MB per 100 pages). */
const CACHED_PAGES = 200;
const UPDATE_ATTEMPTS = 5;

export class CredentialService {
  constructor(
    private readonly db: PrismaClient,
    private readonly reads: Reads,
    private readonly sealer: Sealer,
  ) {}

  readonly #pages = new PageCache(CACHED_PAGES);

  async create(caller: Caller, input: CredentialInput | unknown, options: CreateOptions = {}): Promise<CredentialView> {
    const valid = parseCredentialInput(input);
    const idempotencyKey = options.idempotencyKey;
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw ValidationError.of('idempotencyKey', 'must be 1-255 printable ASCII characters without spaces');
    }
    // The request as the domain understood it, for recognising a retry (only needed with a key).
    const request =
      idempotencyKey === undefined
        ? ''
        : canonicalJson({ ...valid, provider: valid.provider.id, useExternalId: options.useExternalId ?? false });
    if (idempotencyKey !== undefined) {
      const replayed = await this.replay(caller, idempotencyKey, request);
      if (replayed) return replayed;
    }
    const keys = this.completeKeys(valid.provider, valid.keys, {}, options);
    checkKeys(valid.provider, keys);
    const id = newId();
    const now = new Date();
    try {
      const row = {
        id,
        userId: caller.userId,
        name: valid.name,
        activeName: valid.name,
        description: valid.description,
        provider: valid.provider.id,
        baseUrl: valid.baseUrl,
        category: valid.category,
        ...this.storedKeys(valid.provider, keys, { id, userId: caller.userId }),
        dateCreated: now,
        lastUpdated: now,
        deleted: null,
        lastUsed: null,
        ...auditColumns('create', caller.userId, caller.door),
        idempotencyKey: idempotencyKey ?? null,
        requestFingerprint: idempotencyKey === undefined ? null : this.sealer.fingerprint(request),
      };
      await insertCredential(this.db, row);
      return toView(row);
    } catch (error) {
      // A concurrent request with the same key got there first.
      if (idempotencyKey !== undefined && isUniqueViolation(error)) {
        const replayed = await this.replay(caller, idempotencyKey, request);
        if (replayed) return replayed;
      }
      throw nameTakenOr(error, valid.name);
    }
  }

  /** The credential an earlier create with this key made, if any; a different request with it is refused. */
  private async replay(caller: Caller, idempotencyKey: string, request: string): Promise<CredentialView | undefined> {
    const earlier = await this.db.credential.findUnique({
      where: { userId_idempotencyKey: { userId: caller.userId, idempotencyKey } },
      omit: { secret: true },
    });
    if (!earlier) return undefined;
    if (!earlier.requestFingerprint || !this.sealer.matchesFingerprint(earlier.requestFingerprint, request)) {
      throw new IdempotencyKeyReused();
    }
    return toView(earlier);
  }

  async describe(caller: Caller, id: string): Promise<CredentialView> {
    const row = ID_PATTERN.test(id) ? await this.reads.liveCredential(caller.userId, id) : null;
    if (!row) throw new CredentialNotFound(id);
    return toView(row);
  }

  async list(caller: Caller, options: ListOptions = {}): Promise<CredentialPage> {
    const first = options.first;
    if (first !== undefined && (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE)) {
      throw ValidationError.of('first', `must be an integer from 0 to ${MAX_PAGE_SIZE}`);
    }
    for (const p of options.providers ?? []) {
      if (!providers.has(p)) throw ValidationError.of('provider', `unknown provider '${p}'`);
    }
    const after = options.after === undefined ? undefined : decodeCursor(options.after);
    if (first === undefined) return this.#readPage(caller, options.providers, after, undefined);
    // A bounded page is served from the cache while the owner's credentials are unchanged.
    const version = await this.reads.credentialsVersion(caller.userId);
    const key = `${caller.userId}|${options.providers?.join(',') ?? '*'}|${options.after ?? ''}|${first}`;
    const cached = this.#pages.get(key, version);
    if (cached) return cached;
    const page = await this.#readPage(caller, options.providers, after, first);
    this.#pages.set(key, version, page);
    return page;
  }

  async #readPage(caller: Caller, providers: readonly string[] | undefined, after: Cursor | undefined, first: number | undefined): Promise<CredentialPage> {
    const rows = await this.reads.livePage({
      userId: caller.userId,
      providers,
      after,
      take: first === undefined ? undefined : first + 1,
    });
    const hasNextPage = first !== undefined && rows.length > first;
    const page = hasNextPage ? rows.slice(0, first) : rows;
    return { items: page.map((row) => ({ credential: toView(row), cursor: encodeCursor(row) })), hasNextPage };
  }

  /**
   * Replaces the credential's fields and its keys as a whole. Secret fields the
   * client does not re-send keep their stored values; secrets sent replace them.
   */
  async update(caller: Caller, id: string, input: CredentialInput | unknown, options: WriteOptions = {}): Promise<CredentialView> {
    const valid = parseCredentialInput(input);
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
      const current = await this.findLive(caller, id);
      if (current.provider !== valid.provider.id) {
        throw ValidationError.of('provider', `cannot be changed (the credential is a ${current.provider} credential)`);
      }
      const stored = { ...this.openSecrets(current), ...(JSON.parse(current.keys) as KeyValues) };
      const keys = this.completeKeys(valid.provider, valid.keys, stored, options);
      checkKeys(valid.provider, keys);
      try {
        const { count } = await this.db.credential.updateMany({
          where: { id, userId: caller.userId, deleted: null, version: current.version },
          data: {
            name: valid.name,
            activeName: valid.name,
            description: valid.description,
            baseUrl: valid.baseUrl,
            category: valid.category,
            ...this.storedKeys(valid.provider, keys, current),
            lastUpdated: new Date(),
            version: { increment: 1 },
            ...auditColumns('update', caller.userId, caller.door),
          },
        });
        if (count === 1) return this.describe(caller, id);
      } catch (error) {
        throw nameTakenOr(error, valid.name);
      }
      // Changed or deleted since it was read: read again and retry.
    }
    throw new Error(`Credential ${id} kept changing during update`);
  }

  /** Soft delete: the row stays, marked deleted, its secret wiped and its name freed. */
  async delete(caller: Caller, id: string): Promise<void> {
    if (!ID_PATTERN.test(id)) throw new CredentialNotFound(id);
    const now = new Date();
    const { count } = await this.db.credential.updateMany({
      where: { id, userId: caller.userId, deleted: null },
      data: {
        deleted: now,
        lastUpdated: now,
        activeName: null,
        secret: null,
        version: { increment: 1 },
        ...auditColumns('delete', caller.userId, caller.door),
      },
    });
    if (count === 0) throw new CredentialNotFound(id);
  }

  /** Resolves when `name` is valid and free for this owner; throws otherwise. */
  async validateName(caller: Caller, name: unknown): Promise<void> {
    const valid = parseName(name);
    const taken = await this.db.credential.findUnique({
      where: { userId_activeName: { userId: caller.userId, activeName: valid } },
      select: { id: true },
    });
    if (taken) throw new CredentialNameTaken(valid);
  }

  /** The caller's live credential with its sealed secret, for a change. */
  private async findLive(caller: Caller, id: string): Promise<CredentialRow> {
    if (!ID_PATTERN.test(id)) throw new CredentialNotFound(id);
    const row = await this.db.credential.findFirst({ where: { id, userId: caller.userId, deleted: null } });
    if (!row) throw new CredentialNotFound(id);
    return row;
  }

  /**
   * The complete keys to store: the client's values, then stored secrets the
   * client did not re-send, server-set fields, and defaults.
   */
  private completeKeys(spec: ProviderSpec, sent: KeyValues, stored: KeyValues, options: WriteOptions): KeyValues {
    const keys: KeyValues = { ...sent };
    for (const name of secretFields(spec)) {
      if (keys[name] === undefined && stored[name] !== undefined && stored[name] !== null) keys[name] = stored[name];
    }
    for (const [name, field] of Object.entries(spec.fields)) {
      if (field.serverSet) keys[name] = stored[name] ?? null;
      if (keys[name] === undefined && field.default !== undefined) keys[name] = field.default;
    }
    if (options.useExternalId && 'externalId' in spec.fields && !keys.externalId) {
      keys.externalId = randomBase62(32);
    }
    return keys;
  }

  private storedKeys(spec: ProviderSpec, keys: KeyValues, row: { id: string; userId: string }) {
    const returned: KeyValues = {};
    for (const name of returnedFields(spec)) if (keys[name] !== undefined && keys[name] !== null) returned[name] = keys[name];
    const secrets: KeyValues = {};
    for (const name of secretFields(spec)) if (keys[name] !== undefined && keys[name] !== null) secrets[name] = keys[name];
    const hasSecrets = Object.keys(secrets).length > 0;
    return {
      keys: JSON.stringify(returned),
      secret: hasSecrets ? this.sealer.seal(JSON.stringify(secrets), sealingContext(row.id, row.userId, spec.id)) : null,
    };
  }

  private openSecrets(row: CredentialRow): KeyValues {
    if (!row.secret) return {};
    return JSON.parse(this.sealer.open(row.secret, sealingContext(row.id, row.userId, row.provider))) as KeyValues;
  }
}

/** Associated data of a sealed secret: the credential it belongs to. */
export const sealingContext = (id: string, userId: string, provider: string): string =>
  `credential:${id}:user:${userId}:provider:${provider}`;

export function toView(row: CredentialRecord): CredentialView {
  const spec = providers.get(row.provider)!;
  const stored = JSON.parse(row.keys) as KeyValues;
  const keys: CredentialView['keys'] = {};
  for (const name of returnedFields(spec)) keys[name] = stored[name] ?? null;
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    provider: row.provider,
    baseUrl: row.baseUrl,
    category: row.category,
    keys,
    deleted: row.deleted,
    lastUsed: row.lastUsed,
    dateCreated: row.dateCreated,
    lastUpdated: row.lastUpdated,
  };
}

function encodeCursor(row: { dateCreated: Date; id: string }): string {
  return Buffer.from(`${row.dateCreated.toISOString()}|${row.id}`).toString('base64url');
}

type Cursor = { dateCreated: Date; id: string };

function decodeCursor(cursor: string): Cursor {
  const [date, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const dateCreated = new Date(date ?? '');
  if (!id || !ID_PATTERN.test(id) || Number.isNaN(dateCreated.getTime())) throw ValidationError.of('after', 'is not a valid cursor');
  return { dateCreated, id };
}

function nameTakenOr(error: unknown, name: string): unknown {
  return isUniqueViolation(error) ? new CredentialNameTaken(name) : error;
}

/** JSON with object keys sorted, so equal values give equal text. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}
