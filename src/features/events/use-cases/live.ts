/**
 * Live credential events (GraphQL's `credentialEvents` subscription): the
 * events of one context's credentials as they are committed, for anyone who
 * may read that context's credentials. Authorized when opened, like a query,
 * and again whenever an event may have changed the answer (the subscriber's
 * role changed or they were removed, from the workspace or its organization,
 * or their token revoked): a removed participant's stream ends before any later
 * event reaches it; a stream also ends when its token expires. Bounded, on each
 * instance: SUBSCRIPTIONS_PER_TOKEN open per token, SUBSCRIPTIONS_PER_USER per
 * user whatever their tokens, SUBSCRIPTIONS_PER_INSTANCE in all; a subscriber
 * whose events wait here 1,000 deep is cut off (the GraphQL door cuts off a
 * client that leaves SUBSCRIPTION_BACKLOG_BYTES unread). On shutdown every
 * stream ends cleanly.
 */
import type { Caller, Owner } from '../../../core/caller.js';
import { ValidationError } from '../../../core/errors.js';
import { quoted } from '../../../core/text.js';
import type { AuditRecord } from '../../audit/index.js';
import { AUDIT_ACTIONS, type AuditEventView, type AuditTrail } from '../../audit/index.js';
import { providerIds } from '../../providers/index.js';
import type { WorkspaceAccess } from '../../workspaces/index.js';
import { TooManySubscriptions } from '../errors.js';
import type { EventFeed } from './feed.js';

/** The kinds of credential events a live subscription may ask for. */
export const CREDENTIAL_EVENT_KINDS = AUDIT_ACTIONS.filter((a) => a.startsWith('credential.'));
/** The kinds of pipeline-secret events a live subscription may ask for. */
export const PIPELINE_SECRET_EVENT_KINDS = AUDIT_ACTIONS.filter((a) => a.startsWith('pipeline_secret.'));

/** What a stream carries: the events of credentials, or of pipeline secrets (an audit row's targetType). */
type StreamTarget = 'credential' | 'pipeline_secret';
/** Events a subscriber may fall behind by before it is cut off. */
const MAX_BEHIND = 1000;
/** Events that may change whether a subscriber may still read. */
const ACCESS_EVENTS = new Set(['participant.remove', 'participant.role', 'member.remove', 'token.revoke', 'session.end', 'user.disable', 'user.remove']);

export interface LiveFilter {
  provider?: string;
  kinds?: readonly string[];
}

export interface LiveOptions {
  perToken: number;
  perUser: number;
  perInstance: number;
  /** The time, in epoch milliseconds (a test's clock): token expiry. */
  clock: () => number;
  /** Told of the number of open subscriptions on this instance after each change. */
  onCount: (open: number) => void;
  onError: (error: unknown) => void;
}

class Stream implements AsyncIterableIterator<AuditEventView> {
  readonly #queue: AuditEventView[] = [];
  #waiting: ((result: IteratorResult<AuditEventView>) => void) | undefined;
  #done = false;
  #expiry: NodeJS.Timeout | undefined;

  constructor(
    readonly caller: Caller,
    readonly tokenId: string,
    /** When its token expires (epoch ms). */
    readonly expiresAt: number | undefined,
    readonly owner: Owner,
    readonly target: StreamTarget,
    readonly filter: { provider?: string; kinds?: ReadonlySet<string> },
    private readonly onEnd: (stream: Stream) => void,
  ) {}

  get ended(): boolean {
    return this.#done;
  }

