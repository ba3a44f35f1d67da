/**
 * The pipeline-secret use cases (Seqera's `/pipeline-secrets`): every rule about them lives here — the context and
 * role (the credentials' own: VIEW and above read names, MAINTAIN and above write), Nextflow's name rule, the
 * value's bounds and sealing, the limit per context, and which secret a run gets for a name. The value is
 * write-only: no use case here returns it.
 */
import { randomBytes } from 'node:crypto';
import { actorOf, type Caller, isOperator, type Owner, type Principal } from '../../../core/caller.js';
import { LimitReached, ValidationError } from '../../../core/errors.js';
import { MAX_PAGE_SIZE, type Page, pageOf, pageSize } from '../../../core/paging.js';
import { CHANGED, retryOnChange } from '../../../core/retry.js';
import type { Sealer } from '../../../platform/secrets/keyring.js';
import { ACCESS_ERRORS, type WorkspaceAccess, type WorkspaceAction } from '../../workspaces/index.js';
import { PipelineSecretNameTaken, PipelineSecretNotFound, PipelineSecretsMissing, PipelineSecretVersionNotFound } from '../errors.js';
import type { DeletedPipelineSecret, PipelineSecretRecord, PipelineSecretVersionView, ResolvedPipelineSecret } from '../model.js';
import type { PipelineSecretStore } from '../ports.js';
import {
  MAX_NAME_LENGTH,
  nameProblem,
  parseName,
  parseSecretId,
  parseValue,
  pipelineSecretSealingContext,
  pipelineSecretVersionSealingContext,
} from '../rules/input.js';

export interface PipelineSecretSettings {
  /** MAX_PIPELINE_SECRETS_PER_CONTEXT. */
  perContext: number;
  /** CREDENTIAL_RECOVERY_WINDOW: how long a deleted secret may be brought back before its value is destroyed. */
  recoveryWindowMs: number;
  /** CREDENTIAL_VERSIONS_KEPT: versions of a value kept per secret. */
  versionsKept: number;
}

/** What each use case may raise besides the workspace's (ACCESS_ERRORS), for the doors (GraphQL spreads these). */
export const PIPELINE_SECRET_ERRORS = {
  describe: [PipelineSecretNotFound],
  list: [ValidationError],
  validateName: [ValidationError, PipelineSecretNameTaken],
  create: [ValidationError, PipelineSecretNameTaken, LimitReached],
  update: [ValidationError, PipelineSecretNotFound],
  versions: [ValidationError, PipelineSecretNotFound],
  restore: [ValidationError, PipelineSecretNotFound, PipelineSecretVersionNotFound],
  delete: [PipelineSecretNotFound],
  deleted: [ValidationError],
  undelete: [ValidationError, PipelineSecretNotFound, PipelineSecretNameTaken, LimitReached],
  resolve: [ValidationError, PipelineSecretsMissing],
} as const;
export { ACCESS_ERRORS };

/** Secrets read per statement for a whole list (one statement for a context within the default limit). */
const ALL_BATCH = 5000;
/** The most names one run may ask for at once. */
export const MAX_RESOLVED_NAMES = 100;
/** A new id: random, from 1 to 2^53 - 1 (exact in JSON and JavaScript), 53 bits from the system's source. */
const newSecretId = (): number => Number(randomBytes(8).readBigUInt64BE() >> 11n) || 1;

export class PipelineSecrets {
  constructor(
    private readonly store: PipelineSecretStore,
    private readonly sealer: Sealer,
    private readonly access: WorkspaceAccess,
    private readonly settings: PipelineSecretSettings,
    private readonly clock: () => number = Date.now,
  ) {}

  /** A page of the context's secrets by name (`after`: the last name of the previous page), names starting with `nameStartsWith` only. */
  async list(
    caller: Principal,
    options: { first?: number; after?: string; nameStartsWith?: string } = {},
    context?: Owner,
  ): Promise<Page<PipelineSecretRecord>> {
    const first = pageSize(options.first);
    const prefix = options.nameStartsWith;
    if (prefix !== undefined && prefix.length > MAX_NAME_LENGTH) throw ValidationError.of('nameStartsWith', `must be at most ${MAX_NAME_LENGTH} characters`);
    if (options.after !== undefined && options.after.length > MAX_NAME_LENGTH) throw ValidationError.of('after', 'is not a valid cursor');
    const owner = await this.#owner(caller, 'readCredentials', context);
    return pageOf(await this.store.list(owner, { prefix, afterName: options.after, take: first + 1 }), first);
  }

