/**
 * How the HTTP app answers a failure, in the two body shapes clients expect:
 * `{"message"}` (the REST API and everything outside GraphQL) and
 * `{"errors":[{"message"}]}` (GraphQL). What to answer comes from the error
 * table; each Fastify plugin installs the handler of its shape, so no code asks
 * which kind of URL a request had.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { answerFor, logUnexpected } from '../error-table.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when the request failed: the error id shown to the client and logged. */
    errorId?: string;
  }
}

/** The seed API's answer to a request it cannot process. */
export const oops = (errorId: string) => `Oops... Unable to process request - Error ID: ${errorId}`;

export type BodyShape = 'message' | 'graphql';

const bodyOf = (shape: BodyShape, message: string, code?: string) =>
  shape === 'graphql' ? { errors: [{ message, ...(code ? { extensions: { code } } : {}) }] } : { message };

/**
 * A problem of the HTTP request itself, found before any door reads it (a body
 * that is not JSON, a media type the service does not take, a body over the
 * limit): Fastify reports these as errors with a 4xx status.
 */
function requestProblem(error: FastifyError | Error): number | undefined {
  const status = (error as FastifyError).statusCode;
  return !(error instanceof DomainError) && status !== undefined && status >= 400 && status < 500 ? status : undefined;
}

/** The error handler of a plugin whose clients read `shape`. */
export function errorHandler(shape: BodyShape, bodyLimitBytes: number) {
  return (error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
    const answer = answerFor(error);
    if (answer) {
      const message = shape === 'message' ? (answer.restMessage ?? error.message) : error.message;
      return reply
        .status(answer.status)
        .headers(answer.headers?.(error as DomainError) ?? {})
        .send(bodyOf(shape, message, answer.code));
    }
    const status = requestProblem(error);
    if (status === 413) return reply.status(413).send(bodyOf(shape, `Request body is larger than ${bodyLimitBytes} bytes`));
    if (status !== undefined && shape === 'graphql') return reply.status(status).send(bodyOf(shape, error.message.slice(0, 200)));
    if (status !== undefined) {
      // The seed API answers a request it cannot process with 400 and an error id.
      request.errorId = newId();
      request.log.warn({ errorId: request.errorId, reason: error.message.slice(0, 200) }, 'request cannot be processed');
      return reply.status(400).send(bodyOf(shape, oops(request.errorId)));
    }
    request.errorId = logUnexpected(request.log, error);
    return reply.status(500).send(bodyOf(shape, oops(request.errorId)));
  };
}

/** The not-found handler of a plugin whose clients read `shape`. */
export function notFoundHandler(shape: BodyShape) {
  return (request: FastifyRequest, reply: FastifyReply) => reply.status(404).send(bodyOf(shape, `Not found: ${request.method} ${request.url.split('?')[0]}`));
}
