/**
 * A small typed client: sends a gql.tada document (its printed text, or only its hash when the server
 * knows it as a persisted operation) and returns the typed `data`. GraphQL errors (not typed results:
 * authentication, limits, a refused document) are thrown.
 */
import { createHash } from 'node:crypto';
import type { TadaDocumentNode } from 'gql.tada';
import { print } from 'graphql';

export interface ClientOptions {
  /** `http://localhost:8080/graphql` */
  url: string;
  /** An access token (`npm run cli -- tokens create <user>`). */
  token: string;
  /** Send the operation's sha256 only (the server must have it: GRAPHQL_PERSISTED_OPERATIONS). */
  persisted?: boolean;
}

export class GraphQLRequestError extends Error {
  constructor(
    readonly status: number,
    readonly errors: { message: string; extensions?: { code?: string } }[],
  ) {
    super(errors.map((e) => e.message).join('; ') || `HTTP ${status}`);
  }
}

/** The text of a document as it is persisted and hashed. */
export const documentText = (document: TadaDocumentNode<unknown, never>) => print(document);
export const documentHash = (document: TadaDocumentNode<unknown, never>) => createHash('sha256').update(documentText(document)).digest('hex');

export function createClient(options: ClientOptions) {
  return async function execute<Result, Variables>(document: TadaDocumentNode<Result, Variables>, variables: Variables): Promise<Result> {
    const doc = document as unknown as TadaDocumentNode<unknown, never>;
    const body = options.persisted
      ? { variables, extensions: { persistedQuery: { version: 1, sha256Hash: documentHash(doc) } } }
      : { query: documentText(doc), variables };
    const response = await fetch(options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
      body: JSON.stringify(body),
    });
    const result = (await response.json()) as { data?: Result; errors?: GraphQLRequestError['errors'] };
    if (result.errors?.length || !result.data) throw new GraphQLRequestError(response.status, result.errors ?? []);
    return result.data;
  };
}
