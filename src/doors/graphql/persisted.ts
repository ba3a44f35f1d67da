/**
 * Persisted operations ("trusted documents"): the documents a first-party app
 * sends, published ahead as `{"<sha256 of the text>": "<document>"}` (an app's
 * persisted-operations.json) and run by their hash. With
 * GRAPHQL_TRUSTED_DOCUMENTS=only the server runs these and nothing else: no
 * arbitrary document (GraphiQL and introspection included) reaches execution.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { parse } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Reads and checks a manifest: every key the sha256 (hex) of its document, every document parseable. */
export function readPersistedOperations(file: string): ReadonlyMap<string, string> {
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`GRAPHQL_PERSISTED_OPERATIONS: ${file} cannot be read as JSON: ${(error as Error).message}`);
  }
  if (!manifest || typeof manifest !== 'object' || Array.isArray(manifest))
    throw new Error(`GRAPHQL_PERSISTED_OPERATIONS: ${file} is not a JSON object of hash → document`);
  const operations = new Map<string, string>();
  for (const [hash, document] of Object.entries(manifest)) {
    if (typeof document !== 'string') throw new Error(`GRAPHQL_PERSISTED_OPERATIONS: the entry ${hash} of ${file} is not a document`);
    if (createHash('sha256').update(document).digest('hex') !== hash) {
      throw new Error(`GRAPHQL_PERSISTED_OPERATIONS: the entry ${hash} of ${file} is not the sha256 of its document`);
    }
    parse(document); // a syntax error stops the start, not a client's request
    operations.set(hash, document);
  }
  return operations;
}

export function persistedOperationsPlugin(operations: ReadonlyMap<string, string>, trustedOnly: boolean): Plugin {
  return usePersistedOperations({
    getPersistedOperation: (hash) => operations.get(hash) ?? null,
    allowArbitraryOperations: !trustedOnly,
    customErrors: {
      persistedQueryOnly: {
        message: 'Only trusted documents run here: send the sha256 of a persisted operation (extensions.persistedQuery.sha256Hash)',
        extensions: { code: 'PERSISTED_QUERY_ONLY' },
      },
      notFound: { message: 'No persisted operation with this hash', extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST' } },
    },
  });
}
