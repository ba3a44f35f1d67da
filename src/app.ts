/** The HTTP app: mounts GraphQL (with GraphiQL), the legacy REST API and its documentation. */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { newId } from './credentials/ids.js';
import { createGraphQL } from './graphql/yoga.js';
import { API_DOCS_PATH, apiDocsPage, openApiDocsAsset } from './http/api-docs.js';
import { GRAPHIQL_ASSETS_PATH, openGraphiqlAsset } from './http/graphiql.js';
import { openApiDocument } from './rest/openapi.js';
import { registerRestRoutes } from './rest/routes.js';
import type { Config } from './config.js';
import { AuthFailureLimiter } from './http/auth-limiter.js';
import type { Services } from './services.js';

export interface AppOptions {
  services: Services;
  logger: Logger;
  config: Config;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when the request failed unexpectedly: the id shown to the client and logged. */
    errorId?: string;
  }
}

/** The seed API's answer to a request it cannot process. */
export const oops = (errorId: string) => `Oops... Unable to process request - Error ID: ${errorId}`;

export async function buildApp({ services, logger, config }: AppOptions): Promise<FastifyInstance> {
  const { bodyLimitBytes, graphiql } = config;
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: bodyLimitBytes,
    genReqId: () => newId(),
    requestIdHeader: false,
    disableRequestLogging: true,
  });

  // One log line per request, with its id (echoed as x-request-id) and, after a failure, the error id.
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  // Repeated failed authentication from one client: 429 with Retry-After.
  const limiter = new AuthFailureLimiter(config.authFailuresPerMinute);
  app.addHook('onRequest', async (request, reply) => {
    const wait = limiter.retryAfterSeconds(request.ip);
    if (wait > 0) {
      const message = `Too many failed authentications: retry after ${wait} seconds`;
      return reply
        .status(429)
        .header('retry-after', String(wait))
        .send(request.url.startsWith('/graphql') ? { errors: [{ message }] } : { message });
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode === 401) limiter.recordFailure(request.ip);
  });

  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unknown',
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 100) / 100,
        ...(request.errorId ? { errorId: request.errorId } : {}),
      },
      'request',
    );
  });

  // JSON bodies; an empty body is no body (clients send Content-Type on DELETE and GET too).
  // Only JSON is accepted; anything else cannot be processed (the error handler answers it).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    if (body === '') return done(null, undefined);
    try {
      done(null, JSON.parse(body as string));
    } catch (error) {
      done(Object.assign(new Error(`Request body is not valid JSON: ${(error as Error).message}`), { statusCode: 400, code: 'INVALID_JSON' }), undefined);
    }
  });

  const yoga = createGraphQL({ services, logger, graphiql, limits: config.graphql });
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

  registerRestRoutes(app, services);
  app.get('/api/openapi.json', async () => openApiDocument());
  app.get(API_DOCS_PATH, async (_request, reply) => reply.type('text/html; charset=utf-8').send(apiDocsPage()));
  app.get<{ Params: { name: string } }>(`${API_DOCS_PATH}/assets/:name`, (request, reply) => {
    const asset = openApiDocsAsset(request.params.name);
    if (!asset) return notFound(request, reply);
    return reply.header('content-type', asset.type).header('cache-control', 'public, max-age=86400').send(asset.stream);
  });

  app.setNotFoundHandler(notFound);

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    const status = error.statusCode ?? 500;
    const graphql = request.url.startsWith('/graphql');
    if (status === 413) {
      return reply.status(413).send(errorBody(graphql, `Request body is larger than ${bodyLimitBytes} bytes`));
    }
    if (status >= 500) {
      request.errorId = newId();
      request.log.error({ errorId: request.errorId, err: error }, 'unexpected error');
      return reply.status(500).send(errorBody(graphql, oops(request.errorId)));
    }
    if (graphql) return reply.status(status).send(errorBody(true, error.message));
    // REST: a request that cannot be processed (not JSON, wrong media type…) gets the seed's answer.
    request.errorId = newId();
    request.log.warn({ errorId: request.errorId, reason: error.message }, 'request cannot be processed');
    return reply.status(400).send({ message: oops(request.errorId) });
  });

  return app;
}

/** GraphQL clients expect `{errors:[…]}`, REST clients `{message}`. */
function errorBody(graphql: boolean, message: string): unknown {
  return graphql ? { errors: [{ message }] } : { message };
}

function notFound(request: FastifyRequest, reply: FastifyReply) {
  const message = `Not found: ${request.method} ${request.url.split('?')[0]}`;
  return reply.status(404).send(errorBody(request.url.startsWith('/graphql'), message));
}