  push(event: AuditEventView): void {
    if (this.#done) return;
    if (this.#waiting) {
      const waiting = this.#waiting;
      this.#waiting = undefined;
      waiting({ value: event, done: false });
      return;
    }
    this.#queue.push(event);
    if (this.#queue.length > MAX_BEHIND) this.end();
  }

  /** Ends the stream in `ms` (its token's expiry). */
  endIn(ms: number): void {
    // (A timer holds at most about 24.8 days: a later expiry is checked again then.)
    this.#expiry = setTimeout(() => (ms > 2 ** 31 - 1 ? this.endIn(ms - (2 ** 31 - 1)) : this.end()), Math.min(ms, 2 ** 31 - 1));
    this.#expiry.unref();
  }

  end(): void {
    if (this.#done) return;
    this.#done = true;
    clearTimeout(this.#expiry);
    this.#queue.length = 0;
    this.#waiting?.({ value: undefined, done: true });
    this.#waiting = undefined;
    this.onEnd(this);
  }

  next(): Promise<IteratorResult<AuditEventView>> {
    const event = this.#queue.shift();
    if (event) return Promise.resolve({ value: event, done: false });
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.#waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<AuditEventView>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error: unknown): Promise<IteratorResult<AuditEventView>> {
    this.end();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

const inContext = (e: AuditRecord, owner: Owner) =>
  owner.kind === 'workspace' ? e.workspaceId === owner.id : e.workspaceId === null && e.ownerUserId === owner.id;

export class LiveEvents {
  readonly #streams = new Set<Stream>();
  readonly #perToken = new Map<string, number>();
  readonly #perUser = new Map<string, number>();
  #unsubscribe: (() => void) | undefined;
  /** Batches are handled one after another: every stream sees events in commit order. */
  #chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly feed: EventFeed,
    private readonly access: WorkspaceAccess,
    private readonly trail: AuditTrail,
    private readonly options: LiveOptions,
  ) {}

  get open(): number {
    return this.#streams.size;
  }

  /** Opens a stream of the caller's context's credential events (refused as a query would be). */
  credentialEvents(caller: Caller, token: { id: string; expiresAt?: number }, filter: LiveFilter): Promise<AsyncIterableIterator<AuditEventView>> {
    return this.#open(caller, token, 'credential', checkedFilter(filter, CREDENTIAL_EVENT_KINDS, 'credential'));
  }

  /** Opens a stream of the caller's context's pipeline-secret events (never a value: the trail holds none). */
  pipelineSecretEvents(
    caller: Caller,
    token: { id: string; expiresAt?: number },
    filter: { kinds?: readonly string[] },
  ): Promise<AsyncIterableIterator<AuditEventView>> {
    return this.#open(caller, token, 'pipeline_secret', checkedFilter(filter, PIPELINE_SECRET_EVENT_KINDS, 'pipeline secret'));
  }

  async #open(
    caller: Caller,
    token: { id: string; expiresAt?: number },
    target: StreamTarget,
    checked: { provider?: string; kinds?: ReadonlySet<string> },
  ): Promise<AsyncIterableIterator<AuditEventView>> {
    const tokenId = token.id;
    const { owner } = await this.access.context(caller, 'readCredentials');
    const held = this.#perToken.get(tokenId) ?? 0;
    const ofUser = this.#perUser.get(caller.userId) ?? 0;
    if (held >= this.options.perToken) throw new TooManySubscriptions('per access token', this.options.perToken, 'SUBSCRIPTIONS_PER_TOKEN');
    if (ofUser >= this.options.perUser) throw new TooManySubscriptions('per user', this.options.perUser, 'SUBSCRIPTIONS_PER_USER');
    if (this.#streams.size >= this.options.perInstance) {
      throw new TooManySubscriptions('on this instance', this.options.perInstance, 'SUBSCRIPTIONS_PER_INSTANCE');
    }
    this.#perToken.set(tokenId, held + 1);
    this.#perUser.set(caller.userId, ofUser + 1);
    const stream = new Stream(caller, tokenId, token.expiresAt, owner, target, checked, (s) => this.#ended(s));
    if (token.expiresAt !== undefined) stream.endIn(Math.max(0, token.expiresAt - this.options.clock()));
    this.#streams.add(stream);
    this.options.onCount(this.#streams.size);
    try {
      this.#unsubscribe ??= await this.feed.subscribe((events) => {
        this.#chain = this.#chain.then(() => this.#deliver(events)).catch(this.options.onError);
      });
    } catch (error) {
      stream.end();
      throw error;
    }
    return stream;
  }

  /** Ends every stream (shutdown): each client gets a clean end. */
  close(): void {
    for (const stream of [...this.#streams]) stream.end();
  }

  #ended(stream: Stream): void {
    this.#streams.delete(stream);
    const held = (this.#perToken.get(stream.tokenId) ?? 1) - 1;
    if (held <= 0) this.#perToken.delete(stream.tokenId);
    else this.#perToken.set(stream.tokenId, held);
    const ofUser = (this.#perUser.get(stream.caller.userId) ?? 1) - 1;
    if (ofUser <= 0) this.#perUser.delete(stream.caller.userId);
    else this.#perUser.set(stream.caller.userId, ofUser);
    this.options.onCount(this.#streams.size);
    if (this.#streams.size === 0) {
      this.#unsubscribe?.();
      this.#unsubscribe = undefined;
    }
  }

  async #deliver(events: readonly AuditRecord[]): Promise<void> {
    if (this.#streams.size === 0) return;
    const streamed = events.filter((e) => e.targetType === 'credential' || e.targetType === 'pipeline_secret');
    const views = new Map((streamed.length > 0 ? await this.trail.views(streamed) : []).map((v) => [v.id, v]));
    for (const event of events) {
      if (ACCESS_EVENTS.has(event.action)) await this.#reauthorize(event);
      const view = views.get(event.id);
      if (!view) continue;
      for (const stream of this.#streams) {
        if (stream.expiresAt !== undefined && stream.expiresAt <= this.options.clock()) {
          stream.end();
          continue;
        }
        if (event.targetType !== stream.target || !inContext(event, stream.owner)) continue;
        if (stream.filter.kinds && !stream.filter.kinds.has(event.action)) continue;
        if (stream.filter.provider && view.provider !== stream.filter.provider) continue;
        stream.push(view);
      }
    }
  }

  /** After an event that may have taken access away: ends the streams of those who lost it. */
  async #reauthorize(event: AuditRecord): Promise<void> {
    for (const stream of [...this.#streams]) {
      // A revoked token or an ended session (signed out) ends its streams; a disabled or removed user, all of theirs.
      if (event.action === 'token.revoke' || event.action === 'session.end') {
        if (event.targetId === stream.tokenId) stream.end();
        continue;
      }
      if (event.action === 'user.disable' || event.action === 'user.remove') {
        if (event.targetId === stream.caller.userId) stream.end();
        continue;
      }
      // Participant and member events name the user whose access changed in ownerUserId.
      if (event.ownerUserId !== stream.caller.userId || stream.owner.kind !== 'workspace') continue;
      try {
        await this.access.context(stream.caller, 'readCredentials');
      } catch {
        stream.end();
      }
    }
  }
}

function checkedFilter(filter: LiveFilter, known: readonly string[], what: string): { provider?: string; kinds?: ReadonlySet<string> } {
  if (filter.provider !== undefined && !(providerIds as readonly string[]).includes(filter.provider)) {
    throw ValidationError.of('provider', `unknown provider ${quoted(filter.provider, 40)}; known: ${providerIds.join(', ')}`);
  }
  if (filter.kinds !== undefined) {
    const unknown = filter.kinds.find((k) => !known.includes(k));
    if (unknown !== undefined) throw ValidationError.of('kinds', `not a ${what} event kind: ${quoted(unknown, 40)}; known: ${known.join(', ')}`);
  }
  return { provider: filter.provider, kinds: filter.kinds ? new Set(filter.kinds) : undefined };
}
