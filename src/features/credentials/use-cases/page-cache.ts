/**
 * Pages of credentials already built, per owner and query, each tagged with the
 * owner's credentialsVersion it was read at. A trigger bumps that version in the
 * statement of every change, and the version is read from the database for every
 * request, so a page is served only if nothing changed since it was read — from
 * this instance or any other. Bounded by the credentials it holds in all (a page
 * weighs its item count; least recently used pages are dropped first: lru-cache);
 * a page heavier than a quarter of the bound is not kept.
 */
import { LRUCache } from 'lru-cache';
import type { CredentialPage } from '../rules/view.js';

interface Entry {
  version: number;
  page: CredentialPage;
}

export class PageCache {
  readonly #entries: LRUCache<string, Entry>;

  constructor(maxItems: number) {
    // At least 1: an empty page still takes an entry.
    this.#entries = new LRUCache({ maxSize: maxItems, maxEntrySize: maxItems / 4, sizeCalculation: (entry) => Math.max(entry.page.items.length, 1) });
  }

  get(key: string, version: number): CredentialPage | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.version !== version) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.page;
  }

  /** `version` must have been read before the page's rows were. */
  set(key: string, version: number, page: CredentialPage): void {
    this.#entries.set(key, { version, page });
  }
}
