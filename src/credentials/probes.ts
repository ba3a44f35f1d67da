/**
 * How each provider's credentials are checked (the provider table names a
 * probe per provider): offline checks first (a key parses and its passphrase
 * opens it, an id has the right form), then, where the provider has an
 * identity endpoint, one call to it through the guarded client (public
 * endpoints or allowed hosts only, with a timeout). A probe answers valid,
 * invalid (with the provider's words), or transient (the provider could not
 * be reached, or failed: timeout, DNS, 5xx), which changes nothing stored.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { Readable } from 'node:stream';
import type { MaybePromise } from '../core/maybe.js';
import { quoted } from '../core/text.js';
import { type GuardedHttp, ProbeRefused, type ProbeResponse, ProbeUnreachable, type PublicHosts } from '../validation/guarded-http.js';

export type ProbeOutcome = { result: 'valid' } | { result: 'invalid'; message: string } | { result: 'transient'; message: string };

/** What a probe sees of a credential: its provider, every key field (secret ones opened), its base URL. */
export interface ProbeTarget {
  provider: string;
  keys: Readonly<Record<string, string | boolean | null | undefined>>;
  baseUrl: string | null;
}

export interface ProbeContext {
  http: GuardedHttp;
  /** The STS endpoint of the AWS probe (AWS_STS_ENDPOINT; default the global one). */
  awsStsEndpoint?: string;
}

export type Probe = (target: ProbeTarget, ctx: ProbeContext) => Promise<ProbeOutcome>;

const VALID: ProbeOutcome = { result: 'valid' };
const invalid = (message: string): ProbeOutcome => ({ result: 'invalid', message });
const text = (v: unknown) => (v === undefined || v === null ? '' : String(v));

/** A probe's network step, with the guard's refusals as INVALID and unreachable providers as transient. */
async function guarded(step: () => Promise<ProbeOutcome>): Promise<ProbeOutcome> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof ProbeRefused) return invalid(error.message);
    if (error instanceof ProbeUnreachable) return { result: 'transient', message: error.message };
    throw error;
  }
}

/** The provider's own words from an error answer (JSON `message`, `error_description`…, else the start of the text). */
function providerMessage(response: ProbeResponse): string {
  try {
    const body = JSON.parse(response.body) as Record<string, unknown>;
    const errors = body.errors as { message?: string; detail?: string }[] | undefined;
    const found =
      body.message ??
      body.error_description ??
      (body.error as { message?: string } | undefined)?.message ??
      body.error ??
      errors?.[0]?.message ??
      errors?.[0]?.detail;
    if (found) return String(found);
  } catch {
    /* not JSON */
  }
  return response.body.trim().slice(0, 300) || `HTTP ${response.status}`;
}

/** A 2xx is valid; 401 or 403 the provider's refusal; 5xx (or 429) transient; any other answer invalid. */
function verdict(response: ProbeResponse, what: string): ProbeOutcome {
  if (response.status >= 200 && response.status < 300) return VALID;
  if (response.status >= 500 || response.status === 429) return { result: 'transient', message: `${what} answered ${response.status}` };
  return invalid(`${what} refused the credentials (${response.status}): ${providerMessage(response)}`);
}

const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;

/**
 * The base URL of a git provider, defaulting to its cloud. A stored value that
 * is no http(s) URL (accepted before the rule was checked on create) is the
 * credential's problem: INVALID, never a failure of the service.
 */
function baseOf(target: ProbeTarget, cloud: string): URL {
  let url: URL;
  try {
    url = new URL(target.baseUrl || cloud);
  } catch {
    throw new ProbeRefused(`baseUrl ${quoted(target.baseUrl)} is not a URL`);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.hostname === '') {
    throw new ProbeRefused(`baseUrl ${quoted(target.baseUrl)} is not an http or https URL`);
  }
  return url;
}

// ---- Offline checks -----------------------------------------------------------------------------

const offline =
  (check: (keys: ProbeTarget['keys']) => MaybePromise<string | undefined>): Probe =>
  async (target) => {
    const problem = await check(target.keys);
    return problem ? invalid(problem) : VALID;
  };

