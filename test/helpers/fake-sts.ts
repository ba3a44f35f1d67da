/**
 * A fake AWS STS speaking the query protocol (form-encoded POST, XML answers),
 * served at `/sts` of the fake providers. It checks what the real one checks:
 *
 * - every signed call's Signature Version 4 is recomputed with the secret of
 *   the key id it names (@smithy/signature-v4), and a temporary key needs its
 *   session token: a delivered session is proven to work, not just to look right;
 * - AssumeRole: signed by the platform key (PLATFORM_KEYS), for a role the test
 *   made, with that role's external id;
 * - AssumeRoleWithWebIdentity: unsigned; the token verified by jose against
 *   the JWKS of the issuer the role trusts (fetched from it), with its
 *   audience and subject;
 * - GetCallerIdentity: any known key, answering its identity.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { createRemoteJWKSet, jwtVerify } from 'jose';

/** The service's own identity in tests (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY). */
export const PLATFORM_KEYS = { accessKeyId: 'AKIAPLATFORM00000000', secretAccessKey: 'P'.repeat(40) };
export const PLATFORM_ARN = 'arn:aws:iam::999999999999:user/credentials-service';

export interface FakeRole {
  /** AssumeRole needs this external id (undefined: none asked). */
  externalId?: string;
  /** Never answers AssumeRole (an STS that hangs). */
  hang?: boolean;
  /** AssumeRoleWithWebIdentity trusts tokens of this issuer for this audience and subject. */
  webIdentity?: { issuer: string; jwksUrl: string; audience: string; subject: string };
}

export interface StsCall {
  action: string;
  params: URLSearchParams;
  authorization: string | undefined;
}

export interface FakeSts {
  roles: Map<string, FakeRole>;
  calls: StsCall[];
  /** Every session issued: its access key id → secret, token, identity. */
  sessions: Map<string, { secretAccessKey: string; sessionToken: string; arn: string; expiration: Date }>;
  handle(req: IncomingMessage, res: ServerResponse, body: string): Promise<void>;
}

/** The Sha256 constructor @smithy/signature-v4 asks for, on node:crypto. */
class Sha256 {
  #hash;
  constructor(secret?: Uint8Array | string) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', secret);
  }
  update(data: Uint8Array | string) {
    this.#hash.update(typeof data === 'string' ? Buffer.from(data) : data);
  }
  async digest() {
    return new Uint8Array(this.#hash.digest());
  }
  reset() {}
}

const xml = (res: ServerResponse, status: number, text: string) => {
  res.writeHead(status, { 'content-type': 'text/xml' });
  res.end(text);
};
const error = (res: ServerResponse, status: number, code: string, message: string) =>
  xml(
    res,
    status,
    `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r-e</RequestId></ErrorResponse>`,
  );

