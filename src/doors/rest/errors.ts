/**
 * How the REST API answers a domain error: the status of its kind (doors/http),
 * and the seed API's own ways, which its clients rely on: an unknown, deleted
 * or foreign credential — and a workspace that is not the caller's — is a 403
 * `Forbidden`, like any refusal (and so is a token that is not the caller's); a missing token a 401 `Unauthorized`; an
 * unknown pairing a 400, as Seqera answers it. The plumbing knows no feature's
 * errors: each feature's REST door says which of its errors answer otherwise
 * than their kind (`answerAs`).
 */
import { type DomainError, Forbidden, NotAuthenticated } from '../../core/errors.js';
import { httpHeadersOf, httpStatusOf } from '../http/statuses.js';

export interface RestAnswer {
  status: number;
  headers: Record<string, string>;
  message: string;
}

type ErrorClass = abstract new (...args: never[]) => DomainError;

/** How an error answers: `forbidden` (403 Forbidden, saying nothing more), or `bad-request` (400 with its message). */
export type RestWay = 'forbidden' | 'bad-request';

const ways = new Map<ErrorClass, RestWay>([[Forbidden, 'forbidden']]);

/** Errors of a feature that the REST API answers its own way (the seed API's). */
export function answerAs(way: RestWay, ...errors: ErrorClass[]): void {
  for (const error of errors) ways.set(error, way);
}

/** A domain error as REST answers it; `plain`: by its kind alone (a path of this service's own, where no seed client expects the exceptions). */
export function restAnswer(error: DomainError, plain = false): RestAnswer {
  const headers = httpHeadersOf(error);
  for (const [type, way] of plain ? [] : ways) {
    if (!(error instanceof type)) continue;
    if (way === 'forbidden') return { status: 403, headers, message: 'Forbidden' };
    return { status: 400, headers, message: error.message };
  }
  if (error instanceof NotAuthenticated) return { status: 401, headers, message: 'Unauthorized' };
  return { status: httpStatusOf(error), headers, message: error.message };
}
