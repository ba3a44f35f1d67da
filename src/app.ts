/** The HTTP app: mounts GraphQL (with GraphiQL), the legacy REST API and its documentation. */
import Fastify, {
  LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { newId } from './credentials/ids.js';
import { createGraphQL } from './graphql/yoga.js';
import { API_DOCS_PATH, apiDocsPage, openApiDocsAsset } from './http/api-docs.js';
import { GRAPHIQL_ASSETS_PATH, openGraphiqlAsset } from './http/graphiql.js';
import { openApiDocument } from './rest/openapi.js';
import { registerRestRoutes } from './rest/routes.js';
import type { Config } from './config.js';
import { readMigrations } from './db/migrate.js';
import { prismaFiles, providerOf } from './db/paths.js';
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
    /** Set for GraphQL requests: the operation's name (or `anonymous`) and type. */
    graphqlOperation?: { operation: string; type: string };
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
    // Fastify's own per-request lines are replaced by one line of ours (onResponse below).
    logController: new LogController({ disableRequestLogging: true }),
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
      const response = await yoga.handleNodeRequestAndResponse(request, reply, { fastifyRequest: request });
      response.headers.forEach((value, key) => void reply.header(key, value));
      reply.status(response.status);
      // A single JSON (or HTML) answer is sent whole; only event streams are piped.
      const streaming = /^(text\/event-stream|multipart\/)/.test(response.headers.get('content-type') ?? '');
      return reply.send(streaming ? response.body : await response.text());
    },
  });
  if (graphiql) serveAssets(app, GRAPHIQL_ASSETS_PATH, openGraphiqlAsset);

  registerRestRoutes(app, services);
  app.get('/api/openapi.json', async () => openApiDocument());
  app.get(API_DOCS_PATH, async (_request, reply) => reply.type('text/html; charset=utf-8').send(apiDocsPage()));
  serveAssets(app, `${API_DOCS_PATH}/assets`, openApiDocsAsset);

  // Operations: liveness, readiness (database reachable and migrated), Prometheus metrics.
  app.get('/healthz', async () => ({ status: 'ok' }));
  const committedMigrations = readMigrations(prismaFiles(providerOf(config.databaseUrl)).migrationsDir).migrationDirectories.map((d) => d.path);
  app.get('/readyz', async (_request, reply) => {
    const problem = await readinessProblem(services, committedMigrations);
    return problem ? reply.status(503).send({ status: 'unavailable', reason: problem }) : { status: 'ready' };
  });
  app.get('/metrics', async (_request, reply) =>
    reply.type(services.metrics.registry.contentType).send(await services.metrics.registry.metrics()),
  );

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

/** Serves the named files of an npm package's bundle under `path`; any other name is a 404. */
function serveAssets(app: FastifyInstance, path: string, open: (name: string) => { stream: NodeJS.ReadableStream; type: string } | undefined) {
  app.get<{ Params: { name: string } }>(`${path}/:name`, (request, reply) => {
    const asset = open(request.params.name);
    if (!asset) return notFound(request, reply);
    return reply.header('content-type', asset.type).header('cache-control', 'public, max-age=86400').send(asset.stream);
  });
}


/** Why the service cannot serve now, or undefined when it can. */
async function readinessProblem(services: Services, committed: string[]): Promise<string | undefined> {
  try {
    const rows = await services.db.$queryRawUnsafe<{ name: string }[]>(
      'SELECT migration_name AS name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    );
    const applied = new Set(rows.map((r) => r.name));
    const missing = committed.filter((m) => !applied.has(m));
    return missing.length > 0 ? `database lacks migrations: ${missing.join(', ')}` : undefined;
  } catch (error) {
    return `database unreachable: ${(error as Error).message.split('\n')[0]}`;
  }
}

/** GraphQL clients expect `{errors:[…]}`, REST clients `{message}`. */
function errorBody(graphql: boolean, message: string): unknown {
  return graphql ? { errors: [{ message }] } : { message };
}

function notFound(request: FastifyRequest, reply: FastifyReply) {
  const message = `Not found: ${request.method} ${request.url.split('?')[0]}`;
  return reply.status(404).send(errorBody(request.url.startsWith('/graphql'), message));
}
