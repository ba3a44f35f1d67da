/**
 * The fast path of /graphql: a JSON POST of a query that Yoga has already run
 * (the same document text or persisted hash, the same operation name) is
 * answered from Fastify's parsed body by the operation compiled with
 * graphql-jit, without a WHATWG Request and Response, Yoga's pipeline and
 * envelop's hooks for each request.
 *
 * It serves only what Yoga accepted: an operation is kept here only after Yoga
 * parsed it, validated it (the schema's rules, the abuse limits, trusted
 * documents, introspection) and started to execute it, each of which depends
 * on the document and the operation name alone. What it checks per request
 * is what Yoga checks per request: the variables (graphql-js's own coercion,
 * answers that never echo values), the caller (from the headers, as for every
 * request). Anything else — GET, other bodies or extensions, mutations,
 * subscriptions, an Accept header Yoga has not answered as JSON, invalid
 * variables — goes to Yoga, which answers as it always does; a result with
 * errors is masked and framed by Yoga's own result processor.
 *
 * Bounded: at most KEPT operations (least recently used dropped), keys of at
 * most MAX_KEY_LENGTH characters, at most ACCEPTS_KEPT Accept values learnt.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DocumentNode, ExecutionResult, GraphQLSchema, OperationDefinitionNode, VariableDefinitionNode } from 'graphql';
import { type CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';
import { processRegularResult } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import type { Services } from '../services.js';
import type { Context } from './builder.js';
import { maskError } from './errors.js';
import { variableErrors } from './values.js';

/**
 * Every plugin of Yoga's (yoga.ts), and how the fast path accounts for it. A
 * plugin added there must be added here (its list is typed by these names):
 * what it does either depends only on the document and the operation name, so
 * that a query Yoga accepted once is accepted again, or the fast path does the
 * same per request, or the fast path must not serve.
 */
export const YOGA_PLUGINS = {
  persisted: 'the persisted hash is part of the key: a query by hash is served only after Yoga resolved and ran it',
  operation: 'tells the fast path which queries Yoga executed (offer): the only way in',
  maxTokens: 'validation: the document alone',
  maxDepth: 'validation: the document alone',
  maxAliases: 'validation: the document alone',
  maxDirectives: 'validation: the document alone',
  costLimit: 'validation: the document and its literal arguments alone',
  maxValidations: 'validation: the document alone (mutations are never served here)',
  csrf: 'a GET without the header is refused by Yoga; the fast path serves POST with a JSON body only',
  fieldSuggestions: 'validation: the document alone',
  introspection: 'validation: the document alone',
  jit: 'the same compiler (graphql-jit) and the same result processing',
} as const;
export type YogaPluginName = keyof typeof YOGA_PLUGINS;

const KEPT = 500;
const MAX_KEY_LENGTH = 16_384;
const ACCEPTS_KEPT = 64;
const MAX_ACCEPT_LENGTH = 256;
const JSON_MEDIA_TYPES = new Set(['application/json', 'application/graphql-response+json']);

interface Operation {
  compiled: CompiledQuery;
  name: string;
  variables: readonly VariableDefinitionNode[];
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The body's key for the fast path (undefined: it cannot take it). */
    graphqlKey?: string;
  }
}