function privateKeyProblem(pem: unknown, what: string): string | undefined {
  try {
    createPrivateKey({ key: text(pem) });
    return undefined;
  } catch (error) {
    return `${what} cannot be read: ${(error as Error).message}`;
  }
}

/** An SSH private key (OpenSSH or PEM) that parses, and that its passphrase opens. */
async function sshKeyProblem(keys: ProbeTarget['keys']): Promise<string | undefined> {
  const passphrase = text(keys.passphrase) || undefined;
  // ssh2 and jose are loaded when a probe first needs them (about 20 MB a service may never use).
  const { default: ssh2 } = await import('ssh2');
  const parsed = ssh2.utils.parseKey(text(keys.privateKey), passphrase);
  if (parsed instanceof Error) {
    return /passphrase|decrypt|bad decrypt|encrypted/i.test(parsed.message)
      ? `privateKey is encrypted and ${passphrase ? 'the passphrase does not open it' : 'no passphrase was given'}`
      : `privateKey cannot be read: ${parsed.message}`;
  }
  return undefined;
}

function kubernetesProblem(keys: ProbeTarget['keys']): string | undefined {
  if (text(keys.token)) return undefined;
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(text(keys.certificate));
  } catch (error) {
    return `certificate cannot be read: ${(error as Error).message}`;
  }
  const keyProblem = privateKeyProblem(keys.privateKey, 'privateKey');
  if (keyProblem) return keyProblem;
  if (!certificate.checkPrivateKey(createPrivateKey(text(keys.privateKey)))) return 'privateKey is not the key of certificate';
  if (new Date(certificate.validTo).getTime() < Date.now()) return `certificate expired on ${new Date(certificate.validTo).toISOString()}`;
  return undefined;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const AZURE_ACCOUNT = /^[a-z0-9]{3,24}$/;
const AZURE_KEY = /^[A-Za-z0-9+/]{86}==$/;

function azureProblem(keys: ProbeTarget['keys']): string | undefined {
  for (const [field, rule, what] of [
    ['batchName', AZURE_ACCOUNT, '3-24 lower-case letters and digits'],
    ['storageName', AZURE_ACCOUNT, '3-24 lower-case letters and digits'],
    ['batchKey', AZURE_KEY, 'an account key (88 characters of base64)'],
    ['storageKey', AZURE_KEY, 'an account key (88 characters of base64)'],
    ['tenantId', GUID, 'a GUID'],
    ['clientId', GUID, 'a GUID'],
  ] as const) {
    if (text(keys[field]) && !rule.test(text(keys[field]))) return `${field} is not ${what}`;
  }
  return undefined;
}

// ---- Git providers: one call to the identity endpoint of the API -----------------------------------

interface GitApi {
  /** The identity endpoint for this credential. */
  url: (base: URL, keys: ProbeTarget['keys']) => URL;
  auth: (keys: ProbeTarget['keys']) => Record<string, string>;
  cloud: string;
  publicHosts: PublicHosts;
  name: string;
}

const secretOf = (keys: ProbeTarget['keys']) => text(keys.token) || text(keys.password) || text(keys.secretKey);
const userOf = (keys: ProbeTarget['keys']) => text(keys.username) || text(keys.accessKey);

const gitProbe =
  (api: GitApi): Probe =>
  (target, ctx) =>
    guarded(async () => {
      const url = api.url(baseOf(target, api.cloud), target.keys);
      const response = await ctx.http.request(url, {
        headers: { accept: 'application/json', 'user-agent': 'credentials-service', ...api.auth(target.keys) },
        publicHosts: api.publicHosts,
      });
      return verdict(response, api.name);
    });

/** github.com's API is api.github.com; GitHub Enterprise Server's is `<host>/api/v3`. */
const githubApiBase = (base: URL) => (base.hostname === 'github.com' ? new URL('https://api.github.com/') : new URL('/api/v3/', base.origin));

