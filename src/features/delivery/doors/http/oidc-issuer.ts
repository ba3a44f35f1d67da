/**
 * The OIDC issuer's public documents, for the clouds that trust it: the
 * discovery document and the JWKS at PUBLIC_URL (both public, no token; 404
 * naming PUBLIC_URL when it is not set). Cached by clients for five minutes:
 * a new signing key is published a whole period before the old one goes.
 */
import type { FastifyInstance } from 'fastify';
import type { OidcIssuer } from '../../use-cases/oidc-issuer.js';

export const DISCOVERY_PATH = '/.well-known/openid-configuration';
export const JWKS_PATH = '/.well-known/jwks.json';
const CACHE = 'public, max-age=300';

export function registerOidcIssuer(app: FastifyInstance, issuer: OidcIssuer): void {
  app.get(DISCOVERY_PATH, async (_request, reply) => reply.header('cache-control', CACHE).send(issuer.discovery()));
  app.get(JWKS_PATH, async (_request, reply) =>
    reply
      .header('cache-control', CACHE)
      .type('application/jwk-set+json')
      .send(JSON.stringify(await issuer.jwks())),
  );
}
