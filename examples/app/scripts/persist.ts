/**
 * Writes persisted-operations.json: every operation of the app, by the sha256 of its printed text (what the
 * client sends as extensions.persistedQuery.sha256Hash). A server started with
 * GRAPHQL_PERSISTED_OPERATIONS=<this file> knows them; with GRAPHQL_TRUSTED_DOCUMENTS=only it runs nothing else.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { documentHash, documentText } from '../src/client.js';
import { operations } from '../src/operations.js';

export const MANIFEST = join(import.meta.dirname, '..', 'persisted-operations.json');

export function manifest(): string {
  const entries = Object.values(operations).map((doc) => [documentHash(doc as never), documentText(doc as never)] as const);
  return `${JSON.stringify(Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b))), null, 2)}\n`;
}

if (process.argv[1] === import.meta.filename) {
  writeFileSync(MANIFEST, manifest());
  console.log(`wrote ${MANIFEST}`);
}