const upper = (n: number) =>
  Array.from(randomBytes(n), (b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[b % 32])
    .join('')
    .slice(0, n);

export function fakeSts(): FakeSts {
  const roles = new Map<string, FakeRole>();
  const calls: StsCall[] = [];
  const sessions: FakeSts['sessions'] = new Map();
  const jwks = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

  /** The identity of a correctly signed request, or why it is not. */
  async function signer(req: IncomingMessage, body: string): Promise<{ arn: string; keyId: string } | { code: string; message: string }> {
    const authorization = req.headers.authorization ?? '';
    const parsed = /^AWS4-HMAC-SHA256 Credential=(\w+)\/(\d{8})\/([\w-]+)\/sts\/aws4_request, SignedHeaders=([\w;-]+), Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
    if (!parsed || !req.headers['x-amz-date']) return { code: 'MissingAuthenticationToken', message: 'Request is missing Authentication Token' };
    const [, keyId, , region, signedHeaders] = parsed as unknown as [string, string, string, string, string];
    const session = sessions.get(keyId);
    const secret = keyId === PLATFORM_KEYS.accessKeyId ? PLATFORM_KEYS.secretAccessKey : session?.secretAccessKey;
    if (!secret) return { code: 'InvalidClientTokenId', message: 'The security token included in the request is invalid.' };
    if (session && req.headers['x-amz-security-token'] !== session.sessionToken) {
      return { code: 'InvalidClientTokenId', message: 'The security token included in the request is invalid.' };
    }
    if (session && session.expiration.getTime() < Date.now()) return { code: 'ExpiredToken', message: 'The security token included in the request is expired' };
    const headers: Record<string, string> = {};
    for (const name of signedHeaders.split(';')) headers[name] = String(req.headers[name] ?? '');
    const host = headers.host ?? '';
    const [hostname, port] = host.split(':');
    const sigv4 = new SignatureV4({
      service: 'sts',
      region,
      sha256: Sha256 as never,
      credentials: { accessKeyId: keyId, secretAccessKey: secret, sessionToken: session?.sessionToken },
    });
    const amzDate = String(req.headers['x-amz-date']);
    const date = new Date(
      `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
    );
    const signed = await sigv4.sign(
      { method: req.method ?? 'POST', protocol: 'http:', hostname: hostname!, port: port ? Number(port) : undefined, path: req.url ?? '/', headers, body },
      { signingDate: date, signableHeaders: new Set(signedHeaders.split(';')) },
    );
    if (signed.headers.authorization !== authorization) {
      return { code: 'SignatureDoesNotMatch', message: 'The request signature we calculated does not match the signature you provided.' };
    }
    return { arn: keyId === PLATFORM_KEYS.accessKeyId ? PLATFORM_ARN : session!.arn, keyId };
  }

  function issue(roleArn: string, sessionName: string, durationSeconds: number) {
    const accessKeyId = `ASIA${upper(16)}`;
    const secretAccessKey = randomBytes(30).toString('base64');
    const sessionToken = `FQoG${randomBytes(120).toString('base64')}`;
    const expiration = new Date(Date.now() + durationSeconds * 1000);
    const [, account, name] = /^arn:aws:iam::(\d{12}):role\/(.+)$/.exec(roleArn)!;
    const arn = `arn:aws:sts::${account}:assumed-role/${name}/${sessionName}`;
    sessions.set(accessKeyId, { secretAccessKey, sessionToken, arn, expiration });
    return (
      `<AssumedRoleUser><Arn>${arn}</Arn><AssumedRoleId>AROAFAKE:${sessionName}</AssumedRoleId></AssumedRoleUser>` +
      `<Credentials><AccessKeyId>${accessKeyId}</AccessKeyId><SecretAccessKey>${secretAccessKey}</SecretAccessKey>` +
      `<SessionToken>${sessionToken}</SessionToken><Expiration>${expiration.toISOString()}</Expiration></Credentials>`
    );
  }

  async function handle(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    const params = new URLSearchParams(body);
    const action = params.get('Action') ?? '';
    calls.push({ action, params, authorization: req.headers.authorization });
    const roleArn = params.get('RoleArn') ?? '';
    const sessionName = params.get('RoleSessionName') ?? '';
    const duration = Number(params.get('DurationSeconds') ?? 3600);
    if (action === 'AssumeRoleWithWebIdentity') {
      const role = roles.get(roleArn)?.webIdentity;
      if (!role) return error(res, 403, 'AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
      try {
        const keys = jwks.get(role.jwksUrl) ?? createRemoteJWKSet(new URL(role.jwksUrl));
        jwks.set(role.jwksUrl, keys);
        const { payload } = await jwtVerify(params.get('WebIdentityToken') ?? '', keys, { issuer: role.issuer, audience: role.audience });
        if (payload.sub !== role.subject) return error(res, 403, 'AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
        return xml(
          res,
          200,
          `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult>` +
            `<SubjectFromWebIdentityToken>${payload.sub}</SubjectFromWebIdentityToken><Audience>${role.audience}</Audience>${issue(roleArn, sessionName, duration)}` +
            `</AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>r-w</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>`,
        );
      } catch (e) {
        return error(res, 400, 'InvalidIdentityToken', `The web identity token could not be verified: ${(e as Error).message}`);
      }
    }
    const who = await signer(req, body);
    if ('code' in who) return error(res, who.code === 'MissingAuthenticationToken' ? 400 : 403, who.code, who.message);
    if (action === 'GetCallerIdentity') {
      return xml(
        res,
        200,
        `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>${who.arn}</Arn>` +
          `<UserId>AIDAFAKE</UserId><Account>${/::(\d{12}):/.exec(who.arn)![1]}</Account></GetCallerIdentityResult>` +
          `<ResponseMetadata><RequestId>r-c</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
      );
    }
    if (action === 'AssumeRole') {
      const role = roles.get(roleArn);
      if (role?.hang) return;
      if (!role || who.keyId !== PLATFORM_KEYS.accessKeyId || (role.externalId !== undefined && params.get('ExternalId') !== role.externalId)) {
        return error(res, 403, 'AccessDenied', `User: ${who.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
      }
      return xml(
        res,
        200,
        `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>${issue(roleArn, sessionName, duration)}</AssumeRoleResult>` +
          `<ResponseMetadata><RequestId>r-a</RequestId></ResponseMetadata></AssumeRoleResponse>`,
      );
    }
    return error(res, 400, 'InvalidAction', `Could not find operation ${action}`);
  }

  return { roles, calls, sessions, handle };
}
