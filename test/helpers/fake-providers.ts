/**
 * Local stand-ins for the providers' identity endpoints (GitHub Enterprise,
 * GitLab, Bitbucket Server, Gitea, Azure DevOps Server, a container registry
 * with its token service, AWS STS, Google's token endpoint), on a loopback
 * port: validation probes are tested against these, never the internet.
 *
 * What a fake answers depends on the secret it is sent: one starting with
 * `good` is accepted (200), `bad` refused (401/403, with the provider's kind
 * of message), `flaky` fails (503), `slow` is never answered. Keys that sign
 * (GitHub App, Google) are accepted when their signature verifies with a key
 * the test trusted.
 */

import { createPublicKey, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jwtVerify } from 'jose';
import { type FakeSts, fakeSts } from './fake-sts.js';

/** What the fake GitHub says of a `good-expiring…` token: `github-authentication-token-expiration`. */
export const GITHUB_TOKEN_EXPIRATION = '2030-06-30 12:00:00 UTC';

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** When it arrived (epoch ms). */
  at: number;
}

export interface FakeProviders {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `127.0.0.1:<port>`, for VALIDATION_ALLOWED_HOSTS. */
  host: string;
  port: number;
  requests: SeenRequest[];
  /** AWS STS's roles, calls and issued sessions (fake-sts.ts). */
  sts: FakeSts;
  /** TCP connections accepted so far. */
  connections: () => number;
  /** Accept signatures made with the private key of this public key (GitHub App, Google). */
  trust(publicKey: string | KeyObject): void;
  /** While true, every endpoint answers 503 (a provider's outage). */
  outage: boolean;
  /** Where the registry sends clients for a token (default: this server's /token). */
  registryRealm: string | undefined;
  /** Where a GitHub request with a `redirect…` secret is redirected to. */
  redirectTo: string | undefined;
  close(): Promise<void>;
}

