/**
 * GraphQL as a Fastify plugin of its own, mounted at /graphql: the Yoga
 * instance serves it, and failures outside Yoga (a body that is not JSON or is
 * too large, throttling, an unknown path below /graphql) answer in GraphQL's
 * shape through this plugin's own error and not-found handlers.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import type { Viewer } from '../../core/caller.js';
import type { Config } from '../../infra/config/index.js';
import type { RequestAuthenticator } from '../http/authentication.js';
import { errorHandler, notFoundHandler } from '../http/error-replies.js';
import type { Services } from '../services.js';
import { sendEventStream } from './event-stream.js';
import { GraphQLFastPath } from './fast-path.js';
import { createGraphQL } from './yoga.js';

export interface GraphQLPluginOptions {
  /** The schema every feature's GraphQL door adds to (src/wiring/graphql-schema.ts). */
  schema: GraphQLSchema;
  services: Services;
  /** On shutdown, before the server waits for requests: ends what lives long (subscriptions). */
  onClose?: () => void;
  /** A subscription was cut off for leaving too many events unread. */
  onSubscriptionCut?: () => void;
  /** A query was answered by the fast path. */
  onFastPath?: () => void;
  authenticator: RequestAuthenticator;
  logger: Logger;
  config: Config;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller of a GraphQL request, from its headers (null: none; introspection needs no token). */
    viewer?: Viewer | null;
  }
}

const GRAPHIQL_OFF = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>GraphiQL is off</title><link rel="icon" href="data:,"></head>
<body><h1>GraphiQL is off here</h1>
<p>This service's GraphQL API answers <code>POST /graphql</code> with <code>Authorization: Bearer &lt;token&gt;</code>.
GraphiQL, the page to try it in a browser, is off (in production it is off unless the operator turns it on:
<code>GRAPHIQL=true</code>, and <code>GRAPHQL_INTROSPECTION=true</code> for its schema explorer).</p>
<p><a href="/">The service's page</a> · <a href="/api/docs">REST API reference</a></p></body></html>
`;

export const graphqlPlugin: FastifyPluginAsync<GraphQLPluginOptions> = async (
  app,
  { schema, services, authenticator, logger, config, onClose, onSubscriptionCut, onFastPath },
) => {
  const fastPath = new GraphQLFastPath(schema, services, logger, onFastPath);
  const yoga = createGraphQL({ schema, services, logger, graphiql: config.graphiql, limits: config.graphql, fastPath });
  app.setErrorHandler(errorHandler('graphql', config.bodyLimitBytes));
  app.setNotFoundHandler(notFoundHandler('graphql'));
  // On shutdown, live subscriptions end first (each client gets a clean `complete`): the server then waits only for
  // requests. A stream's connection turns idle once its last event is written, after the server's one sweep of idle
  // connections: swept again until the server has closed, not kept open to the grace period's end.
  app.addHook('preClose', (done) => {
    onClose?.();
    const sweep = setInterval(() => app.server.closeIdleConnections(), 20).unref();
    app.server.once('close', () => clearInterval(sweep));
    done();
  });
  // A token is checked from the headers, before any body is read: a bad one is answered at once.
  app.addHook('onRequest', async (request) => {
    request.viewer = await authenticator.viewerOf(request, { session: true });
  });
  app.route({
    url: '',
    method: ['GET', 'POST', 'OPTIONS'],
    handler: async (request, reply) => {
      // A browser opening /graphql where GraphiQL is off (production's default) is told how to turn it on.
      if (!config.graphiql && request.method === 'GET' && !(request.query as { query?: unknown }).query && /text\/html/.test(request.headers.accept ?? '')) {
        return reply.status(406).type('text/html; charset=utf-8').send(GRAPHIQL_OFF);
      }
      if (await fastPath.serve(request, reply)) return reply;
      const response = await yoga.handleNodeRequestAndResponse(request, reply, { fastifyRequest: request });
      const type = response.headers.get('content-type') ?? '';
      fastPath.answered(request, type);
      // A live subscription's events go out as they come, cut off when its client leaves too many unread.
      if (type.startsWith('text/event-stream')) {
        sendEventStream(reply, response, config.events.subscriptionBacklogBytes, () => onSubscriptionCut?.());
        return reply;
      }
      response.headers.forEach((value, key) => void reply.header(key, value));
      reply.status(response.status);
      // A single JSON (or HTML) answer is sent whole; a multipart one (incremental delivery) is piped.
      return reply.send(type.startsWith('multipart/') ? response.body : await response.text());
    },
  });
};
