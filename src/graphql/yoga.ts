/** Builds the GraphQL Yoga instance that serves /graphql. */
import { GraphQLError } from 'graphql';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Logger } from 'pino';
import { bearerToken } from '../auth/tokens.js';
import { DomainError, ValidationError } from '../credentials/errors.js';
import { newId } from '../credentials/ids.js';
import type { Services } from '../services.js';
import { renderGraphiQL } from '../http/graphiql.js';
import { notAuthenticatedError, type Context } from './builder.js';
import { schema } from './index.js';

export interface YogaOptions {
  services: Services;
  logger: Logger;
  graphiql: boolean;
}

export function createGraphQL({ services, logger, graphiql }: YogaOptions): YogaServerInstance<Record<string, unknown>, Context> {
  return createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    graphiql: graphiql && { title: 'Credentials service', defaultQuery: DEFAULT_QUERY },
    renderGraphiQL,
    landingPage: false,
    logging: false,
    context: async ({ request }) => {
      const token = bearerToken(request.headers.get('authorization'));
      if (token === undefined) {
        if (request.headers.get('authorization')) throw notAuthenticatedError('Malformed Authorization header: expected Bearer <token>');
        return { viewer: null, services };
      }
      const viewer = await services.tokens.authenticate(token);
      if (!viewer) throw notAuthenticatedError('Invalid or revoked access token');
      return { viewer, services };
    },
    maskedErrors: { maskError: (error) => maskError(error, logger) },
  });
}

const DEFAULT_QUERY = /* GraphQL */ `# Set the header {"Authorization": "Bearer <your token>"} below, then run:
query MyCredentials {
  viewer { name }
  credentials(first: 20) {
    edges { node { id name provider keys { __typename } dateCreated } }
    pageInfo { hasNextPage endCursor }
  }
}
`;

interface ErrorLike {
  message: string;
  name?: string;
  originalError?: unknown;
  extensions?: Record<string, unknown>;
  nodes?: GraphQLError['nodes'];
  path?: GraphQLError['path'];
}

/**
 * Domain errors keep their message and code; GraphQL's own errors (syntax,
 * validation, authentication) pass; anything else is an unexpected failure:
 * masked, with an error id that is also in the log line of the failure.
 */
function maskError(error: unknown, logger: Logger): Error {
  const outer = error as ErrorLike;
  let cause: unknown = outer.originalError;
  while ((cause as ErrorLike | undefined)?.originalError) cause = (cause as ErrorLike).originalError;
  const located = { nodes: outer.nodes, path: outer.path };
  if (cause instanceof DomainError) {
    return new GraphQLError(cause.message, {
      ...located,
      extensions: { code: cause.code, ...(cause instanceof ValidationError ? { fields: cause.problems } : {}) },
    });
  }
  // (GraphQLError is checked by name: graphql ships both CJS and ESM builds.)
  const isGraphQLError = (e: unknown) => (e as ErrorLike | undefined)?.name === 'GraphQLError';
  if (cause === undefined && isGraphQLError(outer)) return error as Error;
  if (isGraphQLError(cause)) return (typeof (cause as ErrorLike).extensions?.code === 'string' ? cause : error) as Error;
  const errorId = newId();
  logger.error({ errorId, err: cause ?? error }, 'unexpected GraphQL error');
  return new GraphQLError(`Unexpected error. Error ID: ${errorId}`, {
    ...located,
    extensions: { code: 'INTERNAL_SERVER_ERROR', errorId },
  });
}
