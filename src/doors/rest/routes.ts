/**
 * The legacy REST adapter: `/api/credentials` exactly as the seed API and
 * today's clients expect. Each route is declared once, in REST_ROUTES: its
 * method and path, its parameters, body and answers (the schemas that parse
 * and document them), and its handler, which parses HTTP, calls the same
 * domain use case as GraphQL and writes the wire shape. The plugin registers
 * them, answers 405 for the other methods of each path, and the OpenAPI
 * document (openapi.ts) is generated from the same declarations. No
 * credential rule lives here.
 */
import { negotiate } from '@fastify/accept-negotiator';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Caller } from '../../core/caller.js';
import { NotAuthenticated, ValidationError } from '../../core/errors.js';
import { quoted } from '../../core/text.js';
import type { TokenInfo } from '../../features/accounts/use-cases/tokens.js';
import { AUDIT_COLUMNS, type AuditFormat, auditStream } from '../../features/audit/rules/formats.js';
import { SEED_KEY_PAIR } from '../../features/credentials/doors/rest/legacy.js';
import { platformProviders } from '../../features/credentials/doors/rest/platforms.js';
import { describeJson, listJson } from '../../features/credentials/doors/rest/wire.js';
import type { CredentialInput } from '../../features/credentials/rules/input.js';
import { WorkspaceNotFound } from '../../features/workspaces/errors.js';
import type { RequestAuthenticator } from '../http/authentication.js';
import { errorHandler } from '../http/error-replies.js';
import type { Services } from '../services.js';
import { restAnswer } from './errors.js';
import {
  auditQuery,
  createTokenRequest,
  deleteQuery,
  emptyQuery,
  exchangeRequest,
  idParams,
  keysQuery,
  listQuery,
  tokenParams,
  validateCredentialsQuery,
  validateQuery,
  versionParams,
  versionsQuery,
  workspaceOnlyQuery,
  writeEnvelope,
  writeQuery,
} from './schemas.js';

/** The components of the OpenAPI document a route's body and answers name (openapi.ts defines each from schemas.ts). */
export type Component =
  | 'ListCredentialsResponse'
  | 'DescribeCredentialsResponse'
  | 'CreateCredentialsRequest'
  | 'UpdateCredentialsRequest'
  | 'CreateCredentialsResponse'
  | 'GetCredentialsKeysResponse'
  | 'ValidateCredentialsResponse'
  | 'ListCredentialVersionsResponse'
  | 'ServiceInfoResponse'
  | 'DescribeUserResponse'
  | 'ListAccessTokensResponse'
  | 'CreateAccessTokenRequest'
  | 'CreateAccessTokenResponse'
  | 'ExchangeOidcTokenRequest'
  | 'ExchangeOidcTokenResponse'
  | 'ErrorResponse';

/** What a route's handler is given: the services, the parsed request, the caller in the context it names. */
interface Call<Q, P> {
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
  /** A path of this service's own, beyond the seed API's (marked so in the OpenAPI document). */
  extension?: true;
  /** Answered without a token (service-info). */
  public?: true;
  /** This route's own answers; the errors every route may answer are added by the document. */
  responses: Record<string, { description: string; body?: Component }>;
  handle(call: Call<z.output<Q>, z.output<P>>): Promise<unknown>;
}

/** What Fastify sends with an object: the wire's JSON is written as text (wire.ts) and sent as that. */
const JSON_TYPE = 'application/json; charset=utf-8';
const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

const AUDIT_TYPES: Record<AuditFormat, string> = { ndjson: 'application/x-ndjson; charset=utf-8', csv: 'text/csv; charset=utf-8' };

const route = <Q extends z.ZodObject, P extends z.ZodObject = typeof idParams>(r: RestRoute<Q, P>): RestRoute => r as unknown as RestRoute;

