/** The HTTP app: mounts GraphQL (with GraphiQL) and, later, REST, health and metrics. */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { newId } from './credentials/ids.js';
import { createGraphQL } from './graphql/yoga.js';
import { GRAPHIQL_ASSETS_PATH, openGraphiqlAsset } from './http/graphiql.js';
import type { Services } from './services.js';

export interface AppOptions {
  services: Services;
  logger: Logger;
  bodyLimitBytes: number;
  graphiql: boolean;
}

export async function buildApp({ services, logger, bodyLimitBytes, graphiql }: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: bodyLimitBytes,
    genReqId: () => newId(),
    requestIdHeader: false,
  });

  const yoga = createGraphQL({ services, logger, graphiql });

  app.route({
    url: '/graphql',
    method: ['GET', 'POST', 'OPTIONS'],
    handler: async (request, reply) => {
      const response = await yoga.handleNodeRequestAndResponse(request, reply, {});
      response.headers.forEach((value, key) => void reply.header(key, value));
      reply.status(response.status);
      reply.send(response.body);
      return reply;
    },
  });

  if (graphiql) {
    app.get<{ Params: { name: string } }>(`${GRAPHIQL_ASSETS_PATH}/:name`, (request, reply) => {
      const asset = openGraphiqlAsset(request.params.name);
      if (!asset) return notFound(request, reply);
      return reply.header('content-type', asset.type).header('cache-control', 'public, max-age=86400').send(asset.stream);
    });
  }

  app.setNotFoundHandler(notFound);

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      const errorId = newId();
      request.log.error({ errorId, err: error }, 'unexpected error');
      return reply.status(500).send(errorBody(request, `Oops... Unable to process request - Error ID: ${errorId}`));
    }
    const message =
      error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? `Request body is larger than ${bodyLimitBytes} bytes`
        : error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? `Unsupported Content-Type '${request.headers['content-type'] ?? ''}': send application/json`
          : error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
            ? `Request body is not valid JSON: ${error.message}`
            : error.message;
    return reply.status(status).send(errorBody(request, message));
  });

  return app;
}

/** GraphQL clients expect `{errors:[…]}`, REST clients `{message}`. */
function errorBody(request: FastifyRequest, message: string): unknown {
  return request.url.startsWith('/graphql') ? { errors: [{ message }] } : { message };
}

function notFound(request: FastifyRequest, reply: FastifyReply) {
  return reply.status(404).send(errorBody(request, `Not found: ${request.method} ${request.url.split('?')[0]}`));
}
