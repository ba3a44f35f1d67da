/**
 * The HTTP app: mounts GraphQL (its own plugin, with GraphiQL), the legacy REST
 * API (its own plugin) and its documentation, health, readiness and metrics.
 * What is shared by every request lives here: the request id, one log line and
 * the metrics of each request, the JSON body parser and the limiter of failed
 * authentications.
 */

import { constants as zlibConstants } from 'node:zlib';
import compress from '@fastify/compress';
import cors from '@fastify/cors';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import { NotAnsweredInTime } from './core/errors.js';
import { newId } from './core/ids.js';
import { graphqlPlugin } from './doors/graphql/plugin.js';
import { API_DOCS_PATH, apiDocsAssets, apiDocsPage } from './doors/http/api-docs.js';
import { AuthFailureLimiter } from './doors/http/auth-limiter.js';
import { RequestAuthenticator } from './doors/http/authentication.js';
import { errorHandler, notFoundHandler } from './doors/http/error-replies.js';
import { graphiqlAssets } from './doors/http/graphiql.js';
import { registerMetricsRoute } from './doors/http/metrics-endpoint.js';
import { securityHeaders } from './doors/http/security-headers.js';
import { openApiDocument } from './doors/rest/openapi.js';
import { restPlugin } from './doors/rest/plugin.js';
import { registerOidcIssuer } from './features/delivery/doors/http/oidc-issuer.js';
import { registerSignIn } from './features/sign-in/doors/http/sign-in.js';
import type { Config } from './infra/config/index.js';
import type { GraphQLOperation } from './infra/metrics.js';
import { schema } from './wiring/graphql-schema.js';
import { REST_COMPONENTS, REST_ROUTES } from './wiring/rest-api.js';
import type { Services } from './wiring/services.js';

export interface AppOptions {
  services: Services;
  logger: Logger;
  config: Config;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set for GraphQL requests: the operation's name (or `anonymous`), type, and whether its caller was authenticated. */
    graphqlOperation?: GraphQLOperation;
  }
}

/** Longest client-chosen name written to a log line. */
const LOGGED_NAME_LENGTH = 64;