  /** Every secret of the context by name (bounded by MAX_PIPELINE_SECRETS_PER_CONTEXT), and how many there are. */
  async all(caller: Principal, context?: Owner): Promise<{ items: PipelineSecretRecord[]; totalSize: number }> {
    const owner = await this.#owner(caller, 'readCredentials', context);
    const items: PipelineSecretRecord[] = [];
    for (;;) {
      const batch = await this.store.list(owner, { afterName: items.at(-1)?.name, take: ALL_BATCH });
      for (const item of batch) items.push(item);
      if (batch.length < ALL_BATCH) return { items, totalSize: items.length };
    }
  }

  async describe(caller: Principal, id: string | number, context?: Owner): Promise<PipelineSecretRecord> {
    const owner = await this.#owner(caller, 'readCredentials', context);
    return this.#find(owner, id);
  }

  /** Throws what is wrong with `name` for a new secret of the context (invalid, or taken); resolves when it is free. */
  async validateName(caller: Principal, name: unknown, context?: Owner): Promise<void> {
    const owner = await this.#owner(caller, 'readCredentials', context);
    const valid = parseName(name);
    if (await this.store.nameTaken(owner, valid)) throw new PipelineSecretNameTaken(valid);
  }

  async create(caller: Principal, input: { name?: unknown; value?: unknown }, context?: Owner): Promise<PipelineSecretRecord> {
    const owner = await this.#owner(caller, 'writeCredentials', context);
    const name = parseName(input.name);
    const value = parseValue(input.value);
    for (let attempt = 0; ; attempt++) {
      const id = newSecretId();
      const stored = await this.store.insert(
        {
          id,
          owner,
          name,
          secret: this.sealer.seal(value, pipelineSecretSealingContext(id)),
          versionSecret: this.sealer.seal(value, pipelineSecretVersionSealingContext(id, 1)),
          at: new Date(this.clock()),
          by: actorOf(caller),
        },
        this.settings.perContext,
      );
      if (stored === 'name-taken') throw new PipelineSecretNameTaken(name);
      if (stored === 'full') throw new LimitReached('pipeline secrets per context', this.settings.perContext, 'MAX_PIPELINE_SECRETS_PER_CONTEXT');
      if (stored !== 'id-taken') return stored;
      // One chance in 2^53 per secret stored; a second draw in a row would be a broken random source.
      if (attempt > 2) throw new Error('no free pipeline secret id after 4 draws');
    }
  }

  /** A new value (the name stays), recorded as a new version. */
  async update(caller: Principal, id: string | number, input: { value?: unknown }, context?: Owner): Promise<PipelineSecretRecord> {
    const owner = await this.#owner(caller, 'writeCredentials', context);
    const secretId = this.#id(id);
    const value = parseValue(input.value);
    return this.#newVersion(caller, owner, secretId, value);
  }

  /** Its versions of the value, newest first (numbers, when, who, through which door: never a value). */
  async versions(caller: Principal, id: string | number, options: { first?: number } = {}, context?: Owner): Promise<PipelineSecretVersionView[]> {
    const first = pageSize(options.first, MAX_PAGE_SIZE);
    const owner = await this.#owner(caller, 'readCredentials', context);
    const secretId = this.#id(id);
    await this.#find(owner, secretId);
    return this.store.versions(owner, secretId, first);
  }