const github: GitApi = {
  name: 'GitHub',
  cloud: 'https://github.com',
  publicHosts: ['api.github.com'],
  url: (base) => new URL('user', githubApiBase(base)),
  auth: (keys) => (text(keys.token) ? { authorization: `Bearer ${text(keys.token)}` } : { authorization: basic(userOf(keys), secretOf(keys)) }),
};

const gitlab: GitApi = {
  name: 'GitLab',
  cloud: 'https://gitlab.com',
  publicHosts: ['gitlab.com'],
  url: (base) => new URL('/api/v4/user', base.origin),
  auth: (keys) => ({ 'private-token': secretOf(keys) }),
};

const bitbucket: GitApi = {
  name: 'Bitbucket',
  cloud: 'https://bitbucket.org',
  publicHosts: ['api.bitbucket.org'],
  url: (base, keys) =>
    base.hostname === 'bitbucket.org'
      ? new URL('https://api.bitbucket.org/2.0/user')
      : new URL(`/rest/api/1.0/users/${encodeURIComponent(userOf(keys))}`, base.origin),
  auth: (keys) => ({ authorization: basic(userOf(keys), secretOf(keys)) }),
};

const gitea: GitApi = {
  name: 'Gitea',
  cloud: 'https://gitea.com',
  publicHosts: ['gitea.com'],
  url: (base) => new URL('/api/v1/user', base.origin),
  auth: (keys) => (text(keys.token) ? { authorization: `token ${text(keys.token)}` } : { authorization: basic(userOf(keys), secretOf(keys)) }),
};

const azureRepos: GitApi = {
  name: 'Azure DevOps',
  cloud: 'https://dev.azure.com',
  publicHosts: ['app.vssps.visualstudio.com'],
  url: (base) =>
    base.hostname === 'dev.azure.com' || base.hostname.endsWith('.visualstudio.com')
      ? new URL('https://app.vssps.visualstudio.com/_apis/profile/profiles/me?api-version=7.1')
      : new URL('/_apis/connectionData', base.origin),
  auth: (keys) => ({ authorization: basic(userOf(keys), secretOf(keys)) }),
};

/** A GitHub App: its private key signs a JWT, which GET /app accepts when key and app id belong together. */
const githubApp: Probe = async (target, ctx) => {
  const problem = privateKeyProblem(target.keys.privateKey, 'privateKey');
  if (problem) return invalid(problem);
  return guarded(async () => {
    const now = Math.floor(Date.now() / 1000);
    const { SignJWT } = await import('jose');
    const jwt = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuedAt(now - 60)
      .setExpirationTime(now + 540)
      .setIssuer(text(target.keys.appId))
      .sign(createPrivateKey(text(target.keys.privateKey)));
    const url = new URL('app', githubApiBase(baseOf(target, github.cloud)));
    const response = await ctx.http.request(url, {
      headers: { accept: 'application/vnd.github+json', 'user-agent': 'credentials-service', authorization: `Bearer ${jwt}` },
      publicHosts: github.publicHosts,
    });
    return verdict(response, 'GitHub');
  });
};

// ---- Container registries: the /v2/ API with the registry's token flow ----------------------------------

const REGISTRY_HOSTS: PublicHosts = [
  'registry-1.docker.io',
  'auth.docker.io',
  'ghcr.io',
  'quay.io',
  'gcr.io',
  'registry.gitlab.com',
  'gitlab.com',
  'public.ecr.aws',
  'mcr.microsoft.com',
  'nvcr.io',
  'authn.nvidia.com',
  'cr.seqera.io',
  'registry.access.redhat.com',
  'registry.redhat.io',
  'sso.redhat.com',
  /^[a-z0-9-]+\.gcr\.io$/,
  /^[a-z0-9-]+-docker\.pkg\.dev$/,
  /^[a-z0-9-]+\.azurecr\.io$/,
  /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com$/,
];

