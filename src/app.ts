/**
 * The HTTP app: mounts GraphQL (its own plugin, with GraphiQL), the legacy REST
 * API (its own plugin) and its documentation, health, readiness and metrics.
 * What is shared by every request lives here: the request id, one log line and
 * the metrics of each request, the JSON body parser and the limiter of failed
 * authentications.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { TooManyFailedAuthentications } from './core/errors.js';
import { newId } from './core/ids.js';
import { graphqlPlugin } from './graphql/plugin.js';
import { API_DOCS_PATH, apiDocsPage, openApiDocsAsset } from './http/api-docs.js';
import { AuthFailureLimiter } from './http/auth-limiter.js';
import { errorHandler, notFoundHandler } from './http/error-replies.js';
import { GRAPHIQL_ASSETS_PATH, openGraphiqlAsset } from './http/graphiql.js';
import { openApiDocument } from './rest/openapi.js';
import { restPlugin } from './rest/routes.js';
import type { Services } from './services.js';

export interface AppOptions {
  services: Services;
  logger: Logger;
  config: Config;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set for GraphQL requests: the operation's name (or `anonymous`) and type. */
    graphqlOperation?: { operation: string; type: string };
  }
}

export async function buildApp({ services, logger, config }: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: config.bodyLimitBytes,
    genReqId: () => newId(),
    requestIdHeader: false,
    // Fastify's own per-request lines are replaced by one line of ours (onResponse below).
    logController: new LogController({ disableRequestLogging: true }),
  });

  // Every response carries the request's id (x-request-id), also in its log line.
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  // Repeated failed authentication from one client: 429 with Retry-After (in the shape of the door asked).
  const limiter = new AuthFailureLimiter(config.authFailuresPerMinute);
  app.addHook('onRequest', async (request) => {
    const wait = limiter.retryAfterSeconds(request.ip);
    if (wait > 0) throw new TooManyFailedAuthentications(wait);
  });
  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode === 401) limiter.recordFailure(request.ip);
  });

  // One log line and the metrics of each request.
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unknown';
    const graphql = request.graphqlOperation;
    services.metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000, graphql);
    request.log.info(
      {
        method: request.method,
        route,
        ...(graphql ? { graphqlOperation: graphql.operation, graphqlType: graphql.type } : {}),
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 100) / 100,
        ...(request.errorId ? { errorId: request.errorId } : {}),
      },
      'request',
    );
  });

  // JSON bodies; an empty body is no body (clients send Content-Type on DELETE and GET too).
  // Only JSON is accepted; anything else cannot be processed (the error handlers answer it).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    if (body === '') return done(null, undefined);
    try {
      done(null, JSON.parse(body as string));
    } catch (error) {
      // The parser's own message quotes the text around the fault (a password, a token): only its position is kept.
      const position = / at position (\d+)/.exec((error as Error).message)?.[1];
      const message = `Request body is not valid JSON${position ? ` (at position ${position})` : ''}`;
      done(Object.assign(new Error(message), { statusCode: 400, code: 'INVALID_JSON' }), undefined);
    }
  });

  await app.register(graphqlPlugin, { prefix: '/graphql', services, logger, config });
  if (config.graphiql) serveAssets(app, GRAPHIQL_ASSETS_PATH, openGraphiqlAsset);

  await app.register(restPlugin, { services, bodyLimitBytes: config.bodyLimitBytes });
  app.get('/api/openapi.json', async () => openApiDocument());
  app.get(API_DOCS_PATH, async (_request, reply) => reply.type('text/html; charset=utf-8').send(apiDocsPage()));
  serveAssets(app, `${API_DOCS_PATH}/assets`, openApiDocsAsset);

  // Operations: liveness, readiness (database reachable and migrated), Prometheus metrics.
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const problem = await services.readinessProblem();
    return problem ? reply.status(503).send({ status: 'unavailable', reason: problem }) : { status: 'ready' };
  });
  app.get('/metrics', async (_request, reply) =>
    reply.type(services.metrics.registry.contentType).send(await services.metrics.registry.metrics()),
  );

  app.setNotFoundHandler(notFoundHandler('message'));
  app.setErrorHandler(errorHandler('message', config.bodyLimitBytes));
  return app;
}

/** Serves the named files of an npm package's bundle under `path`; any other name is a 404. */
function serveAssets(app: FastifyInstance, path: string, open: (name: string) => { stream: NodeJS.ReadableStream; type: string } | undefined) {
  const notFound = notFoundHandler('message');
  app.get<{ Params: { name: string } }>(`${path}/:name`, (request: FastifyRequest<{ Params: { name: string } }>, reply: FastifyReply) => {
    const asset = open(request.params.name);
    if (!asset) return notFound(request, reply);
    return reply.header('content-type', asset.type).header('cache-control', 'public, max-age=86400').send(asset.stream);
  });
}