/** Every route of the REST API, in the order the OpenAPI document lists them. */
export const REST_ROUTES: readonly RestRoute[] = [
  route({
    method: 'GET',
    url: '/api/service-info',
    operationId: 'Info',
    summary: 'General service features and version',
    description: "Seqera's service-info (Wave calls it, without a token): the fields this service can truthfully fill.",
    query: emptyQuery,
    public: true,
    responses: { '200': { description: 'OK', body: 'ServiceInfoResponse' } },
    async handle({ services }) {
      return { serviceInfo: await services.about() };
    },
  }),
  route({
    method: 'GET',
    url: '/api/user-info',
    operationId: 'UserInfo',
    summary: 'Describe current user',
    description: "Seqera's user-info: the token's user — its number as `id`, its name, the e-mail address its identity provider gave (people who sign in).",
    query: emptyQuery,
    responses: { '200': { description: 'OK', body: 'DescribeUserResponse' } },
    async handle({ services, caller }) {
      const user = await services.tokens.findUser(caller.userId);
      if (!user) throw new NotAuthenticated();
      const profile = await services.signIn.profileOf(caller.userId);
      return {
        user: {
          id: user.number,
          userName: user.name,
          ...(profile?.email ? { email: profile.email } : {}),
          dateCreated: user.createdAt.toISOString(),
          deleted: false,
        },
        needConsent: false,
      };
    },
  }),
  route({
    method: 'POST',
    url: '/api/auth/oidc',
    operationId: 'ExchangeOidcToken',
    summary: 'Exchange a machine’s OIDC token for an access token',
    description:
      "This service's extension, for CI jobs without a stored secret: a JWT of an issuer the operator trusts (OIDC_MACHINE_ISSUERS: " +
      'GitHub Actions, GitLab CI, Kubernetes service accounts…), with the audience and the claims a rule asks, is exchanged for a ' +
      "short-lived access token (the rule's scope and lifetime, at most an hour) of the rule's user. No Authorization header. " +
      'Refusals (an untrusted issuer, a wrong audience, an expired token, a signature that does not verify, an algorithm not accepted, ' +
      'no rule matched) answer 401 saying which, and count as failed authentications.',
    extension: true,
    public: true,
    query: emptyQuery,
    body: 'ExchangeOidcTokenRequest',
    responses: {
      '200': { description: 'OK', body: 'ExchangeOidcTokenResponse' },
      '401': { description: 'The token was not accepted: the message says why', body: 'ErrorResponse' },
      '429': { description: 'Too many failed authentications from this client: retry after Retry-After seconds', body: 'ErrorResponse' },
    },
    async handle({ services, authenticator, request }) {
      const body = parse(exchangeRequest, request.body);
      const exchanged = await authenticator.attempt(request, () => services.machineSignIn.exchange(body.token, 'rest'));
      return { ...exchanged, tokenType: 'Bearer', expiresAt: exchanged.expiresAt.toISOString() };
    },
  }),
  route({
    method: 'GET',
    url: '/api/tokens',
    operationId: 'TokenList',
    summary: 'List tokens',
    description: 'Your live access tokens (revoked ones are gone; expired ones listed), never their values.',
    query: emptyQuery,
    responses: { '200': { description: 'OK', body: 'ListAccessTokensResponse' } },
    async handle({ services, caller }) {
      const tokens = await services.tokens.ownTokens(caller);
      return { tokens: tokens.filter((t) => t.revokedAt === null).map(tokenJson) };
    },
  }),
  route({
    method: 'POST',
    url: '/api/tokens',
    operationId: 'CreateToken',
    summary: 'Create token',
    description:
      'An access token of your own, with the scope and the expiry of the token of this request (never more: GraphQL createAccessToken ' +
      'takes a narrower scope and a shorter life). Shown this once. At most MAX_TOKENS_PER_USER live tokens.',
    query: emptyQuery,
    body: 'CreateAccessTokenRequest',
    responses: {
      '200': { description: 'OK', body: 'CreateAccessTokenResponse' },
      '409': { description: 'A live token of yours has this name, or you hold the most tokens allowed (MAX_TOKENS_PER_USER)', body: 'ErrorResponse' },
    },
    async handle({ services, request, caller }) {
      const body = parse(createTokenRequest, request.body);
      const { token, info } = await services.tokens.createOwnToken(caller, { name: body.name });
      return { accessKey: token, token: tokenJson(info) };
    },
  }),
  route({
    method: 'DELETE',
    url: '/api/tokens/delete-all',
    operationId: 'DeleteAllTokens',
    summary: 'Delete all user tokens',
    description: 'Revokes every live token of yours, the one of this request too: each is refused from the next request on, on every instance.',
    query: emptyQuery,
    responses: { '204': { description: 'OK - No content' } },
    async handle({ services, reply, caller }) {
      await services.tokens.revokeAllOwnTokens(caller);
      return reply.status(204).send();
    },
  }),
  route({
    method: 'DELETE',
    url: '/api/tokens/:tokenId',
    operationId: 'DeleteToken',
    summary: 'Delete token',
    description: 'Revokes one of your tokens by its number; another user’s, or no such token, is refused like any foreign id.',
    params: tokenParams,
    query: emptyQuery,
    responses: { '204': { description: 'OK - No content' } },
    async handle({ services, reply, params, caller }) {
      await services.tokens.revokeOwnTokenByNumber(caller, params.tokenId);
      return reply.status(204).send();
    },
  }),
  route({
    method: 'GET',
    url: '/api/credentials',
    operationId: 'ListCredentials',
    summary: 'List credentials',
    query: listQuery,
    responses: { '200': { description: 'OK', body: 'ListCredentialsResponse' } },
    async handle({ services, reply, query, caller }) {
      const page = await services.credentials.list(caller, { providers: query.platformId ? platformProviders[query.platformId] : undefined });
      return reply.type(JSON_TYPE).send(listJson(page));
    },
  }),
  route({
    method: 'POST',
    url: '/api/credentials',
    operationId: 'CreateCredentials',
    summary: 'Create credentials',
    query: writeQuery,
    headers: [
      {
        name: 'Idempotency-Key',
        description: 'Retry safely: the same key with the same request returns the credentials created first, never a second one',
        schema: { type: 'string', minLength: 1, maxLength: 255 },
      },
    ],
    body: 'CreateCredentialsRequest',
    responses: {
      '200': { description: 'OK', body: 'CreateCredentialsResponse' },
      '409': {
        description:
          'A credential with this name exists, the credential this Idempotency-Key created was deleted since, or the context holds the most credentials allowed (MAX_CREDENTIALS_PER_CONTEXT)',
        body: 'ErrorResponse',
      },
      '422': { description: 'The Idempotency-Key was used for a different request', body: 'ErrorResponse' },
    },
    async handle({ services, request, query, caller }) {
      const body = parse(writeEnvelope, request.body);
      const idempotencyKey = request.headers['idempotency-key'];
      const created = await services.credentials.create(caller, toDomainInput(body.credentials), {
        useExternalId: query.useExternalId,
        extraFields: SEED_KEY_PAIR,
        idempotencyKey: Array.isArray(idempotencyKey) ? idempotencyKey.join(',') : idempotencyKey,
      });
      return { credentialsId: created.id };
    },
  }),
  route({
    method: 'GET',
    url: '/api/credentials/validate',
    operationId: 'ValidateCredentialsName',
    summary: 'Validate credential name',
    query: validateQuery,
    responses: { '204': { description: 'OK - No content' }, '409': { description: 'Name taken', body: 'ErrorResponse' } },
    async handle({ services, reply, query, caller }) {
      await services.credentials.validateName(caller, query.name);
      return reply.status(204).send();
    },
  }),
  route({
    method: 'GET',
    url: '/api/credentials/:credentialsId',
    operationId: 'DescribeCredentials',
    summary: 'Describe credentials',
    params: idParams,
    query: workspaceOnlyQuery,
    responses: { '200': { description: 'OK', body: 'DescribeCredentialsResponse' } },
    async handle({ services, reply, params, caller }) {
      return reply.type(JSON_TYPE).send(describeJson(await services.credentials.describe(caller, params.credentialsId)));
    },
  }),
  route({
    method: 'PUT',
    url: '/api/credentials/:credentialsId',
    operationId: 'UpdateCredentials',
    summary: 'Update credentials',
    description: 'Replaces the credentials. Keys are replaced as a whole; secret fields not sent keep their stored values.',
    params: idParams,
    query: writeQuery,
    body: 'UpdateCredentialsRequest',
    responses: { '204': { description: 'OK - No content' }, '409': { description: 'A credential with this name exists', body: 'ErrorResponse' } },
    async handle({ services, request, reply, params, query, caller }) {
      const body = parse(writeEnvelope, request.body);
      const sentId = body.credentials.id;
      if (sentId !== undefined && sentId !== null && sentId !== params.credentialsId) {
        throw ValidationError.of('credentials.id', `${quoted(sentId)} does not match the id of the path ${quoted(params.credentialsId)}`);
      }
      await services.credentials.update(caller, params.credentialsId, toDomainInput(body.credentials), {
        useExternalId: query.useExternalId,
        extraFields: SEED_KEY_PAIR,
      });
      return reply.status(204).send();
    },
  }),
  route({
    method: 'DELETE',
    url: '/api/credentials/:credentialsId',
    operationId: 'DeleteCredentials',
    summary: 'Delete credentials',
    params: idParams,
    query: deleteQuery,
    responses: { '204': { description: 'OK - No content' } },
    async handle({ services, reply, params, query, caller }) {
      await services.credentials.delete(caller, params.credentialsId, { purge: query.purge });
      return reply.status(204).send();
    },
  }),
  route({
    method: 'GET',
    url: '/api/credentials/:credentialsId/versions',
    operationId: 'ListCredentialVersions',
    summary: 'List the versions of the key material of credentials',
    description:
      "This service's extension. Every create, update that changes key fields or the base URL, and restore records a version " +
      '(the last CREDENTIAL_VERSIONS_KEPT are kept), newest first. Names of changed fields only: no version value is ever returned.',
    extension: true,
    params: idParams,
    query: versionsQuery,
    responses: { '200': { description: 'OK', body: 'ListCredentialVersionsResponse' } },
    async handle({ services, params, query, caller }) {
      const page = await services.credentials.versions(caller, params.credentialsId, { first: query.max, after: query.before });
      return {
        versions: page.items.map((v) => ({
          number: v.number,
          dateCreated: v.createdAt,
          actor: v.actor,
          door: v.door,
          changedFields: v.changed,
          restoredFrom: v.restoredFrom,
        })),
        hasMore: page.hasNextPage,
      };
    },
  }),
  route({
    method: 'POST',
    url: '/api/credentials/:credentialsId/versions/:version/restore',
    operationId: 'RestoreCredentialVersion',
    summary: 'Restore a version of the key material of credentials',
    description:
      "This service's extension. Makes a new version equal to the given one (history is never rewritten); the validation status " +
      'starts afresh. Who may: whoever may update the credentials.',
    extension: true,
    params: versionParams,
    query: workspaceOnlyQuery,
    responses: {
      '204': { description: 'OK - No content' },
      '404': { description: 'The credentials have no such version (never recorded, or no longer kept)', body: 'ErrorResponse' },
    },
    async handle({ services, reply, params, caller }) {
      await services.credentials.restore(caller, params.credentialsId, params.version);
      return reply.status(204).send();
    },
  }),
  route({
    method: 'GET',
    url: '/api/credentials/:credentialsId/keys',
    operationId: 'GetEncryptedCredentials',
    summary: 'Get encrypted credentials',
    description:
      'The keys of the credentials, secret fields included, as a JWE (RFC 7516, compact serialization) encrypted for the paired ' +
      'service `pairingId` (RSA-OAEP-256 or ECDH-ES+A256KW by its key, A256GCM, `kid` = the pairing id; for a pairing of kind `wave`, ' +
      "Wave's encrypted packet `1\\P\\<key>\\<data>` of the flat keys object with its `discriminator`). Its plaintext is " +
      '`{"credentialsId", "provider", "keys", "iat", "exp"}` and it expires after 5 minutes. Personal credentials: their owner; in a ' +
      "workspace: every role but VIEW; the token's scope must allow keys (`all` or `keys:read`). Records the last use. " +
      'An AWS role (`mode` `role` or `federated`) comes with temporary credentials from AWS STS (`accessKey`, `secretKey`, ' +
      '`sessionToken`, `expiration`); a federated credential with an ID token of this service (`idToken`, `idTokenExpiration`).',
    params: idParams,
    query: keysQuery,
    responses: {
      '200': { description: 'OK', body: 'GetCredentialsKeysResponse' },
      '400': { description: 'No paired service with this id (or invalid parameters)', body: 'ErrorResponse' },
      '404': { description: 'version: the credentials have no such version (never recorded, or no longer kept)', body: 'ErrorResponse' },
      '422': {
        description:
          "AWS refused the role (its trust policy, the external id), AWS STS may not be called, or a federated credential's issuer (PUBLIC_URL) is not set",
        body: 'ErrorResponse',
      },
      '503': { description: 'AWS STS could not be reached or answered nothing usable, or the database is busy; retry', body: 'ErrorResponse' },
    },
    async handle({ services, params, query, caller }) {
      return { keys: await services.delivery.deliver(caller, params.credentialsId, query.pairingId, { version: query.version }) };
    },
  }),
  route({
    method: 'POST',
    url: '/api/credentials/:credentialsId/validate',
    operationId: 'ValidateCredentials',
    summary: 'Validate credentials against their provider and report the outcome',
    description:
      "Runs the provider's checks (offline, then its identity endpoint) and stores the verdict. A transient failure (timeout, " +
      'DNS, 5xx) answers transientError: true and changes nothing. Who may validate: whoever may update the credentials.',
    params: idParams,
    query: validateCredentialsQuery,
    responses: {
      '200': { description: 'Validation outcome: inspect status and transientError', body: 'ValidateCredentialsResponse' },
      '409': { description: 'force=true for a credential that is not INVALID', body: 'ErrorResponse' },
      '503': { description: 'Too many validations in progress, or the database is busy; retry', body: 'ErrorResponse' },
    },
    async handle({ services, params, query, caller }) {
      return services.validation.validate(caller, params.credentialsId, { force: query.force });
    },
  }),
  route({
    method: 'GET',
    url: '/api/audit-events',
    operationId: 'ExportAuditEvents',
    summary: 'Export the audit trail',
    description:
      "This service's extension. The events of your own credentials and tokens, or of a workspace you manage (OWNER, ADMIN), " +
      'oldest first, streamed: JSON lines (Accept: application/x-ndjson, the default) or CSV (Accept: text/csv; columns ' +
      `${AUDIT_COLUMNS.join(', ')}). Never a secret.`,
    extension: true,
    query: auditQuery,
    responses: {
      '200': { description: 'The events, one per line (application/x-ndjson) or one per CSV row after a header (text/csv)' },
      '406': { description: 'Accept names neither application/x-ndjson nor text/csv', body: 'ErrorResponse' },
    },
    async handle({ services, request, reply, query, caller }) {
      const accepted = negotiate(String(request.headers.accept ?? 'application/x-ndjson'), ['application/x-ndjson', 'text/csv', 'application/json', '*/*']);
      if (accepted === null) return reply.status(406).send({ message: 'Accept application/x-ndjson or text/csv' });
      const format = accepted === 'text/csv' ? 'csv' : 'ndjson';
      const filter = {
        since: query.since,
        until: query.until,
        actor: query.actor,
        kinds:
          query.kinds === undefined
            ? undefined
            : query.kinds
                .split(',')
                .map((k) => k.trim())
                .filter(Boolean),
      };
      // The first page is read before the answer starts, so that a refusal (a role, a filter) is an error answer.
      const events = services.audit.export(caller, filter);
      const first = await events.next();
      async function* all() {
        if (first.done) return;
        yield first.value;
        yield* events;
      }
      return reply
        .type(AUDIT_TYPES[format])
        .header('content-disposition', `attachment; filename="audit-events.${format === 'csv' ? 'csv' : 'jsonl'}"`)
        .send(auditStream(all(), format));
    },
  }),
];

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
  }
}

