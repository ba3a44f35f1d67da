/**
 * What each kind of domain error is in HTTP: its status, and the headers that
 * tell a client what to do (when to retry, how to authenticate). The REST API
 * answers with these (its seed-compatible exceptions are in doors/rest/), and
 * GraphQL over HTTP for the errors that concern the request as a whole.
 */
import type { DomainError, ErrorKind } from '../../core/errors.js';

const STATUS: Readonly<Record<ErrorKind, number>> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  rejected: 422,
  'rate-limited': 429,
  unavailable: 503,
  // 507 Insufficient Storage (RFC 4918): the request was fine, the disk is not.
  'storage-full': 507,
};

export const httpStatusOf = (error: DomainError): number => STATUS[error.kind];

/** `Retry-After` for a passing failure, `WWW-Authenticate` for a missing or refused token. */
export function httpHeadersOf(error: DomainError): Record<string, string> {
  const headers: Record<string, string> = {};
  if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
  if (error.kind === 'unauthenticated') headers['www-authenticate'] = 'Bearer';
  return headers;
}
