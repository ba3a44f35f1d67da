/**
 * The one table of how each door answers each domain error: the REST status,
 * headers and message, the GraphQL error code (and HTTP status where GraphQL
 * carries one), the name of the typed GraphQL error, the CLI's exit code.
 * REST, GraphQL and the CLI all read it. An error not in the table is an
 * unexpected failure: 500 (exit 1) with an error id that is logged, on every door.
 */

import {
  DomainError,
  Forbidden,
  LimitReached,
  NotAnsweredInTime,
  NotAuthenticated,
  NotFound,
  StoreBusy,
  StoreFull,
  StoreReadOnly,
  StoreUnavailable,
  TooManyFailedAuthentications,
  ValidationError,
} from '../core/errors.js';
import { newId } from '../core/ids.js';
import { AccessTokenNotFound } from '../domain/auth/errors.js';
import { CredentialNameTaken, CredentialNotFound, IdempotencyKeyReused, IdempotentCreateDeleted } from '../domain/credentials/errors.js';
import { PairingExists, PairingNotFound, UnsupportedPairingKey } from '../domain/delivery/errors.js';
import { NotInvalid, ValidationsBusy } from '../domain/validation/service.js';
import {
  LastOwner,
  OrganizationNameTaken,
  OrganizationNotFound,
  ParticipantExists,
  ParticipantNotFound,
  UserNotFound,
  WorkspaceNameTaken,
  WorkspaceNotFound,
} from '../domain/workspaces/errors.js';

export interface ErrorAnswer<E extends DomainError = DomainError> {
  /** HTTP status of the REST answer. */
  status: number;
  /** Headers of the HTTP answer (both doors). */
  headers?: (error: E) => Record<string, string>;
  /** The REST body's message, when it is not the error's own (the seed API's fixed words). */
  restMessage?: string;
  /** GraphQL `extensions.code`. */
  code: string;
  /** More GraphQL `extensions`. */
  extensions?: (error: E) => Record<string, unknown>;
  /** GraphQL answers with `status` too; otherwise 200 with the error in the result. */
  graphqlStatus?: boolean;
  /** About the request as a whole (who sent it), not about a field: GraphQL names no path for it. */
  aboutRequest?: boolean;
  /** The typed GraphQL error that result unions carry. */
  graphqlType?: string;
  /** The CLI's exit code. */
  exitCode: number;
}

type ErrorClass<E extends DomainError> = abstract new (...args: never[]) => E;

const entries = new Map<ErrorClass<DomainError>, ErrorAnswer<never>>();
const answer = <E extends DomainError>(type: ErrorClass<E>, entry: ErrorAnswer<E>) => entries.set(type, entry as ErrorAnswer<never>);