/** The REST API as a Fastify plugin: its routes, the token check of each, and its own error handler. */
export interface RestPluginOptions {
  services: Services;
  authenticator: RequestAuthenticator;
  bodyLimitBytes: number;
}

export const restPlugin: FastifyPluginAsync<RestPluginOptions> = async (app, { services, authenticator, bodyLimitBytes }) => {
  await app.register(async (api) => {
    // Every REST call but service-info needs a token: checked from the headers, before any body is read.
    api.addHook('onRequest', async (request) => {
      if ((request.routeOptions.config as { public?: boolean } | undefined)?.public) return;
      const viewer = await authenticator.viewerOf(request);
      if (!viewer) throw new NotAuthenticated();
      request.caller = {
        userId: viewer.userId,
        door: 'rest',
        scope: viewer.scope,
        ...(viewer.expiresAt === undefined ? {} : { tokenExpiresAt: viewer.expiresAt }),
      };
    });
    api.setErrorHandler(errorHandler('message', bodyLimitBytes, restAnswer));
    for (const r of REST_ROUTES) {
      api.route({
        method: r.method,
        url: r.url,
        config: { public: r.public === true },
        handler: async (request, reply) => {
          const params = r.params ? parse(r.params, request.params) : {};
          const query = parseQuery(r.query, request.query) as { workspaceId?: string };
          return r.handle({ services, authenticator, request, reply, params, query, caller: { ...request.caller!, workspaceId: query.workspaceId } });
        },
      });
    }
  });

  // Known paths with a method they do not answer: 405, saying which they do.
  const methods = new Map<string, Set<string>>();
  for (const r of REST_ROUTES) methods.set(r.url, (methods.get(r.url) ?? new Set()).add(r.method));
  for (const [url, allowed] of methods) {
    const answered = new Set<string>(allowed);
    if (answered.has('GET')) answered.add('HEAD');
    const others = ALL_METHODS.filter((m) => !answered.has(m));
    app.route({
      url,
      method: [...others],
      handler: (request, reply) =>
        reply
          .status(405)
          .header('allow', [...answered].join(', '))
          .send({ message: `Method ${request.method} not allowed on ${url}; allowed: ${[...answered].join(', ')}` }),
    });
  }
};

