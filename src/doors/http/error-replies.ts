/**
 * How the HTTP app answers a failure, in the two body shapes clients expect:
 * `{"message"}` (the REST API and everything outside GraphQL) and
 * `{"errors":[{"message"}]}` (GraphQL). How a domain error is answered is the
 * door's (REST's seed-compatible answers, GraphQL's codes): each Fastify plugin
 * installs the handler of its shape with its door's answer, so no code asks
 * which kind of URL a request had.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, logUnexpected } from '../../core/errors.js';
import { httpHeadersOf, httpStatusOf } from './statuses.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when the request failed: the error id shown to the client and logged. */
    errorId?: string;
  }
}

/** The seed API's answer to a request it cannot process. */
export const oops = (errorId: string) => `Oops... Unable to process request - Error ID: ${errorId}`;

export type BodyShape = 'message' | 'graphql';

/** How a door answers a domain error over HTTP. */
export interface DomainAnswer {
  status: number;
  headers: Record<string, string>;
  message: string;
}

/** HTTP's plain answer: the status and headers of the error's kind, and its own message. */
export const httpAnswer = (error: DomainError): DomainAnswer => ({ status: httpStatusOf(error), headers: httpHeadersOf(error), message: error.message });

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

/** The error handler of a plugin whose clients read `shape`, answering domain errors as `answer` says. */
export function errorHandler(shape: BodyShape, bodyLimitBytes: number, answer: (error: DomainError, request: FastifyRequest) => DomainAnswer = httpAnswer) {
  return (error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof DomainError) {
      const { status, headers, message } = answer(error, request);
      return reply
        .status(status)
        .headers(headers)
        .send(bodyOf(shape, message, error.code));
    }
    const status = requestProblem(error);
    if (status === 413) return reply.status(413).send(bodyOf(shape, `Request body is larger than ${bodyLimitBytes} bytes`));
    // What is wrong with the request, in words (a JSON parse's position, an unsupported media type; never the
    // body): the seed's "Oops … Error ID" is for unexpected failures only. (The REST API answers them all 400, its
    // Bad request.)
    if (status !== undefined) return reply.status(shape === 'graphql' ? status : 400).send(bodyOf(shape, error.message.slice(0, 200)));
    request.errorId = logUnexpected(request.log, error);
    return reply.status(500).send(bodyOf(shape, oops(request.errorId)));
  };
}

/** The not-found handler of a plugin whose clients read `shape`. */
export function notFoundHandler(shape: BodyShape) {
  return (request: FastifyRequest, reply: FastifyReply) => reply.status(404).send(bodyOf(shape, `Not found: ${request.method} ${request.url.split('?')[0]}`));
}