answer(ValidationError, {
  status: 400,
  code: 'VALIDATION_FAILED',
  extensions: (e) => ({ fields: e.problems }),
  graphqlType: 'ValidationError',
  exitCode: 1,
});
answer(CredentialNameTaken, { status: 409, code: 'NAME_TAKEN', graphqlType: 'CredentialNameTakenError', exitCode: 1 });
// Unknown, deleted and other users' ids look alike: the seed API's Forbidden.
answer(CredentialNotFound, { status: 403, restMessage: 'Forbidden', code: 'NOT_FOUND', graphqlType: 'CredentialNotFoundError', exitCode: 1 });
answer(AccessTokenNotFound, { status: 404, code: 'NOT_FOUND', graphqlType: 'AccessTokenNotFoundError', exitCode: 1 });
// A workspace the caller cannot use (none, not theirs, a malformed id) is the seed API's Forbidden too.
answer(WorkspaceNotFound, { status: 403, restMessage: 'Forbidden', code: 'NOT_FOUND', graphqlType: 'WorkspaceNotFoundError', exitCode: 1 });
answer(OrganizationNotFound, { status: 404, code: 'NOT_FOUND', graphqlType: 'OrganizationNotFoundError', exitCode: 1 });
answer(UserNotFound, { status: 404, code: 'NOT_FOUND', graphqlType: 'UserNotFoundError', exitCode: 1 });
answer(ParticipantNotFound, { status: 404, code: 'NOT_FOUND', graphqlType: 'ParticipantNotFoundError', exitCode: 1 });
answer(OrganizationNameTaken, { status: 409, code: 'NAME_TAKEN', graphqlType: 'OrganizationNameTakenError', exitCode: 1 });
answer(WorkspaceNameTaken, { status: 409, code: 'NAME_TAKEN', graphqlType: 'WorkspaceNameTakenError', exitCode: 1 });
answer(ParticipantExists, { status: 409, code: 'PARTICIPANT_EXISTS', graphqlType: 'ParticipantExistsError', exitCode: 1 });
answer(LastOwner, { status: 409, code: 'LAST_OWNER', graphqlType: 'LastOwnerError', exitCode: 1 });
// Seqera answers an unknown pairing with 400 and a message.
answer(PairingNotFound, { status: 400, code: 'PAIRING_NOT_FOUND', graphqlType: 'PairingNotFoundError', exitCode: 1 });
answer(UnsupportedPairingKey, { status: 400, code: 'UNSUPPORTED_KEY', exitCode: 1 });
answer(PairingExists, { status: 409, code: 'PAIRING_EXISTS', exitCode: 1 });
answer(NotInvalid, { status: 409, code: 'NOT_INVALID', graphqlType: 'CredentialNotInvalidError', exitCode: 1 });
answer(ValidationsBusy, { status: 503, headers: () => ({ 'retry-after': '1' }), code: 'VALIDATIONS_BUSY', graphqlStatus: true, exitCode: 1 });
answer(NotFound, { status: 404, code: 'NOT_FOUND', exitCode: 1 });
answer(IdempotencyKeyReused, { status: 422, code: 'IDEMPOTENCY_KEY_REUSED', graphqlType: 'IdempotencyKeyReusedError', exitCode: 1 });
answer(IdempotentCreateDeleted, { status: 409, code: 'IDEMPOTENT_CREATE_DELETED', graphqlType: 'IdempotentCreateDeletedError', exitCode: 1 });
answer(LimitReached, { status: 409, code: 'LIMIT_REACHED', graphqlType: 'LimitReachedError', exitCode: 1 });
answer(Forbidden, { status: 403, restMessage: 'Forbidden', code: 'FORBIDDEN', graphqlType: 'ForbiddenError', exitCode: 1 });
answer(NotAuthenticated, {
  status: 401,
  headers: () => ({ 'www-authenticate': 'Bearer' }),
  restMessage: 'Unauthorized',
  code: 'UNAUTHENTICATED',
  graphqlStatus: true,
  aboutRequest: true,
  exitCode: 1,
});
answer(TooManyFailedAuthentications, {
  status: 429,
  headers: (e) => ({ 'retry-after': String(e.retryAfterSeconds) }),
  code: 'TOO_MANY_FAILED_AUTHENTICATIONS',
  graphqlStatus: true,
  aboutRequest: true,
  exitCode: 1,
});
answer(NotAnsweredInTime, { status: 503, headers: () => ({ 'retry-after': '1' }), code: 'NOT_ANSWERED_IN_TIME', graphqlStatus: true, exitCode: 1 });
answer(StoreBusy, { status: 503, headers: () => ({ 'retry-after': '1' }), code: 'STORE_BUSY', graphqlStatus: true, exitCode: 1 });
answer(StoreUnavailable, { status: 503, headers: () => ({ 'retry-after': '2' }), code: 'STORE_UNAVAILABLE', graphqlStatus: true, exitCode: 1 });
// 507 Insufficient Storage (RFC 4918): the request was fine, the disk is not.
answer(StoreFull, { status: 507, headers: () => ({ 'retry-after': '30' }), code: 'STORE_FULL', graphqlStatus: true, exitCode: 1 });
answer(StoreReadOnly, { status: 503, headers: () => ({ 'retry-after': '5' }), code: 'STORE_READ_ONLY', graphqlStatus: true, exitCode: 1 });

/** How the doors answer `error`: the entry of its class or its nearest listed ancestor; undefined for an unexpected failure. */
export function answerFor<E extends DomainError>(error: E): ErrorAnswer<E> | undefined;
export function answerFor(error: unknown): ErrorAnswer | undefined;
export function answerFor(error: unknown): ErrorAnswer | undefined {
  if (!(error instanceof DomainError)) return undefined;
  for (let type = error.constructor; type !== DomainError && type !== Object; type = Object.getPrototypeOf(type) as typeof type) {
    const entry = entries.get(type as ErrorClass<DomainError>);
    if (entry) return entry as ErrorAnswer;
  }
  return undefined;
}

/** The typed GraphQL error of a domain error class (its name in result unions). */
export function graphqlTypeOf(type: ErrorClass<DomainError>): string {
  const name = entries.get(type)?.graphqlType;
  if (!name) throw new Error(`${type.name} has no GraphQL type in the error table`);
  return name;
}

/** Something that writes a log line with an object of fields. */
export interface ErrorLog {
  error(fields: object, message: string): void;
}

/**
 * An unexpected failure: logged with a new error id (and the error itself, for
 * the operator), which is all the client is told.
 */
export function logUnexpected(log: ErrorLog, error: unknown, message = 'unexpected error'): string {
  const errorId = newId();
  log.error({ errorId, err: error }, message);
  return errorId;
}