/**
 * The query parameters: each given once, as name=value. A parameter repeated
 * (`a=1&a=2`) or in array form (`a[]=1`) is refused rather than half-read.
 */
function parseQuery<T extends z.ZodType>(schema: T, query: unknown): z.output<T> {
  for (const [key, value] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    const name = key.replace(/\[.*$/s, '');
    if (!Array.isArray(value) && name === key) continue;
    // A workspace named more than once is no workspace the caller may use: the seed API's Forbidden.
    if (name === 'workspaceId') throw new WorkspaceNotFound(key);
    throw ValidationError.of(quotedName(name), 'must be given once, as name=value');
  }
  return parse(schema, query);
}

/** A client-chosen parameter name as a field path: bounded, controls escaped. */
const quotedName = (name: string) => quoted(name, 40).slice(1, -1);

function parse<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw new ValidationError(result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })));
}

/** A token as Seqera's AccessToken (its number as id; never its value). */
const tokenJson = (t: TokenInfo) => ({
  id: t.number ?? 0,
  name: t.name,
  dateCreated: t.createdAt.toISOString(),
  ...(t.lastUsedAt ? { lastUsed: t.lastUsedAt.toISOString() } : {}),
});

/** The wire credential → the domain's input: read-only fields dropped, keys' wire-only fields checked and dropped. */
function toDomainInput(wire: Record<string, unknown>): CredentialInput {
  const { name, description, provider, baseUrl, category, expiresAt } = wire;
  let keys = wire.keys;
  if (keys && typeof keys === 'object' && !Array.isArray(keys)) {
    const { discriminator, keyType: _ignored, ...rest } = keys as Record<string, unknown>;
    if (discriminator !== undefined && discriminator !== null && discriminator !== provider) {
      throw ValidationError.of('keys.discriminator', `must equal the provider '${String(provider)}' when sent`);
    }
    keys = rest;
  }
  return { name, description, provider, baseUrl, category, keys, ...('expiresAt' in wire ? { expiresAt } : {}) };
}