export async function buildApp({ services, logger, config }: AppOptions): Promise<FastifyInstance> {
  const { http } = config;
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: config.bodyLimitBytes,
    genReqId: () => newId(),
    requestIdHeader: false,
    // Fastify's own per-request lines are replaced by one line of ours (onResponse below).
    logController: new LogController({ disableRequestLogging: true }),
    // X-Forwarded-For is believed only from the proxies TRUST_PROXY names.
    trustProxy: typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
    // Slow clients cannot hold connections: the whole request (headers and body) must arrive in time,
    // the answer is given in time (else 503), idle kept-alive connections close, silent ones are cut.
    requestTimeout: http.bodyTimeoutMs,
    keepAliveTimeout: http.keepAliveTimeoutMs,
    connectionTimeout: http.bodyTimeoutMs + http.requestTimeoutMs,
    // Node checks those deadlines every 30 s by default: a 10 s deadline could last 40 s.
    http: { headersTimeout: http.bodyTimeoutMs, connectionsCheckingInterval: 1000 },
  });
  // At most this many connections at once: the rest are refused until some close (file handles stay free).
  app.server.maxConnections = http.maxConnections;

  // Every answer carries the request's id (x-request-id, also in its log line), the security headers
  // (computed once: src/doors/http/security-headers.ts) and `cache-control: no-store` (API answers are never
  // cached; the assets set their own). A request not answered in time gets 503. (Fastify's own
  // handlerTimeout is cleared as soon as a request's body has been read, fastify/fastify#6725, so it
  // never applies to POST and PUT.) One synchronous hook: each hook costs every request.
  const headers = { ...securityHeaders(), 'cache-control': 'no-store' };
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(headers).header('x-request-id', request.id);
    const timer = setTimeout(() => {
      if (!reply.sent && !reply.raw.headersSent) reply.send(new NotAnsweredInTime());
    }, http.requestTimeoutMs);
    reply.raw.once('close', () => clearTimeout(timer));
    done();
  });

  // Answers of more than 1 KB compressed for clients that accept it (Brotli at a fast level, or gzip): a
  // GraphiQL schema load is 120 KB raw, 10 KB compressed. (No answer holds a secret in the clear to guess at:
  // keys leave only as JWE ciphertext.) The pages' files are compressed once, ahead (src/doors/http/assets.ts; in a release, by the build).
  await app.register(compress, {
    global: true,
    threshold: 1024,
    encodings: ['br', 'gzip'],
    // Request bodies are taken as sent: a compressed body is no JSON (and no decompression bomb).
    globalDecompression: false,
    brotliOptions: { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 4 } },
  });

  // Browsers may call the API only from the origins CORS_ORIGINS lists (none by default). Tokens travel in
  // the Authorization header, never in cookies: no credentials mode.
  if (config.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: config.corsOrigins,
      methods: ['GET', 'POST', 'PUT', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'x-graphql-yoga-csrf'],
      exposedHeaders: ['x-request-id', 'retry-after'],
      credentials: false,
      maxAge: 600,
    });
  }

  // Tokens are checked from the headers, before bodies are read; failed attempts are counted per client.
  const authenticator = new RequestAuthenticator(services.tokens, new AuthFailureLimiter(config.authFailuresPerMinute), services.signIn);
  // Cookies (the browser session) are read for the landing page, sign-in and GraphQL only: registered before them.
  await registerSignIn(app, services, config.publicUrl);

  // One log line and the metrics of each request.
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unknown';
    const graphql = request.graphqlOperation;
    services.metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000, graphql);
    request.log.info(
      {
        method: request.method,
        route,
        ...(graphql ? { graphqlOperation: graphql.name.slice(0, LOGGED_NAME_LENGTH), graphqlType: graphql.type } : {}),
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 100) / 100,
        ...(request.errorId ? { errorId: request.errorId } : {}),
      },
      'request',
    );
    done();
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
      // The grammar's words are kept when they quote nothing of the body ("Expected ',' or ']' after array element").
      const reason = (error as Error).message;
      const at = /^(.*?) in JSON at position (\d+)/.exec(reason);
      const words = at && !/^Unexpected token|"/.test(at[1]!) ? `: ${at[1]!.slice(0, 80)}` : '';
      const where = at ? ` (at position ${at[2]})` : /end of JSON input/.test(reason) ? ' (it ends before the JSON is complete)' : '';
      const message = `Request body is not valid JSON${words}${where}`;
      done(Object.assign(new Error(message), { statusCode: 400, code: 'INVALID_JSON' }), undefined);
    }
  });

  await app.register(graphqlPlugin, {
    prefix: '/graphql',
    schema,
    services,
    authenticator,
    logger,
    config,
    onClose: () => services.live.close(),
    onSubscriptionCut: () => services.metrics.subscriptionsCut.inc(),
    onFastPath: () => services.metrics.graphqlFastPath.inc(),
  });
  if (config.graphiql) graphiqlAssets.register(app, notFoundHandler('message'));

  await app.register(restPlugin, { routes: REST_ROUTES, services, authenticator, bodyLimitBytes: config.bodyLimitBytes });
  app.get('/api/openapi.json', async () => openApiDocument(REST_ROUTES, REST_COMPONENTS));
  app.get(API_DOCS_PATH, async (_request, reply) => reply.type('text/html; charset=utf-8').send(apiDocsPage()));
  apiDocsAssets.register(app, notFoundHandler('message'));
  registerOidcIssuer(app, services.issuer);

  // Operations: liveness, readiness (database reachable and migrated), Prometheus metrics.
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const problem = await services.readinessProblem();
    return problem ? reply.status(503).send({ status: 'unavailable', reason: problem }) : { status: 'ready' };
  });
  registerMetricsRoute(app, services.metrics, config.metrics);

  app.setNotFoundHandler(notFoundHandler('message'));
  app.setErrorHandler(errorHandler('message', config.bodyLimitBytes));
  return app;
}

/** Trust the nearest `hops` proxies' X-Forwarded-For (the addresses they add), no more. */
const trustHops = (hops: number) => (_address: string, hop: number) => hop < hops;