/** The secret a request authenticates with: a bearer/token/private-token value, or the password of Basic. */
function secretOf(headers: IncomingMessage['headers']): string {
  if (typeof headers['private-token'] === 'string') return headers['private-token'];
  const authorization = headers.authorization ?? '';
  const [scheme, value = ''] = authorization.split(' ');
  if (scheme?.toLowerCase() === 'basic') return Buffer.from(value, 'base64').toString('utf8').split(':').slice(1).join(':');
  return value;
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

/** Answers by the secret's kind; `refuse` writes the provider's own refusal. */
function bySecret(res: ServerResponse, secret: string, refuse: () => void, accept: () => void = () => json(res, 200, { login: 'someone' })) {
  if (secret.startsWith('good')) return accept();
  if (secret.startsWith('flaky')) return json(res, 503, { message: 'Service Unavailable' });
  if (secret.startsWith('slow')) return; // never answered
  return refuse();
}

export async function startFakeProviders(listenHost = '127.0.0.1'): Promise<FakeProviders> {
  const requests: SeenRequest[] = [];
  const trusted: KeyObject[] = [];
  let connections = 0;
  let url = '';
  const sts = fakeSts();
  const state = { outage: false, registryRealm: undefined as string | undefined, redirectTo: undefined as string | undefined };

  const verifiesWithTrusted = async (jwt: string, audience?: string) => {
    for (const key of trusted) {
      try {
        await jwtVerify(jwt, key, audience ? { audience } : {});
        return true;
      } catch {
        /* another key */
      }
    }
    return false;
  };

  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = (req.url ?? '/').split('?')[0]!;
    requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body, at: Date.now() });
    const secret = secretOf(req.headers);
    if (state.outage) return json(res, 503, { message: 'Service Unavailable' });

    // GitHub Enterprise Server (and github.com's API, by the probes' mapping).
    if (path === '/api/v3/user') {
      if (secret.startsWith('redirect')) {
        res.writeHead(302, { location: state.redirectTo ?? '/' });
        return res.end();
      }
      // A long refusal, and one that repeats the secret it was sent.
      if (secret.startsWith('bad-long')) return json(res, 401, { message: `Bad credentials: ${'L'.repeat(5000)}` });
      if (secret.startsWith('bad-echo')) return json(res, 401, { message: `Bad credentials: the token ${secret} is not valid` });
      // A fine-grained token that expires: GitHub says when in a header of its answer.
      if (secret.startsWith('good-expiring')) {
        res.writeHead(200, { 'content-type': 'application/json', 'github-authentication-token-expiration': GITHUB_TOKEN_EXPIRATION });
        return res.end(JSON.stringify({ login: 'someone' }));
      }
      return bySecret(res, secret, () => json(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' }));
    }
    if (path === '/api/v3/app') {
      const ok = await verifiesWithTrusted(secret);
      return ok ? json(res, 200, { id: 1, slug: 'app' }) : json(res, 401, { message: "'Issuer' claim ('iss') must be an Integer" });
    }
    if (path === '/api/v4/user') return bySecret(res, secret, () => json(res, 401, { message: '401 Unauthorized' }));
    if (path.startsWith('/rest/api/1.0/users/')) {
      return bySecret(res, secret, () => json(res, 401, { errors: [{ message: 'Authentication failed. Please check your credentials and try again.' }] }));
    }
    if (path === '/api/v1/user') return bySecret(res, secret, () => json(res, 401, { message: 'user does not exist [uid: 0, name: ]' }));
    if (path === '/_apis/connectionData')
      return bySecret(res, secret, () => json(res, 401, { message: 'TF400813: The user is not authorized to access this resource.' }));

    // A container registry: /v2/ asks for a bearer token from its token service.
    if (path === '/v2/') {
      return json(
        res,
        401,
        { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] },
        {
          'www-authenticate': `Bearer realm="${state.registryRealm ?? `${url}/token`}",service="fake-registry"`,
        },
      );
    }
    if (path === '/token') {
      if (req.method === 'GET') {
        return bySecret(
          res,
          secret,
          () => json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'incorrect username or password' }] }),
          () => json(res, 200, { token: 'registry-token' }),
        );
      }
      // Google's token endpoint: a signed assertion for an access token.
      const assertion = new URLSearchParams(body).get('assertion') ?? '';
      const ok = await verifiesWithTrusted(assertion, `${url}/token`);
      return ok
        ? json(res, 200, { access_token: 'ya29.fake', expires_in: 3599, token_type: 'Bearer' })
        : json(res, 400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
    }

    // AWS STS GetCallerIdentity (query protocol): signed with Signature Version 4.
    if (path === '/sts/' || path === '/sts') {
      const authorization = req.headers.authorization ?? '';
      // Platform and session keys, roles and web identities: the fake STS that checks signatures (fake-sts.ts).
      if (!/Credential=AKIA(GOOD|FLAK|SLOW|BAD)/.test(authorization)) {
        return sts.handle(req, res, body);
      }
      const signed = /^AWS4-HMAC-SHA256 Credential=(\w+)\/\d{8}\/us-east-1\/sts\/aws4_request, SignedHeaders=[\w;-]+, Signature=[0-9a-f]{64}$/.exec(
        authorization,
      );
      if (!signed || !req.headers['x-amz-date'] || !body.includes('Action=GetCallerIdentity')) {
        res.writeHead(400, { 'content-type': 'text/xml' });
        return res.end(
          '<ErrorResponse><Error><Type>Sender</Type><Code>MissingAuthenticationToken</Code><Message>Request is missing Authentication Token</Message></Error></ErrorResponse>',
        );
      }
      const keyId = signed[1]!;
      const kind = keyId.startsWith('AKIAGOOD') ? 'good' : keyId.startsWith('AKIAFLAK') ? 'flaky' : keyId.startsWith('AKIASLOW') ? 'slow' : 'bad';
      return bySecret(
        res,
        kind,
        () => {
          res.writeHead(403, { 'content-type': 'text/xml' });
          res.end(
            '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code>' +
              '<Message>The security token included in the request is invalid.</Message></Error><RequestId>r-1</RequestId></ErrorResponse>',
          );
        },
        () => {
          res.writeHead(200, { 'content-type': 'text/xml' });
          res.end(
            '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>' +
              '<Arn>arn:aws:iam::123456789012:user/ci</Arn><UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account>' +
              '</GetCallerIdentityResult><ResponseMetadata><RequestId>r-2</RequestId></ResponseMetadata></GetCallerIdentityResponse>',
          );
        },
      );
    }
    json(res, 404, { message: 'Not Found' });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, listenHost, resolve));
  const port = (server.address() as AddressInfo).port;
  const host = listenHost.includes(':') ? `[${listenHost}]:${port}` : `${listenHost}:${port}`;
  url = `http://${host}`;
  const fake: FakeProviders = Object.assign(state, {
    url,
    host,
    port,
    requests,
    sts,
    connections: () => connections,
    trust(publicKey: string | KeyObject) {
      trusted.push(typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return fake;
}
