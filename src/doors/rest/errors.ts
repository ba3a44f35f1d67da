/**
 * How the REST API answers a domain error: the status of its kind (doors/http),
 * and the seed API's own ways, which its clients rely on: an unknown, deleted
 * or foreign credential — and a workspace that is not the caller's — is a 403
 * `Forbidden`, like any refusal (and so is a token that is not the caller's); a missing token a 401 `Unauthorized`; an
 * unknown pairing a 400, as Seqera answers it.
 */
import { type DomainError, Forbidden, NotAuthenticated } from '../../core/errors.js';
import { AccessTokenNotFound } from '../../features/accounts/errors.js';
import { CredentialNotFound } from '../../features/credentials/errors.js';
import { PairingNotFound } from '../../features/delivery/errors.js';
import { WorkspaceNotFound } from '../../features/workspaces/errors.js';
import { httpHeadersOf, httpStatusOf } from '../http/statuses.js';

export interface RestAnswer {
  status: number;
  headers: Record<string, string>;
  message: string;
}

export function restAnswer(error: DomainError): RestAnswer {
  const headers = httpHeadersOf(error);
  if (error instanceof CredentialNotFound || error instanceof WorkspaceNotFound || error instanceof AccessTokenNotFound || error instanceof Forbidden) {
    return { status: 403, headers, message: 'Forbidden' };
  }
  if (error instanceof NotAuthenticated) return { status: 401, headers, message: 'Unauthorized' };
  if (error instanceof PairingNotFound) return { status: 400, headers, message: error.message };
  return { status: httpStatusOf(error), headers, message: error.message };
}
