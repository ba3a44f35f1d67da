/**
 * The OpenAPI 3.1 document of the REST API, generated from the routes'
 * declarations (each feature's doors/rest/: paths, methods, parameters, bodies,
 * answers) and the zod schemas they parse with: no second list of paths or statuses.
 */
import { z } from 'zod';
import type { Component, RestRoute } from './route.js';

type JsonSchema = Record<string, unknown>;

const toSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  return json;
};

function parameters(schema: z.ZodObject, where: 'query' | 'path') {
  const json = toSchema(schema, 'input') as { properties: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === 'path' || (json.required ?? []).includes(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

const json = (ref: Component | string) => ({
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${typeof ref === 'string' ? ref : ref.name}` } } },
});
const errors = {
  '400': { description: 'Invalid input: the message names the problem; or a request that cannot be processed (Oops… Error ID)', ...json('ErrorResponse') },
  '401': { description: 'Missing, malformed, unknown or revoked access token', ...json('ErrorResponse') },
  '403': {
    description: 'Unknown, deleted or foreign credentials id; a workspace that is not yours, or a role in it that does not allow the operation',
    ...json('ErrorResponse'),
  },
  '413': { description: 'Request body larger than the configured limit', ...json('ErrorResponse') },
  '429': {
    description: 'Too many failed authentications from this client; retry after the given seconds',
    headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait' } },
    ...json('ErrorResponse'),
  },
  '503': {
    description:
      'The database stayed locked longer than the busy timeout, cannot be reached, or is read-only, or the request was not answered in time; retry after the given seconds',
    headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait' } },
    ...json('ErrorResponse'),
  },
  '507': {
    description: "The database's disk is full: nothing was changed; retry once space is freed",
    headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait' } },
    ...json('ErrorResponse'),
  },
  '500': { description: 'Unexpected failure: Oops… Error ID, also in the server log', ...json('ErrorResponse') },
};

/** Each route's operation, by path (in OpenAPI's `{param}` form) and method, in the routes' order. */
function paths(routes: readonly RestRoute[]): Record<string, Record<string, JsonSchema>> {
  const document: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const path = route.url.replace(/:(\w+)/g, '{$1}');
    const [success, ...own] = Object.entries(route.responses);
    const answer = ({ description, body }: { description: string; body?: Component }) => ({ description, ...(body ? json(body) : {}) });
    document[path] ??= {};
    document[path]![route.method.toLowerCase()] = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [
        route.extension
          ? 'extensions'
          : (route.tag ?? (route.url.startsWith('/api/credentials') ? 'credentials' : route.url.startsWith('/api/tokens') ? 'tokens' : 'service')),
      ],
      ...(route.public ? { security: [] } : {}),
      ...(route.extension ? { 'x-credentials-service-extension': true } : {}),
      parameters: [
        ...(route.params ? parameters(route.params, 'path') : []),
        ...parameters(route.query, 'query'),
        ...(route.headers ?? []).map((h) => ({ name: h.name, in: 'header', required: false, description: h.description, schema: h.schema })),
      ],
      ...(route.body ? { requestBody: { required: true, ...json(route.body) } } : {}),
      responses: { [success![0]]: answer(success![1]), ...errors, ...Object.fromEntries(own.map(([status, r]) => [status, answer(r)])) },
    };
  }
  return document;
}

const cached = new WeakMap<readonly RestRoute[], JsonSchema>();

/** The document of these routes, with these components (in this order). */
export function openApiDocument(routes: readonly RestRoute[], components: readonly Component[]): JsonSchema {
  const known = cached.get(routes);
  if (known) return known;
  const document: JsonSchema = {
    openapi: '3.1.0',
    info: {
      title: 'Credentials service — legacy REST API',
      version: '1.0.0',
      description:
        "The `/api/credentials` paths of the seed API and of today's clients, and Seqera's `/api/pipeline-secrets`. Secret key fields are " +
        "write-only: responses carry them as null; a pipeline secret's value is never returned. Every call but `/api/service-info` needs `Authorization: Bearer <token>`.",
    },
    servers: [{ url: '/' }],
    security: [{ BearerAuth: [] }],
    tags: [
      { name: 'credentials' },
      { name: 'pipeline-secrets', description: "Seqera's pipeline secrets: named values a Nextflow run reads; write-only" },
      { name: 'service', description: "Seqera's service-info and user-info, as Wave calls them" },
      { name: 'tokens', description: "Seqera's access token paths: the caller's own tokens" },
      { name: 'extensions', description: "This service's own paths, beyond the seed API (clients of the seed API never call them)" },
    ],
    paths: paths(routes),
    components: {
      securitySchemes: { BearerAuth: { type: 'http', scheme: 'bearer' } },
      schemas: Object.fromEntries(components.map((c) => [c.name, toSchema(c.schema, c.io)])),
    },
  };
  cached.set(routes, document);
  return document;
}
