/**
 * AWS STS through the guarded client: the AWS SDK builds and signs each
 * request (Signature Version 4), and its HTTP handler is the guarded client,
 * so an STS call reaches AWS's public STS hosts or a host the operator allowed
 * (AWS_STS_ENDPOINT pointing at one), never anything else, within the
 * client's deadline and size cap. Used by the AWS probe (GetCallerIdentity,
 * AssumeRole) and by key delivery (AssumeRole, AssumeRoleWithWebIdentity).
 * The SDK is loaded on first use: most installations never call STS.
 */
import { Readable } from 'node:stream';
import { type GuardedHttp, ProbeRefused, ProbeUnreachable, type PublicHosts } from './guarded-http.js';

export const AWS_STS_HOSTS: PublicHosts = ['sts.amazonaws.com', /^sts(-fips)?\.[a-z0-9-]+\.amazonaws\.com$/, /^sts\.[a-z0-9-]+\.amazonaws\.com\.cn$/];
const GLOBAL_ENDPOINT = 'https://sts.amazonaws.com';

/** Keys that sign STS requests: a caller's static keys, or the service's own identity. */
export interface AwsKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Temporary credentials STS answered, and the identity they act as. */
export interface AwsSession extends Required<AwsKeys> {
  expiration: Date;
  /** `arn:aws:sts::<account>:assumed-role/<role>/<session>`. */
  assumedRoleArn: string;
}

/** STS answered with a refusal (4xx): the request, the keys or the role's trust are wrong. Its words, never a secret. */
export class AwsRefused extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** STS could not answer now (5xx, throttled, unreachable, too slow), or the service has no identity of its own to sign with. */
export class AwsUnavailable extends Error {}

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

/** The signing region of an STS endpoint: a regional endpoint's own, else us-east-1 (the global endpoint's). */
export function stsRegion(endpoint: string): string {
  const host = new URL(endpoint).hostname;
  return /^sts(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(host)?.[1] ?? 'us-east-1';
}

export class AwsSts {
  readonly endpoint: string;

  constructor(
    private readonly http: GuardedHttp,
    options: {
      endpoint?: string;
      /** The service's own identity for AssumeRole; undefined: the AWS SDK's default chain (environment, profile, instance role). */
      platformKeys?: AwsKeys;
    } = {},
  ) {
    this.endpoint = options.endpoint ?? GLOBAL_ENDPOINT;
    this.#platformKeys = options.platformKeys;
  }

  readonly #platformKeys: AwsKeys | undefined;

  /** The same STS with a deadline for all its calls (a probe's). */
  withHttp(http: GuardedHttp): AwsSts {
    return new AwsSts(http, { endpoint: this.endpoint, platformKeys: this.#platformKeys });
  }

  /** Who these keys are: their ARN. */
  async callerIdentity(keys: AwsKeys): Promise<string> {
    const { GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
    const answer = await this.#send(keys, new GetCallerIdentityCommand({}));
    return answer.Arn ?? '';
  }

  /** AssumeRole with the service's own identity. */
  async assumeRole(input: { roleArn: string; externalId?: string; sessionName: string; durationSeconds: number }): Promise<AwsSession> {
    const { AssumeRoleCommand } = await import('@aws-sdk/client-sts');
    const answer = await this.#send(
      this.#platformKeys ?? 'platform',
      new AssumeRoleCommand({
        RoleArn: input.roleArn,
        ExternalId: input.externalId || undefined,
        RoleSessionName: input.sessionName,
        DurationSeconds: input.durationSeconds,
      }),
    );
    return sessionOf(answer);
  }

  /** AssumeRoleWithWebIdentity: an ID token for the role's credentials (unsigned: the token is the proof). */
  async assumeRoleWithWebIdentity(input: { roleArn: string; webIdentityToken: string; sessionName: string; durationSeconds: number }): Promise<AwsSession> {
    const { AssumeRoleWithWebIdentityCommand } = await import('@aws-sdk/client-sts');
    const answer = await this.#send(
      'none',
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: input.roleArn,
        WebIdentityToken: input.webIdentityToken,
        RoleSessionName: input.sessionName,
        DurationSeconds: input.durationSeconds,
      }),
    );
    return sessionOf(answer);
  }

  // biome-ignore lint/suspicious/noExplicitAny: one sender for the three commands' types
  async #send(keys: AwsKeys | 'platform' | 'none', command: any): Promise<any> {
    const { STSClient } = await import('@aws-sdk/client-sts');
    const client = new STSClient({
      region: stsRegion(this.endpoint),
      endpoint: this.endpoint,
      // 'platform': the SDK's default chain; 'none': an unsigned call still needs a provider the SDK never asks.
      ...(keys === 'platform' ? {} : { credentials: keys === 'none' ? { accessKeyId: 'unused', secretAccessKey: 'unused' } : keys }),
      requestHandler: guardedHandler(this.http) as never,
      maxAttempts: 1,
    });
    try {
      return await client.send(command);
    } catch (error) {
      if (error instanceof ProbeRefused || error instanceof ProbeUnreachable) throw error;
      const e = error as Error & { name?: string; $metadata?: { httpStatusCode?: number } };
      const status = e.$metadata?.httpStatusCode ?? 0;
      if (e.name === 'CredentialsProviderError' || (status === 0 && /credential/i.test(e.message))) {
        throw new AwsUnavailable(
          'this service has no AWS identity of its own to assume roles with (the operator sets AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or runs it with an instance or task role)',
        );
      }
      if (status >= 500 || status === 429 || status === 0 || e.name === 'Throttling') {
        throw new AwsUnavailable(`AWS STS answered ${status || 'nothing usable'}: ${e.message}`);
      }
      throw new AwsRefused(status, e.name ?? 'Error', e.message);
    } finally {
      client.destroy();
    }
  }
}

function sessionOf(answer: {
  Credentials?: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string; Expiration?: Date };
  AssumedRoleUser?: { Arn?: string };
}): AwsSession {
  const c = answer.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !(c.Expiration instanceof Date)) {
    throw new AwsUnavailable('AWS STS answered without credentials');
  }
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    expiration: c.Expiration,
    assumedRoleArn: answer.AssumedRoleUser?.Arn ?? '',
  };
}
