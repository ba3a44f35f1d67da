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
    maskedErrors: {
      maskError: (error) => {
        const original = error instanceof GraphQLError ? error.originalError : error;
        if (original instanceof DomainError) {
          return new GraphQLError(original.message, {
            ...(error instanceof GraphQLError ? { nodes: error.nodes, path: error.path } : {}),
            extensions: {
              code: original.code,
              ...(original instanceof ValidationError ? { fields: original.problems } : {}),
            },
          });
        }
        if (error instanceof GraphQLError && !(original && !(original instanceof GraphQLError))) return error;
        const errorId = newId();
        logger.error({ errorId, err: original ?? error }, 'unexpected GraphQL error');
        return new GraphQLError(`Unexpected error. Error ID: ${errorId}`, {
          ...(error instanceof GraphQLError ? { nodes: error.nodes, path: error.path } : {}),
          extensions: { code: 'INTERNAL_SERVER_ERROR', errorId },
        });
      },
    },
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
