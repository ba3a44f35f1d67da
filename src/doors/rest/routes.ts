/**
 * The legacy REST adapter: `/api/credentials` exactly as the seed API and
 * today's clients expect. Each route parses HTTP, calls the same domain use
 * case as GraphQL, and writes the wire shape; no credential rule lives here.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Caller } from '../../core/caller.js';
import { NotAuthenticated, ValidationError } from '../../core/errors.js';
import { quoted } from '../../core/text.js';
import type { CredentialInput } from '../../domain/credentials/input.js';
import { WorkspaceNotFound } from '../../domain/workspaces/errors.js';
import type { Services } from '../../wiring/services.js';
import type { RequestAuthenticator } from '../http/authentication.js';
import { errorHandler } from '../http/error-replies.js';
import { restAnswer } from './errors.js';
import { SEED_KEY_PAIR } from './legacy.js';
import { platformProviders } from './platforms.js';
import {
  deleteQuery,
  idParams,
  keysQuery,
  listQuery,
  validateCredentialsQuery,
  validateQuery,
  workspaceOnlyQuery,
  writeEnvelope,
  writeQuery,
} from './schemas.js';
import { describeJson, listJson } from './wire.js';

/** Paths and the methods each answers; any other method answers 405. */
export const REST_ROUTES = {
  '/api/credentials': ['GET', 'POST'],
  '/api/credentials/validate': ['GET'],
  '/api/credentials/:credentialsId': ['GET', 'PUT', 'DELETE'],
  '/api/credentials/:credentialsId/keys': ['GET'],
  '/api/credentials/:credentialsId/validate': ['POST'],
} as const;

/** What Fastify sends with an object: the wire's JSON is written as text (wire.ts) and sent as that. */
const JSON_TYPE = 'application/json; charset=utf-8';

const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
  }
}

/** The REST API as a Fastify plugin: its routes, the token check of each, and its own error handler. */
export interface RestPluginOptions {
  services: Services;
  authenticator: RequestAuthenticator;
  bodyLimitBytes: number;
}

