/**
 * Authenticating a request from its headers alone, before its body is read
 * (a request with a bad token is answered at once, whatever body is on its
 * way). Failed attempts are counted per client address to slow down token
 * guessing, but only failures are ever refused: a valid token is served
 * whatever others behind the same address did. Requests without an
 * Authorization header are not attempts; health, readiness and metrics never
 * authenticate. GraphQL also takes a signed-in person's session cookie (a
 * bearer token, when sent, wins); REST takes tokens only.
 */
import type { FastifyRequest } from 'fastify';
import type { Viewer } from '../../core/caller.js';
import { DomainError, NotAuthenticated, TooManyFailedAuthentications } from '../../core/errors.js';
import type { AuthFailureLimiter } from './auth-limiter.js';

/** The browser session's cookie (`__Host-`: Secure, host-only, path /). */
export const SESSION_COOKIE = '__Host-credentials-session';

/** Who holds an access token (accounts' tokens). */
export interface TokenCheck {
  authenticate(token: string): Promise<Viewer | null>;
}

/** Who holds a browser session (sign-in's sessions), when people sign in here. */
export interface SessionCheck {
  readonly enabled: boolean;
  viewerOf(cookie: string): Promise<Viewer | null>;
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined | null): string | undefined {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

export class RequestAuthenticator {
  constructor(
    private readonly tokens: TokenCheck,
    private readonly limiter: AuthFailureLimiter,
    private readonly signIn?: SessionCheck,
  ) {}

  /**
   * The viewer of the request's bearer token; null when the request carries no
   * Authorization header. A malformed header or an unknown, revoked or expired
   * token is a failed attempt: NotAuthenticated, or TooManyFailedAuthentications
   * once this client has failed too often.
   */
  async viewerOf(request: FastifyRequest, { session = false }: { session?: boolean } = {}): Promise<Viewer | null> {
    const header = request.headers.authorization;
    if (header === undefined || header === '') {
      // A signed-in person's browser (GraphiQL): the session's cookie, when the door takes one. An ended session is no attempt.
      const cookie = session ? (request.cookies?.[SESSION_COOKIE] as string | undefined) : undefined;
      return cookie && this.signIn?.enabled ? this.signIn.viewerOf(cookie) : null;
    }
    const token = bearerToken(header);
    const viewer = token === undefined ? null : await this.tokens.authenticate(token);
    if (viewer) return viewer;
    const wait = this.limiter.retryAfterSeconds(request.ip);
    if (wait > 0) throw new TooManyFailedAuthentications(wait);
    this.limiter.recordFailure(request.ip);
    throw new NotAuthenticated(token === undefined ? 'Malformed Authorization header: expected Bearer <token>' : 'Invalid, expired or revoked access token');
  }

  /**
   * A sign-in that is no bearer token (a machine's OIDC token exchanged):
   * counted like a failed token when refused, and refused with 429 once this
   * client has failed too often; a good one is always served.
   */
  async attempt<T>(request: FastifyRequest, signIn: () => Promise<T>): Promise<T> {
    try {
      return await signIn();
    } catch (error) {
      if (!(error instanceof DomainError) || error.kind !== 'unauthenticated') throw error;
      const wait = this.limiter.retryAfterSeconds(request.ip);
      if (wait > 0) throw new TooManyFailedAuthentications(wait);
      this.limiter.recordFailure(request.ip);
      throw error;
    }
  }
}
