/**
 * Pages of credentials already built, per owner and query, each tagged with the
 * owner's credentialsVersion it was read at. A trigger bumps that version in the
 * statement of every change, and the version is read from the database for every
 * request, so a page is served only if nothing changed since it was read — from
 * this instance or any other. Bounded: least recently used pages are dropped.
 */
import type { CredentialPage } from './view.js';

export class PageCache {
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  readonly #entries = new Map<string, { version: number; page: CredentialPage }>();

  constructor(private readonly maxEntries: number) {}

  get(key: string, version: number): CredentialPage | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (entry.version !== version) return undefined;
    this.#entries.set(key, entry);
    return entry.page;
  }

  /** `version` must have been read before the page's rows were. */
  set(key: string, version: number, page: CredentialPage): void {
    this.#entries.delete(key);
    this.#entries.set(key, { version, page });
    if (this.#entries.size > this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
  }
}