export const restPlugin: FastifyPluginAsync<RestPluginOptions> = async (app, { services, authenticator, bodyLimitBytes }) => {
  const { credentials, delivery, validation } = services;

  await app.register(async (api) => {
    // Every REST call needs a token: checked from the headers, before any body is read.
    api.addHook('onRequest', async (request) => {
      const viewer = await authenticator.viewerOf(request);
      if (!viewer) throw new NotAuthenticated();
      request.caller = { userId: viewer.userId, door: 'rest', scope: viewer.scope };
    });
    api.setErrorHandler(errorHandler('message', bodyLimitBytes, restAnswer));

    api.get('/api/credentials', async (request, reply) => {
      const query = parseQuery(listQuery, request.query);
      const caller = callerIn(request, query.workspaceId);
      const page = await credentials.list(caller, {
        providers: query.platformId ? platformProviders[query.platformId] : undefined,
      });
      return reply.type(JSON_TYPE).send(listJson(page));
    });

    api.post('/api/credentials', async (request) => {
      const query = parseQuery(writeQuery, request.query);
      const caller = callerIn(request, query.workspaceId);
      const body = parse(writeEnvelope, request.body);
      const idempotencyKey = request.headers['idempotency-key'];
      const created = await credentials.create(caller, toDomainInput(body.credentials), {
        useExternalId: query.useExternalId,
        extraFields: SEED_KEY_PAIR,
        idempotencyKey: Array.isArray(idempotencyKey) ? idempotencyKey.join(',') : idempotencyKey,
      });
      return { credentialsId: created.id };
    });

    api.get('/api/credentials/validate', async (request, reply) => {
      const query = parseQuery(validateQuery, request.query);
      await credentials.validateName(callerIn(request, query.workspaceId), query.name);
      return reply.status(204).send();
    });

    api.get('/api/credentials/:credentialsId', async (request, reply) => {
      const { credentialsId } = parse(idParams, request.params);
      const query = parseQuery(workspaceOnlyQuery, request.query);
      const view = await credentials.describe(callerIn(request, query.workspaceId), credentialsId);
      return reply.type(JSON_TYPE).send(describeJson(view));
    });

    api.get('/api/credentials/:credentialsId/keys', async (request) => {
      const { credentialsId } = parse(idParams, request.params);
      const query = parseQuery(keysQuery, request.query);
      return { keys: await delivery.deliver(callerIn(request, query.workspaceId), credentialsId, query.pairingId) };
    });

    api.post('/api/credentials/:credentialsId/validate', async (request) => {
      const { credentialsId } = parse(idParams, request.params);
      const query = parseQuery(validateCredentialsQuery, request.query);
      return validation.validate(callerIn(request, query.workspaceId), credentialsId, { force: query.force });
    });

    api.put('/api/credentials/:credentialsId', async (request, reply) => {
      const { credentialsId } = parse(idParams, request.params);
      const query = parseQuery(writeQuery, request.query);
      const caller = callerIn(request, query.workspaceId);
      const body = parse(writeEnvelope, request.body);
      const sentId = body.credentials.id;
      if (sentId !== undefined && sentId !== null && sentId !== credentialsId) {
        throw ValidationError.of('credentials.id', `${quoted(sentId)} does not match the id of the path ${quoted(credentialsId)}`);
      }
      await credentials.update(caller, credentialsId, toDomainInput(body.credentials), { useExternalId: query.useExternalId, extraFields: SEED_KEY_PAIR });
      return reply.status(204).send();
    });

    api.delete('/api/credentials/:credentialsId', async (request, reply) => {
      const { credentialsId } = parse(idParams, request.params);
      const query = parseQuery(deleteQuery, request.query);
      await credentials.delete(callerIn(request, query.workspaceId), credentialsId);
      return reply.status(204).send();
    });
  });

  // Known paths with a method they do not answer: 405, saying which they do.
  for (const [url, allowed] of Object.entries(REST_ROUTES)) {
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

/**
 * The query parameters: each given once, as name=value. A parameter repeated
 * (`a=1&a=2`) or in array form (`a[]=1`) is refused rather than half-read.
 */
function parseQuery<T extends z.ZodType>(schema: T, query: unknown): z.output<T> {
  for (const [key, value] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    const name = key.replace(/\[.*$/s, '');
    if (!Array.isArray(value) && name === key) continue;
    // A workspace named more than once is no workspace the caller may use: the seed API's Forbidden.
    if (name === 'workspaceId') throw new WorkspaceNotFound(key);
    throw ValidationError.of(quotedName(name), 'must be given once, as name=value');
  }
  return parse(schema, query);
}

/** A client-chosen parameter name as a field path: bounded, controls escaped. */
const quotedName = (name: string) => quoted(name, 40).slice(1, -1);

function parse<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw new ValidationError(result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })));
}

/** The caller in the context the request asks for (the domain decides what it may do there). */
function callerIn(request: FastifyRequest, workspaceId: string | undefined): Caller {
  return { ...request.caller!, workspaceId };
}

/** The wire credential → the domain's input: read-only fields dropped, keys' wire-only fields checked and dropped. */
function toDomainInput(wire: Record<string, unknown>): CredentialInput {
  const { name, description, provider, baseUrl, category } = wire;
  let keys = wire.keys;
  if (keys && typeof keys === 'object' && !Array.isArray(keys)) {
    const { discriminator, keyType: _ignored, ...rest } = keys as Record<string, unknown>;
    if (discriminator !== undefined && discriminator !== null && discriminator !== provider) {
      throw ValidationError.of('keys.discriminator', `must equal the provider '${String(provider)}' when sent`);
    }
    keys = rest;
  }
  return { name, description, provider, baseUrl, category, keys };
}
