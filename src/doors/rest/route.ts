/**
 * A REST route, declared once: its method and path, its parameters, body and
 * answers (the schemas that parse and document them), and its handler, which
 * parses HTTP, calls a use case and writes the wire shape. Each feature
 * declares its routes in its doors/rest/; the plugin (plugin.ts) registers the
 * list the wiring gives it, and the OpenAPI document (openapi.ts) is generated
 * from the same declarations.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Caller } from '../../core/caller.js';
import { Forbidden, ValidationError } from '../../core/errors.js';
import { quoted } from '../../core/text.js';
import type { RequestAuthenticator } from '../http/authentication.js';
import type { Services } from '../services.js';

/** A named schema of the OpenAPI document (`#/components/schemas/<name>`): a request body or an answer. */
export interface Component {
  readonly name: string;
  readonly schema: z.ZodType;
  /** Which side of the schema the document shows: what a client sends (input) or receives (output). */
  readonly io: 'input' | 'output';
}

export const component = (name: string, schema: z.ZodType, io: 'input' | 'output' = 'output'): Component => ({ name, schema, io });

/** What a route's handler is given: the services, the parsed request, the caller in the context it names. */
export interface Call<Q, P> {
  services: Services;
  authenticator: RequestAuthenticator;
  request: FastifyRequest;
  reply: FastifyReply;
  query: Q;
  params: P;
  caller: Caller;
}

export interface RestRoute<Q extends z.ZodObject = z.ZodObject, P extends z.ZodObject = z.ZodObject> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Fastify's form (`:credentialsId`); the OpenAPI document writes `{credentialsId}`. */
  url: string;
  operationId: string;
  summary: string;
  description?: string;
  query: Q;
  params?: P;
  /** Header parameters, as the OpenAPI document states them. */
  headers?: { name: string; description: string; schema: Record<string, unknown> }[];
  /** The request body's component, when the route takes one (parsed by the handler with writeEnvelope). */
  body?: Component;
  /** Its group in the OpenAPI document (default: by its path: credentials, tokens, service). */
  tag?: string;
  /** A path of this service's own, beyond the seed API's (marked so in the OpenAPI document). */
  extension?: true;
  /** Answered without a token (service-info). */
  public?: true;
  /** Errors answered by their kind alone, with their messages (a path of this service's own: no seed client expects a bare 403). */
  plainErrors?: true;
  /** This route's own answers; the errors every route may answer are added by the document. */
  responses: Record<string, { description: string; body?: Component }>;
  handle(call: Call<z.output<Q>, z.output<P>>): Promise<unknown>;
}

export const route = <Q extends z.ZodObject, P extends z.ZodObject = z.ZodObject>(r: RestRoute<Q, P>): RestRoute => r as unknown as RestRoute;

/**
 * The query parameters: each given once, as name=value. A parameter repeated
 * (`a=1&a=2`) or in array form (`a[]=1`) is refused rather than half-read.
 */
export function parseQuery<T extends z.ZodType>(schema: T, query: unknown): z.output<T> {
  for (const [key, value] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    const name = key.replace(/\[.*$/s, '');
    if (!Array.isArray(value) && name === key) continue;
    // A workspace named more than once is no workspace the caller may use: the seed API's Forbidden.
    if (name === 'workspaceId') throw new Forbidden(`workspaceId must be given once`);
    throw ValidationError.of(quotedName(name), 'must be given once, as name=value');
  }
  return parse(schema, query);
}

/** A client-chosen parameter name as a field path: bounded, controls escaped. */
const quotedName = (name: string) => quoted(name, 40).slice(1, -1);

export function parse<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw new ValidationError(result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })));
}