/** `realm="…",service="…"` of a WWW-Authenticate header. */
function challenge(header: string | string[] | undefined): { scheme: string; params: Record<string, string> } | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = /^(\w+)\s*(.*)$/.exec(value ?? '');
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const [, key, quoted, bare] of match[2]!.matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)) params[key!.toLowerCase()] = quoted ?? bare ?? '';
  return { scheme: match[1]!.toLowerCase(), params };
}

const registryProbe: Probe = (target, ctx) =>
  guarded(async () => {
    const registry = text(target.keys.registry) || 'docker.io';
    const host = registry === 'docker.io' || registry === 'index.docker.io' ? 'registry-1.docker.io' : registry;
    let base: URL;
    try {
      base = new URL(`https://${host}/v2/`);
    } catch {
      return invalid(`registry ${JSON.stringify(registry)} is not a host name`);
    }
    const auth = basic(text(target.keys.userName), text(target.keys.password));
    let first: ProbeResponse;
    try {
      first = await ctx.http.request(base, { publicHosts: REGISTRY_HOSTS });
    } catch (error) {
      // As Docker does for an insecure registry: https first, then plain http, for a host the operator allowed.
      const plain = new URL(`http://${host}/v2/`);
      if (!(error instanceof ProbeUnreachable) || ctx.http.refusal(plain, REGISTRY_HOSTS)) throw error;
      base = plain;
      first = await ctx.http.request(base, { publicHosts: REGISTRY_HOSTS });
    }
    const offered = challenge(first.headers['www-authenticate']);
    if (first.status === 401 && offered?.scheme === 'bearer' && offered.params.realm) {
      let realm: URL;
      try {
        realm = new URL(offered.params.realm);
      } catch {
        return invalid(`registry ${host} names a token service that is not a URL`);
      }
      if (offered.params.service) realm.searchParams.set('service', offered.params.service);
      return verdict(
        await ctx.http.request(realm, { headers: { authorization: auth }, publicHosts: REGISTRY_HOSTS }),
        `the registry's token service (${realm.hostname})`,
      );
    }
    if (first.status === 401 || (first.status >= 200 && first.status < 300)) {
      return verdict(await ctx.http.request(base, { headers: { authorization: auth }, publicHosts: REGISTRY_HOSTS }), `registry ${host}`);
    }
    return verdict(first, `registry ${host}`);
  });

// ---- AWS: STS GetCallerIdentity with the AWS SDK (signed as AWS requires), through the guard ----------------

const AWS_STS_HOSTS: PublicHosts = ['sts.amazonaws.com', /^sts(-fips)?\.[a-z0-9-]+\.amazonaws\.com$/, /^sts\.[a-z0-9-]+\.amazonaws\.com\.cn$/];
const AWS_KEY_ID = /^(AKIA|ASIA)[A-Z0-9]{16}$/;
const AWS_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

/** The request the AWS SDK hands its HTTP handler (the fields this handler reads). */
interface SdkRequest {
  method: string;
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: unknown;
}

/** The AWS SDK's HTTP handler, as requests of the guarded client (the SDK accepts any `{statusCode, headers, body}` answer). */
function guardedHandler(http: GuardedHttp) {
  return {
    metadata: { handlerProtocol: 'http/1.1' },
    async handle(request: SdkRequest) {
      const query = new URLSearchParams(
        Object.entries(request.query ?? {}).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : v == null ? [] : [[k, v]])),
      ).toString();
      const url = new URL(`${request.protocol}//${request.hostname}${request.port ? `:${request.port}` : ''}${request.path}${query ? `?${query}` : ''}`);
      const response = await http.request(url, {
        method: request.method,
        headers: request.headers,
        body: request.body === undefined ? undefined : String(request.body),
        publicHosts: AWS_STS_HOSTS,
      });
      const headers = Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
      return { response: { statusCode: response.status, headers, body: Readable.from([Buffer.from(response.body)]) } };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
  };
}