  /** Makes a new version equal to version `number` (history is never rewritten). Whoever may update it. */
  async restore(caller: Principal, id: string | number, number: number, context?: Owner): Promise<PipelineSecretRecord> {
    const owner = await this.#owner(caller, 'writeCredentials', context);
    const secretId = this.#id(id);
    if (!Number.isSafeInteger(number) || number < 1) throw ValidationError.of('version', 'must be a version number (a positive integer)');
    await this.#find(owner, secretId);
    const sealed = await this.store.versionValue(owner, secretId, number);
    if (sealed === null) throw new PipelineSecretVersionNotFound(String(id), number);
    const value = this.sealer.open(sealed, pipelineSecretVersionSealingContext(secretId, number));
    return this.#newVersion(caller, owner, secretId, value, number);
  }

  /** Writes `value` as the next version (again when another change came between the read and the write). */
  #newVersion(caller: Principal, owner: Owner, id: number, value: string, restoredFrom?: number): Promise<PipelineSecretRecord> {
    return retryOnChange(`Pipeline secret ${id}`, async () => {
      const from = await this.store.valueVersion(owner, id);
      if (from === null) throw new PipelineSecretNotFound(String(id));
      const updated = await this.store.replaceValue(
        owner,
        id,
        {
          from,
          secret: this.sealer.seal(value, pipelineSecretSealingContext(id)),
          versionSecret: this.sealer.seal(value, pipelineSecretVersionSealingContext(id, from + 1)),
          restoredFrom,
          kept: this.settings.versionsKept,
        },
        new Date(this.clock()),
        actorOf(caller),
      );
      return updated ?? CHANGED;
    });
  }

  /**
   * Deletes a secret: gone for every door at once, its name free; its value is kept for the recovery window
   * (undelete brings it back), then destroyed. `purge` (OWNER and ADMIN in a workspace) destroys it at once, also
   * of one deleted earlier.
   */
  async delete(caller: Principal, id: string | number, options: { purge?: boolean } = {}, context?: Owner): Promise<void> {
    const owner = await this.#owner(caller, options.purge ? 'manageCredentials' : 'writeCredentials', context);
    const secretId = this.#id(id);
    const at = new Date(this.clock());
    const deleted = await this.store.remove(owner, secretId, at, actorOf(caller));
    // No recovery window (CREDENTIAL_RECOVERY_WINDOW=0): the value is destroyed with the delete.
    if (deleted && this.settings.recoveryWindowMs === 0) await this.store.purge(owner, secretId, at, actorOf(caller));
    else if (options.purge) {
      if (!(await this.store.purge(owner, secretId, at, actorOf(caller))) && !deleted) throw new PipelineSecretNotFound(String(id));
    } else if (!deleted) throw new PipelineSecretNotFound(String(id));
  }

  /** The context's deleted secrets still in their recovery window, the most recently deleted first (OWNER and ADMIN). */
  async deleted(caller: Principal, options: { first?: number } = {}, context?: Owner): Promise<DeletedPipelineSecret[]> {
    const first = pageSize(options.first, MAX_PAGE_SIZE);
    const owner = await this.#owner(caller, 'manageCredentials', context);
    return (await this.store.deleted(owner, first)).map((row) => ({ ...row, purgeAfter: new Date(row.deleted.getTime() + this.settings.recoveryWindowMs) }));
  }

  /** Brings a deleted secret back with its value, under its name or `name` (OWNER and ADMIN). */
  async undelete(caller: Principal, id: string | number, options: { name?: unknown } = {}, context?: Owner): Promise<PipelineSecretRecord> {
    const owner = await this.#owner(caller, 'manageCredentials', context);
    const secretId = this.#id(id);
    const was = (await this.store.deleted(owner, MAX_PAGE_SIZE * 10)).find((row) => row.id === secretId);
    if (!was) throw new PipelineSecretNotFound(String(id));
    const name = options.name === undefined ? was.name : parseName(options.name);
    const outcome = await this.store.undelete(owner, secretId, name, new Date(this.clock()), actorOf(caller), this.settings.perContext);
    if (outcome === 'name-taken') throw new PipelineSecretNameTaken(name);
    if (outcome === 'full') throw new LimitReached('pipeline secrets per context', this.settings.perContext, 'MAX_PIPELINE_SECRETS_PER_CONTEXT');
    if (outcome === 'not-found') throw new PipelineSecretNotFound(String(id));
    return this.#find(owner, secretId);
  }

  /**
   * The values a run of the caller gets for these names (resolved as `resolve` does), to be delivered encrypted for
   * a key the caller's consumer holds — never to be shown. Who may: as for credentials' keys (in a workspace every
   * role but VIEW; a token whose scope allows keys). Nothing is recorded until `recordDelivered`.
   */
  async valuesForDelivery(caller: Caller, names: readonly string[]): Promise<{ resolved: ResolvedPipelineSecret[]; values: Record<string, string> }> {
    const context = await this.access.context(caller, 'deliverKeys');
    const resolved = await this.resolve(caller, names);
    const owners: Owner[] = context.owner.kind === 'workspace' ? [{ kind: 'user', id: caller.userId }, context.owner] : [{ kind: 'user', id: caller.userId }];
    const sealed = await this.store.sealedValues(
      owners,
      resolved.map((r) => r.id),
    );
    const values: Record<string, string> = {};
    for (const item of resolved) {
      const secret = sealed.get(item.id);
      // Deleted between the two reads: as missing.
      if (secret === undefined) throw new PipelineSecretsMissing([item.name]);
      values[item.name] = this.sealer.open(secret, pipelineSecretSealingContext(item.id));
    }
    return { resolved, values };
  }

  /** Records a delivery of these secrets (their last use, an audit row each); one deleted meanwhile: as missing, nothing recorded of it. */
  async recordDelivered(caller: Caller, resolved: readonly ResolvedPipelineSecret[], recipient: string): Promise<void> {
    const ids = [...new Set(resolved.map((r) => r.id))];
    const delivered = await this.store.recordDelivered(ids, new Date(this.clock()), actorOf(caller), recipient);
    const gone = resolved.filter((r) => !delivered.includes(r.id)).map((r) => r.name);
    if (gone.length > 0) throw new PipelineSecretsMissing(gone);
  }

  /**
   * Which secret a run of the caller gets for each name, in the order asked: the caller's own secret of that name
   * wins over the workspace's (Seqera's rule); without a workspace, the caller's own only. A name neither has is an
   * error naming every such name. Never a value.
   */
  async resolve(caller: Caller, names: readonly string[]): Promise<ResolvedPipelineSecret[]> {
    if (names.length === 0 || names.length > MAX_RESOLVED_NAMES) throw ValidationError.of('names', `must hold 1 to ${MAX_RESOLVED_NAMES} names`);
    names.forEach((name, i) => {
      const problem = nameProblem(name);
      if (problem) throw ValidationError.of(`names.${i}`, problem);
    });
    const context = await this.access.context(caller, 'readCredentials');
    const own: Owner = { kind: 'user', id: caller.userId };
    const owners = context.owner.kind === 'workspace' ? [own, context.owner] : [own];
    const found = await this.store.findByNames(owners, [...new Set(names)]);
    const pick = (name: string) =>
      found.find((s) => s.name === name && s.owner.kind === 'user') ?? found.find((s) => s.name === name && s.owner.kind === 'workspace');
    const missing = names.filter((name) => !pick(name));
    if (missing.length > 0) throw new PipelineSecretsMissing([...new Set(missing)]);
    return names.map((name) => {
      const secret = pick(name)!;
      return { name, scope: secret.owner.kind, id: secret.id };
    });
  }

  /** The context a call acts on: a user's, by the workspace it names and its role there; the operator's, the one it names. */
  async #owner(principal: Principal, action: WorkspaceAction, context: Owner | undefined): Promise<Owner> {
    if (!isOperator(principal)) return (await this.access.context(principal, action)).owner;
    if (!context) throw ValidationError.of('context', 'name whose pipeline secrets: a user or a workspace');
    return context;
  }

  async #find(owner: Owner, id: string | number): Promise<PipelineSecretRecord> {
    const found = await this.store.find(owner, this.#id(id));
    if (!found) throw new PipelineSecretNotFound(String(id));
    return found;
  }

  #id(raw: string | number): number {
    const id = parseSecretId(raw);
    if (id === undefined) throw new PipelineSecretNotFound(String(raw).slice(0, 40));
    return id;
  }
}