export class GraphQLFastPath {
  /** Operations Yoga started to execute once: the second time, they are compiled and kept. */
  readonly #seen = new LRUCache<string, true>({ max: KEPT * 2 });
  readonly #operations = new LRUCache<string, Operation>({ max: KEPT });
  /** Accept header → the media type Yoga answered a query with (one of the two JSON ones). */
  readonly #accepts = new LRUCache<string, string>({ max: ACCEPTS_KEPT });

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly services: Services,
    private readonly logger: Logger,
    /** Told of each answer given here (a metric: how many Yoga did not have to give). */
    private readonly onServed: () => void = () => {},
  ) {}

  /**
   * Answers the request if it can (true); false: Yoga must. Sets
   * `request.graphqlKey` for `offer` when the body could take the fast path.
   */
  async serve(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    if (request.method !== 'POST') return false;
    const key = keyOf(request.body);
    if (key === undefined) return false;
    request.graphqlKey = key;
    const operation = this.#operations.get(key);
    const accept = request.headers.accept ?? '';
    const mediaType = this.#accepts.get(accept);
    if (!operation || !mediaType) return false;
    const body = request.body as { variables?: Record<string, unknown> | null };
    const variables = body.variables ?? {};
    // Invalid variables: Yoga answers them (its status codes, its messages).
    if (variableErrors(this.schema, operation.variables, variables).length > 0) return false;
    const viewer = request.viewer ?? null;
    request.graphqlOperation = { name: operation.name, type: 'query', authenticated: viewer !== null };
    const context: Context & { fastifyRequest: FastifyRequest } = { viewer, services: this.services, fastifyRequest: request };
    const result = (await operation.compiled.query(undefined, context, variables)) as ExecutionResult;
    if (!result.errors?.length && result.extensions === undefined) {
      reply.status(200).header('content-type', `${mediaType}; charset=utf-8`).send(JSON.stringify(result));
      this.onServed();
      return true;
    }
    // Errors: masked as Yoga masks them, the status and body as Yoga's processor makes them.
    const masked = { ...result, ...(result.errors ? { errors: result.errors.map((error) => maskError(error, this.logger)) } : {}) } as ExecutionResult;
    const response = await processRegularResult(masked, { Response } as never, mediaType);
    response.headers.forEach((value, name) => void reply.header(name, value));
    reply.status(response.status).send(await response.text());
    this.onServed();
    return true;
  }

  /**
   * Yoga is executing `document` for a request whose body had a key: a query
   * (not a mutation, not a subscription) is kept, compiled, the second time.
   */
  offer(request: FastifyRequest, document: DocumentNode, operation: OperationDefinitionNode, operationName: string | null | undefined): void {
    const key = request.graphqlKey;
    if (key === undefined || operation.operation !== 'query' || this.#operations.has(key)) return;
    if (!this.#seen.get(key)) {
      this.#seen.set(key, true);
      return;
    }
    const compiled = compileQuery(this.schema, document, operationName ?? undefined, {});
    if (!isCompiledQuery(compiled)) return;
    this.#operations.set(key, { compiled, name: operation.name?.value ?? 'anonymous', variables: operation.variableDefinitions ?? [] });
  }

  /** Yoga answered a request of a kept operation's body: how it framed it for this Accept header. */
  answered(request: FastifyRequest, contentType: string | null): void {
    if (request.graphqlKey === undefined || request.graphqlOperation?.type !== 'query') return;
    const accept = request.headers.accept ?? '';
    const mediaType = contentType?.split(';')[0]?.trim() ?? '';
    if (accept.length <= MAX_ACCEPT_LENGTH && JSON_MEDIA_TYPES.has(mediaType) && contentType === `${mediaType}; charset=utf-8`) {
      this.#accepts.set(accept, mediaType);
    }
  }
}

/**
 * The key of a body the fast path can take: `{query, operationName?, variables?}`
 * or a persisted operation's `{extensions: {persistedQuery: {version: 1, sha256Hash}}, …}`;
 * undefined for anything else (Yoga answers it).
 */
function keyOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const { query, operationName, variables, extensions, ...rest } = body as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return undefined;
  if (operationName != null && typeof operationName !== 'string') return undefined;
  if (variables != null && (typeof variables !== 'object' || Array.isArray(variables))) return undefined;
  let key: string;
  if (extensions == null) {
    if (typeof query !== 'string') return undefined;
    key = JSON.stringify(['q', operationName ?? null, query]);
  } else {
    if (query !== undefined || typeof extensions !== 'object' || Array.isArray(extensions)) return undefined;
    const { persistedQuery, ...others } = extensions as Record<string, unknown>;
    if (Object.keys(others).length > 0 || typeof persistedQuery !== 'object' || persistedQuery === null) return undefined;
    const { version, sha256Hash, ...more } = persistedQuery as Record<string, unknown>;
    if (version !== 1 || typeof sha256Hash !== 'string' || Object.keys(more).length > 0) return undefined;
    key = JSON.stringify(['h', operationName ?? null, sha256Hash]);
  }
  return key.length <= MAX_KEY_LENGTH ? key : undefined;
}
