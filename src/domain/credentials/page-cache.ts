/**
 * Pages of credentials already built, per owner and query, each tagged with the
 * owner's credentialsVersion it was read at. A trigger bumps that version in the
 * statement of every change, and the version is read from the database for every
 * request, so a page is served only if nothing changed since it was read — from
 * this instance or any other. Bounded by the credentials it holds in all (a page
 * weighs its item count; least recently used pages are dropped first); a page
 * heavier than a quarter of the bound is not kept.
 */
import type { CredentialPage } from './view.js';

export class PageCache {
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  readonly #entries = new Map<string, { version: number; page: CredentialPage }>();
  #items = 0;

  constructor(private readonly maxItems: number) {}

  get(key: string, version: number): CredentialPage | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (entry.version !== version) {
      this.#items -= weight(entry.page);
      return undefined;
    }
    this.#entries.set(key, entry);
    return entry.page;
  }

  /** `version` must have been read before the page's rows were. */
  set(key: string, version: number, page: CredentialPage): void {
    const earlier = this.#entries.get(key);
    if (earlier) {
      this.#entries.delete(key);
      this.#items -= weight(earlier.page);
    }
    if (weight(page) > this.maxItems / 4) return;
    this.#entries.set(key, { version, page });
    this.#items += weight(page);
    for (const [oldest, entry] of this.#entries) {
      if (this.#items <= this.maxItems) break;
      this.#entries.delete(oldest);
      this.#items -= weight(entry.page);
    }
  }
}

/** At least 1: an empty page still takes an entry. */
const weight = (page: CredentialPage) => Math.max(page.items.length, 1);
