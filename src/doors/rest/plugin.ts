/** The REST API as a Fastify plugin: the routes it is given, the token check of each, 405 for other methods, its own error handler. */
import type { FastifyPluginAsync } from 'fastify';
import type { Caller } from '../../core/caller.js';
import { NotAuthenticated } from '../../core/errors.js';
import type { RequestAuthenticator } from '../http/authentication.js';
import { errorHandler } from '../http/error-replies.js';
import type { Services } from '../services.js';
import { restAnswer } from './errors.js';
import { parse, parseQuery, type RestRoute } from './route.js';

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
  }
}

const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

export interface RestPluginOptions {
  routes: readonly RestRoute[];
  services: Services;
  authenticator: RequestAuthenticator;
  bodyLimitBytes: number;
}

export const restPlugin: FastifyPluginAsync<RestPluginOptions> = async (app, { routes, services, authenticator, bodyLimitBytes }) => {
  await app.register(async (api) => {
    // Every REST call but service-info needs a token: checked from the headers, before any body is read.
    api.addHook('onRequest', async (request) => {
      if ((request.routeOptions.config as { public?: boolean } | undefined)?.public) return;
      const viewer = await authenticator.viewerOf(request);
      if (!viewer) throw new NotAuthenticated();
      request.caller = {
        userId: viewer.userId,
        door: 'rest',
        scope: viewer.scope,
        ...(viewer.expiresAt === undefined ? {} : { tokenExpiresAt: viewer.expiresAt }),
      };
    });
    api.setErrorHandler(
      errorHandler('message', bodyLimitBytes, (error, request) =>
        restAnswer(error, (request.routeOptions?.config as { plainErrors?: boolean } | undefined)?.plainErrors === true),
      ),
    );
    for (const r of routes) {
      api.route({
        method: r.method,
        url: r.url,
        config: { public: r.public === true, plainErrors: r.plainErrors === true },
        handler: async (request, reply) => {
          const params = r.params ? parse(r.params, request.params) : {};
          const query = parseQuery(r.query, request.query) as { workspaceId?: string };
          return r.handle({ services, authenticator, request, reply, params, query, caller: { ...request.caller!, workspaceId: query.workspaceId } });
        },
      });
    }
  });

  // Known paths with a method they do not answer: 405, saying which they do.
  const methods = new Map<string, Set<string>>();
  for (const r of routes) methods.set(r.url, (methods.get(r.url) ?? new Set()).add(r.method));
  for (const [url, allowed] of methods) {
    const answered = new Set<string>(allowed);
    if (answered.has('GET')) answered.add('HEAD');
    const others = ALL_METHODS.filter((m) => !answered.has(m));
    app.route({
      url,
      method: [...others],
      handler: (request, reply) =>
        reply
          .status(405)
          .header('allow', [...answered].join(', '))
          .send({ message: `Method ${request.method} not allowed on ${url}; allowed: ${[...answered].join(', ')}` }),
    });
  }
};
