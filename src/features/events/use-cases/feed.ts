/**
 * The live feed of committed audit events, for live subscriptions: on
 * PostgreSQL every instance hears every instance's events (LISTEN/NOTIFY: the
 * trigger notifies at commit); on SQLite, each committed write of this process
 * makes the feed read the events after the last it saw, and so does a commit
 * of another process (the operator's CLI, another instance on the file), seen
 * within a second by the file's data version (a few µs to read, checked only
 * while someone listens). It reads only while someone listens; what was written while nobody listened,
 * or while the notification connection was down, is not replayed (a live view:
 * webhooks and the audit trail are the durable ways to hear of events).
 */

import type { ListenOptions, NotificationListener } from '../../../core/ports.js';
import type { AuditRecord, AuditStore } from '../../audit/index.js';

/** Events read per statement. */
const BATCH = 500;

export type FeedListener = (events: readonly AuditRecord[]) => void;

export interface FeedSource {
  /** Calls back after each committed write of this process. */
  onWrite(listener: () => void): () => void;
  /** PostgreSQL's notifications of every instance's events (undefined on SQLite). */
  listen: ((options: ListenOptions) => NotificationListener) | undefined;
  /** SQLite: a number every commit of any process changes. */
  dataVersion(): number | undefined;
}

/** How often, while someone listens, SQLite's data version is looked at for another process's commits. */
const OTHER_WRITERS_EVERY_MS = 1000;

export interface FeedOptions {
  /** Told of every committed event's action (on PostgreSQL, from any instance; whether or not anyone listens). */
  onNotified?: (action: string) => void;
  onLost: (reason: string) => void;
  onError: (error: unknown) => void;
}

export class EventFeed {
  readonly #listeners = new Set<FeedListener>();
  #last: number | undefined;
  #pulling: Promise<void> | undefined;
  #again = false;
  #notified: number[] = [];
  #connection: NotificationListener | undefined;
  #stopWrites: (() => void) | undefined;
  #otherWriters: NodeJS.Timeout | undefined;
  #seenVersion: number | undefined;

  constructor(
    private readonly store: AuditStore,
    private readonly source: FeedSource,
    private readonly options: FeedOptions,
  ) {}

  /** Starts hearing of events (a server; the CLI does not). */
  start(): void {
    if (this.#connection || this.#stopWrites) return;
    if (this.source.listen) {
      this.#connection = this.source.listen({
        onEvents: (events) => {
          for (const { action } of events) this.options.onNotified?.(action);
          if (this.#listeners.size === 0) return;
          this.#notified.push(...events.map((e) => e.id));
          this.#pull();
        },
        onLost: this.options.onLost,
      });
    } else {
      this.#stopWrites = this.source.onWrite(() => {
        if (this.#listeners.size > 0) this.#pull();
      });
    }
  }

  /** SQLite, while someone listens: another process's commit changes the data version, and the feed reads. */
  #watchOtherWriters(): void {
    if (this.source.listen || this.#otherWriters) return;
    this.#seenVersion = this.source.dataVersion();
    this.#otherWriters = setInterval(() => {
      const version = this.source.dataVersion();
      if (version === this.#seenVersion) return;
      this.#seenVersion = version;
      this.#pull();
    }, OTHER_WRITERS_EVERY_MS);
    this.#otherWriters.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#otherWriters);
    this.#otherWriters = undefined;
    this.#stopWrites?.();
    this.#stopWrites = undefined;
    await this.#connection?.close();
    this.#connection = undefined;
    await this.#pulling?.catch(() => {});
  }

  get listening(): number {
    return this.#listeners.size;
  }

  /** Calls `listener` with each batch of new events, in id order, from now on. Resolves once it listens (returns: stop). */
  async subscribe(listener: FeedListener): Promise<() => void> {
    // The first listener fixes where the feed starts: events committed from now on.
    if (this.#last === undefined && !this.source.listen) this.#last = await this.store.lastId();
    this.#listeners.add(listener);
    if (this.#stopWrites) this.#watchOtherWriters();
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0 && !this.source.listen) {
        this.#last = undefined;
        clearInterval(this.#otherWriters);
        this.#otherWriters = undefined;
      }
    };
  }

  /** Reads what is new (one read at a time; a signal during a read reads again after it). */
  #pull(): void {
    if (this.#pulling) {
      this.#again = true;
      return;
    }
    this.#pulling = this.#read()
      .catch(this.options.onError)
      .finally(() => {
        this.#pulling = undefined;
        if (this.#again) {
          this.#again = false;
          this.#pull();
        }
      });
  }

  async #read(): Promise<void> {
    for (;;) {
      let events: AuditRecord[];
      if (this.source.listen) {
        const ids = this.#notified.splice(0, BATCH);
        if (ids.length === 0) return;
        events = await this.store.byIds(ids);
      } else {
        if (this.#last === undefined) return;
        events = await this.store.after(this.#last, BATCH);
        if (events.length === 0) return;
        this.#last = events[events.length - 1]!.id;
      }
      if (events.length > 0) for (const listener of this.#listeners) listener(events);
      if (!this.source.listen && events.length < BATCH) return;
    }
  }
}
