/**
 * How GraphQL answers domain errors. A typed error (a member of a result
 * union) is declared once, beside the type whose fields raise it, with
 * `errorType`; the ones every part raises (invalid input, forbidden, a limit)
 * are declared here. Any other domain error is a GraphQL error whose
 * `extensions.code` is the error's code; the errors about the request as a
 * whole (unauthenticated, rate-limited, unavailable, storage full) also carry
 * the HTTP status and headers of their kind. Anything else is masked, with an
 * error id that is in the log.
 */
import { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import { DomainError, Forbidden, LimitReached, logUnexpected, ValidationError } from '../../core/errors.js';
import { httpHeadersOf, httpStatusOf } from '../http/statuses.js';
import { builder } from './builder.js';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;
type ErrorClass<E extends DomainError> = abstract new (...args: never[]) => E;
// biome-ignore lint/suspicious/noExplicitAny: the class parameter of Pothos' objectType
type ErrorConstructorLike = new (...args: any[]) => Error;

export const ErrorInterface = builder.interfaceRef<Error>('Error').implement({
  fields: (t) => ({ message: t.exposeString('message') }),
});

/**
 * The typed GraphQL error of a domain error class: named after the class
 * (`CredentialNotFound` → `CredentialNotFoundError`) unless `name` says
 * otherwise, with the `message` of every error and the fields given.
 */
export function errorType<E extends DomainError>(
  type: ErrorClass<E>,
  options: { name?: string; description: string; fields?: (t: PothosSchemaTypes.ObjectFieldBuilder<Types, E>) => Record<string, unknown> },
) {
  const name = options.name ?? (type.name.endsWith('Error') ? type.name : `${type.name}Error`);
  // (Pothos' types cannot follow a generic class here: the options are checked at each call instead.)
  return builder.objectType(type as unknown as ErrorConstructorLike, {
    name,
    description: options.description,
    interfaces: [ErrorInterface],
    fields: (options.fields ?? (() => ({}))) as never,
  });
}

const FieldError = builder.objectRef<{ path: string; message: string }>('FieldError').implement({
  description: 'One invalid input field',
  fields: (t) => ({
    path: t.exposeString('path', { description: 'Dotted path of the field, e.g. `keys.secretKey`' }),
    message: t.exposeString('message'),
  }),
});

errorType(ValidationError, {
  description: 'The input is invalid; `fields` names each invalid field. Nothing was changed.',
  fields: (t) => ({ fields: t.field({ type: [FieldError], resolve: (e) => e.problems }) }),
});

errorType(Forbidden, { description: 'Your role does not allow this (in the workspace or organization named).' });

errorType(LimitReached, {
  description: 'The context holds as many as the operator allows (of credentials, of organizations): nothing was created.',
  fields: (t) => ({
    limit: t.int({ resolve: (e) => e.limit }),
    setting: t.string({ description: 'The setting that decides the limit', resolve: (e) => e.setting }),
  }),
});

interface ErrorLike {
  message: string;
  name?: string;
  originalError?: unknown;
  extensions?: Record<string, unknown>;
  nodes?: GraphQLError['nodes'];
  path?: GraphQLError['path'];
}

/** The kinds that concern the request as a whole: answered with their HTTP status. */
const ABOUT_THE_REQUEST = new Set(['unauthenticated', 'rate-limited']);
const WITH_HTTP_STATUS = new Set(['unauthenticated', 'rate-limited', 'unavailable', 'storage-full']);

/**
 * Domain errors are answered by kind (message, code, HTTP status where GraphQL
 * carries one); GraphQL's own errors (syntax, validation) pass; anything else
 * is an unexpected failure: masked, with an error id that is also in the log
 * line of the failure.
 */
export function maskError(error: unknown, logger: Logger): Error {
  const outer = error as ErrorLike;
  let cause: unknown = outer.originalError ?? error;
  while ((cause as ErrorLike | undefined)?.originalError) cause = (cause as ErrorLike).originalError;
  if (cause instanceof DomainError) {
    return new GraphQLError(cause.message, {
      ...(ABOUT_THE_REQUEST.has(cause.kind) ? {} : { nodes: outer.nodes, path: outer.path }),
      extensions: {
        code: cause.code,
        ...(cause instanceof ValidationError ? { fields: cause.problems } : {}),
        ...(WITH_HTTP_STATUS.has(cause.kind) ? { http: { status: httpStatusOf(cause), headers: httpHeadersOf(cause) } } : {}),
      },
    });
  }
  // GraphQL's own errors pass (a GraphQLError raised inside another keeps its code if it has one).
  // (GraphQLError is checked by name: graphql ships both CJS and ESM builds.)
  const isGraphQLError = (e: unknown) => (e as ErrorLike | undefined)?.name === 'GraphQLError';
  if (cause === error && isGraphQLError(outer)) return error as Error;
  if (isGraphQLError(cause)) return (typeof (cause as ErrorLike).extensions?.code === 'string' ? cause : error) as Error;
  const errorId = logUnexpected(logger, cause, 'unexpected GraphQL error');
  return new GraphQLError(`Unexpected error. Error ID: ${errorId}`, {
    nodes: outer.nodes,
    path: outer.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR', errorId },
  });
}
