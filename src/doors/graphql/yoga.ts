/** Builds the GraphQL Yoga instance that serves /graphql. */

import { useGraphQlJit } from '@envelop/graphql-jit';
import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import type { FastifyRequest } from 'fastify';
import { type DocumentNode, type ExecutionArgs, type ExecutionResult, GraphQLError, type GraphQLSchema, getOperationAST, type ValidationRule } from 'graphql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { GraphQLLimits } from '../../infra/config/index.js';
import { renderGraphiQL } from '../http/graphiql.js';
import type { Services } from '../services.js';
import type { Context } from './builder.js';
import { maskError } from './errors.js';
import type { GraphQLFastPath, YogaPluginName } from './fast-path.js';
import { persistedOperationsPlugin, readPersistedOperations } from './persisted.js';
import { variableErrors, withoutValue } from './values.js';

export interface YogaOptions {
  schema: GraphQLSchema;
  services: Services;
  logger: Logger;
  graphiql: boolean;
  limits: GraphQLLimits;
  /** Told of each query Yoga executes (it keeps those it may answer itself). */
  fastPath?: GraphQLFastPath;
}

/** What the Fastify route hands Yoga with each request. */
interface ServerContext {
  fastifyRequest?: FastifyRequest;
}

export function createGraphQL({ schema, services, logger, graphiql, limits, fastPath }: YogaOptions): YogaServerInstance<ServerContext, Context> {
  const persisted = limits.persistedOperationsFile ? readPersistedOperations(limits.persistedOperationsFile) : undefined;
  // biome-ignore lint/suspicious/noExplicitAny: plugins of several context types, as createYoga takes them
  const plugins: Record<YogaPluginName, Plugin<any>[]> = {
    // First: a request by hash gets its document before anything reads it.
    persisted: persisted ? [persistedOperationsPlugin(persisted, limits.trustedOnly)] : [],
    operation: [operationPlugin(fastPath)],
    // Abuse limits, checked before execution.
    maxTokens: [maxTokensPlugin({ n: limits.maxTokens })],
    maxDepth: [maxDepthPlugin({ n: limits.maxDepth, ignoreIntrospection: true, flattenFragments: true })],
    maxAliases: [maxAliasesPlugin({ n: limits.maxAliases })],
    maxDirectives: [maxDirectivesPlugin({ n: limits.maxDirectives })],
    costLimit: [costLimitPlugin({ maxCost: limits.maxCost, ignoreIntrospection: true })],
    maxValidations: [maxFieldsPlugin('validateCredential', limits.maxValidations, 'each probes a provider; send the others in further requests')],
    // A browser cannot send a GET query without a header a form cannot set.
    csrf: [useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf', 'authorization'] })],
    fieldSuggestions: limits.fieldSuggestions ? [] : [blockFieldSuggestionsPlugin()],
    introspection: limits.introspection ? [] : [useDisableIntrospection()],
    // An operation sent again is compiled to JavaScript once and the compiled
    // form reused; a one-off (values inlined in the text) is interpreted, as
    // compiling costs more than running it once.
    // (Subscriptions are never compiled: graphql-jit's subscribe coerces the already coerced variables again,
    // and refuses every enum value.)
    // (Only a document of one operation: the plugin keeps one compiled form per document, whatever the
    // operationName — the second operation of a document would run the first.)
    jit: [useGraphQlJit({}, { enableIf: ({ document }) => seenBefore(document) && !hasSubscription(document) && operationCount(document) === 1 })],
  };
  return createYoga<ServerContext, Context>({
    schema,
    // Named, each accounted for by the fast path (fast-path.ts, YOGA_PLUGINS): a new one is a type error until it is.
    plugins: Object.values(plugins).flat(),
    graphqlEndpoint: '/graphql',
    // Cross-origin access is decided for the whole app (CORS_ORIGINS, @fastify/cors), never echoed by Yoga.
    cors: false,
    graphiql: graphiql && { title: 'Credentials service', defaultQuery: DEFAULT_QUERY },
    renderGraphiQL,
    landingPage: false,
    logging: false,
    // The caller was authenticated from the headers by the plugin, before the body was read.
    context: ({ fastifyRequest }) => ({ viewer: fastifyRequest?.viewer ?? null, services }),
    maskedErrors: { maskError: (error) => maskError(error, logger) },
  });
}

/**
 * At most `max` selections of the field `name` in a document, aliases and
 * fragments counted (a fragment spread twice is merged, so each definition
 * counts once): for fields whose every run is costly outside GraphQL.
 */
function maxFieldsPlugin(name: string, max: number, why: string): Plugin {
  const rule: ValidationRule = (context) => {
    let count = 0;
    return {
      Field(node) {
        if (node.name.value === name && ++count === max + 1) {
          context.reportError(new GraphQLError(`At most ${max} ${name} fields in one request (${why})`, { nodes: [node] }));
        }
      },
    };
  };
  return { onValidate: ({ addValidationRule }) => addValidationRule(rule) };
}

const operationCount = (document: DocumentNode): number => document.definitions.filter((d) => d.kind === 'OperationDefinition').length;

const hasSubscription = (document: DocumentNode): boolean =>
  document.definitions.some((d) => d.kind === 'OperationDefinition' && d.operation === 'subscription');

/** Documents are cached parsed by Yoga, so the same text is the same object. */
const executions = new WeakMap<DocumentNode, number>();
function seenBefore(document: DocumentNode): boolean {
  const count = (executions.get(document) ?? 0) + 1;
  if (count <= 2) executions.set(document, count);
  return count > 1;
}

/**
 * What both executions and subscriptions check first: the operation's name for
 * logs and metrics, and its variables; a query that passed is offered to the fast path.
 */
const beforeRunning =
  (fastPath: GraphQLFastPath | undefined) =>
  ({
    args,
    setResultAndStopExecution,
  }: {
    args: ExecutionArgs & { contextValue: Context & { fastifyRequest?: FastifyRequest } };
    setResultAndStopExecution: (result: ExecutionResult) => void;
  }) => {
    const request = args.contextValue.fastifyRequest;
    const operation = getOperationAST(args.document, args.operationName);
    if (request && operation) {
      request.graphqlOperation = { name: operation.name?.value ?? 'anonymous', type: operation.operation, authenticated: args.contextValue.viewer !== null };
    }
    // Variables are coerced by graphql-js itself, with all its rules (@oneOf
    // included), before the compiled operation (which has its own, laxer
    // coercion) runs: invalid variables answer errors (that never echo the
    // values sent) and run nothing.
    if (operation) {
      const errors = variableErrors(args.schema, operation.variableDefinitions ?? [], (args.variableValues ?? {}) as Record<string, unknown>);
      if (errors.length > 0) setResultAndStopExecution({ errors });
      else if (request) fastPath?.offer(request, args.document, operation, args.operationName);
    }
  };

const operationPlugin = (fastPath: GraphQLFastPath | undefined): Plugin<Context & { fastifyRequest?: FastifyRequest }> => ({
  onExecute: beforeRunning(fastPath) as never,
  onSubscribe: beforeRunning(undefined) as never,
  // Validation errors of values written in the document do not echo them either.
  onValidate() {
    return ({ result, setResult }) => {
      if (result.length > 0) setResult(result.map(withoutValue));
    };
  },
});

const DEFAULT_QUERY = /* GraphQL */ `# Your first query. Open "Headers" below and paste
#   {"Authorization": "Bearer <your token>"}
# (npm run cli -- tokens create <user> makes one), then press Run (Ctrl-Enter).
query MyCredentials {
  viewer { name }
  credentials(first: 20) {
    edges { node { id name provider keys { __typename } dateCreated } }
    pageInfo { hasNextPage endCursor }
  }
}
`;