const awsProbe: Probe = async (target, ctx) => {
  const { accessKey, secretKey, assumeRoleArn } = target.keys;
  const roleMode = target.keys.mode === 'role' || (!text(accessKey) && text(assumeRoleArn));
  if (roleMode) return AWS_ROLE_ARN.test(text(assumeRoleArn)) ? VALID : invalid('assumeRoleArn is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)');
  if (!AWS_KEY_ID.test(text(accessKey))) return invalid('accessKey is not an AWS access key id (AKIA… or ASIA…, 20 characters)');
  if (text(secretKey).length !== 40) return invalid('secretKey is not an AWS secret access key (40 characters)');
  return guarded(async () => {
    // Loaded on first use: most installations validate few AWS keys, and the SDK is large.
    const { GetCallerIdentityCommand, STSClient } = await import('@aws-sdk/client-sts');
    const client = new STSClient({
      region: 'us-east-1',
      endpoint: ctx.awsStsEndpoint ?? 'https://sts.amazonaws.com',
      credentials: { accessKeyId: text(accessKey), secretAccessKey: text(secretKey) },
      requestHandler: guardedHandler(ctx.http) as never,
      maxAttempts: 1,
    });
    try {
      await client.send(new GetCallerIdentityCommand({}));
      return VALID;
    } catch (error) {
      if (error instanceof ProbeRefused || error instanceof ProbeUnreachable) throw error;
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
      if (status >= 500 || status === 0) return { result: 'transient', message: `AWS STS answered ${status || 'nothing usable'}: ${(error as Error).message}` };
      return invalid(`AWS refused the credentials (${status}): ${(error as Error).message}`);
    } finally {
      client.destroy();
    }
  });
};

// ---- Google: the service-account key signs an assertion, exchanged for a token at its token_uri -------------

const GOOGLE_HOSTS: PublicHosts = ['oauth2.googleapis.com', 'www.googleapis.com', 'accounts.google.com'];

const googleProbe: Probe = async (target, ctx) => {
  if (!text(target.keys.data)) return VALID; // workload identity: nothing to exchange here
  let key: { type?: string; client_email?: string; private_key?: string; private_key_id?: string; token_uri?: string };
  try {
    key = JSON.parse(text(target.keys.data)) as typeof key;
  } catch {
    return invalid('data is not a service account key in JSON');
  }
  if (key.type !== 'service_account' || !key.client_email) return invalid('data is not a service account key (type service_account, with client_email)');
  const problem = privateKeyProblem(key.private_key, 'data.private_key');
  if (problem) return invalid(problem);
  let tokenUri: URL;
  try {
    tokenUri = new URL(key.token_uri ?? 'https://oauth2.googleapis.com/token');
  } catch {
    return invalid('data.token_uri is not a URL');
  }
  return guarded(async () => {
    const now = Math.floor(Date.now() / 1000);
    const { SignJWT } = await import('jose');
    const assertion = await new SignJWT({ scope: 'https://www.googleapis.com/auth/cloud-platform' })
      .setProtectedHeader({ alg: 'RS256', ...(key.private_key_id ? { kid: key.private_key_id } : {}) })
      .setIssuer(key.client_email!)
      .setAudience(tokenUri.toString())
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(createPrivateKey(key.private_key!));
    const response = await ctx.http.request(tokenUri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString(),
      publicHosts: GOOGLE_HOSTS,
    });
    // Google answers a refused key with 400 invalid_grant.
    return response.status === 400 ? invalid(`Google refused the key: ${providerMessage(response)}`) : verdict(response, 'Google');
  });
};

/** The probes, by kind; the provider table names one per provider. */
export const probes = {
  aws: awsProbe,
  google: googleProbe,
  github: gitProbe(github),
  githubApp,
  gitlab: gitProbe(gitlab),
  bitbucket: gitProbe(bitbucket),
  gitea: gitProbe(gitea),
  azureRepos: gitProbe(azureRepos),
  registry: registryProbe,
  sshKey: offline(sshKeyProblem),
  kubernetes: offline(kubernetesProblem),
  azure: offline(azureProblem),
  /** Nothing more to check than the provider's rules on create (an S3-compatible store has no common identity endpoint). */
  formOnly: offline(() => undefined),
} satisfies Record<string, Probe>;
