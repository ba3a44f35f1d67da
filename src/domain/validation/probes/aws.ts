/** AWS: STS GetCallerIdentity with the AWS SDK (signed as AWS requires), through the guarded client. */
import { Readable } from 'node:stream';
import { type GuardedHttp, ProbeRefused, ProbeUnreachable, type PublicHosts } from '../../../infra/guarded-http.js';
import { guarded, invalid, type Probe, text, VALID } from './common.js';

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

export const awsProbe: Probe = async (target, ctx) => {
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
