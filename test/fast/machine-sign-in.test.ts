/**
 * Machine sign-in: a CI job's OIDC token, minted here by a local issuer (jose,
 * its discovery document and JWKS served on loopback), exchanged at
 * POST /api/auth/oidc for a short-lived access token of the rule's user — one
 * that fetches keys of the mapped workspace and nothing else. Every attack on
 * the exchange (an untrusted issuer, alg none, HS256 keyed with the public key,
 * expired, wrong audience, a claim not met, a forged signature) is refused
 * with a clear 401 and makes no token; failures count toward the client's limit.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR } from '../../src/core/caller.js';
import { PrismaSessionStore } from '../../src/features/sign-in/store/session-store.js';
import { rsaKeyPair } from '../helpers/keys.js';
import { rest } from '../helpers/rest.js';
import { startServer, type TestServer } from '../helpers/server.js';

const AUDIENCE = 'https://credentials.example.test';
let issuerServer: Server;
let issuer: string;
let key: Awaited<ReturnType<typeof generateKeyPair>>;
let jwk: JWK;
let server: TestServer;
let owner: Awaited<ReturnType<TestServer['newUser']>>;
let workspaceId: number;
let otherWorkspaceId: number;
let pairing: string;
const rulesDir = mkdtempSync(join(tmpdir(), 'credentials-machine-'));
const pem = rsaKeyPair().publicKey.export({ type: 'spki', format: 'pem' }).toString();

/** A token of the local issuer (claims of a GitHub Actions job by default). */
async function jobToken(claims: Record<string, unknown> = {}, options: { audience?: string; expiresIn?: string; iss?: string; signWith?: CryptoKey } = {}) {
  return new SignJWT({ repository: 'acme/pipelines', ref: 'refs/heads/main', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'job-key' })
    .setIssuer(options.iss ?? issuer)
    .setSubject('repo:acme/pipelines:ref:refs/heads/main')
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt()
    .setJti(crypto.randomUUID())
    .setExpirationTime(options.expiresIn ?? '5m')
    .sign(options.signWith ?? key.privateKey);
}

const exchange = (token: string, on = server) => rest(on, undefined, 'POST', '/api/auth/oidc', { token });

beforeAll(async () => {
  key = await generateKeyPair('RS256');
  jwk = { ...(await exportJWK(key.publicKey)), kid: 'job-key', alg: 'RS256', use: 'sig' };
  issuerServer = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/openid-configuration') return res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
    if (req.url === '/jwks') return res.end(JSON.stringify({ keys: [jwk] }));
    res.statusCode = 404;
    res.end('{}');
  });
  await new Promise<void>((r) => issuerServer.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(issuerServer.address() as AddressInfo).port}`;
  const file = join(rulesDir, 'machine-issuers.json');
  writeFileSync(
    file,
    JSON.stringify({
      issuers: [
        {
          issuer,
          audience: AUDIENCE,
          rules: [
            {
              name: 'pipelines-main',
              claims: { repository: 'acme/pipelines', ref: 'refs/heads/main' },
              workspace: 'acme/lab',
              role: 'CONNECT',
              expiresIn: '10m',
            },
            { name: 'docs-any-branch', claims: { repository: ['acme/docs', 'acme/site'] }, user: 'docs-bot', scope: 'read' },
            { name: 'release', claims: { repository: 'acme/release' }, workspace: 'acme/lab', role: 'MAINTAIN' },
            { name: 'nightly', claims: { repository: 'acme/nightly' }, workspace: 'acme/lab', role: 'LAUNCH' },
          ],
        },
      ],
    }),
  );
  server = await startServer({ OIDC_MACHINE_ISSUERS: file, AUTH_FAILURES_PER_MINUTE: '100' });
  owner = await server.newUser('lab-owner');
  await server.services.tokens.createUser('docs-bot', 'cli');
  const ws = server.services.workspaces;
  await ws.createOrganization(OPERATOR, 'acme', owner.name);
  workspaceId = (await ws.createWorkspace(OPERATOR, { name: 'acme' }, 'lab')).id;
  otherWorkspaceId = (await ws.createWorkspace(OPERATOR, { name: 'acme' }, 'other')).id;
  await ws.addParticipant(OPERATOR, { id: String(workspaceId) }, owner.name, 'OWNER');
  await ws.addParticipant(OPERATOR, { id: String(otherWorkspaceId) }, owner.name, 'OWNER');
  pairing = (await server.services.pairings.add('runner', pem)).id;
});
afterAll(async () => {
  await server?.close();
  issuerServer?.close();
});

async function credentialIn(workspace: number, name: string): Promise<string> {
  const created = await rest(server, owner.token, 'POST', `/api/credentials?workspaceId=${workspace}`, {
    credentials: { name, provider: 'container-reg', keys: { userName: 'robot', password: `pw-${name}`, registry: 'quay.io' } },
  });
  expect(created.status, created.text).toBe(200);
  return created.body.credentialsId;
}

describe('a CI job’s OIDC token', () => {
  it('is exchanged for a short-lived keys:read token of the rule’s service user, that fetches keys of the mapped workspace and nothing else', async () => {
    const lab = await credentialIn(workspaceId, 'lab-registry');
    const other = await credentialIn(otherWorkspaceId, 'other-registry');
    const answer = await exchange(await jobToken());
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toMatchObject({
      tokenType: 'Bearer',
      scope: 'keys:read',
      user: 'oidc:pipelines-main',
      workspace: 'acme/lab',
      rule: 'pipelines-main',
      accessToken: expect.stringMatching(/^cst_/),
    });
    const lifetime = Date.parse(answer.body.expiresAt) - Date.now();
    expect(lifetime).toBeGreaterThan(9 * 60_000);
    expect(lifetime).toBeLessThanOrEqual(10 * 60_000);
    const token = answer.body.accessToken;
    expect((await rest(server, token, 'GET', `/api/credentials/${lab}/keys?pairingId=${pairing}&workspaceId=${workspaceId}`)).status).toBe(200);
    expect((await rest(server, token, 'GET', `/api/credentials/${other}/keys?pairingId=${pairing}&workspaceId=${otherWorkspaceId}`)).status).toBe(403);
    expect((await rest(server, token, 'GET', '/api/credentials')).body.credentials).toEqual([]);
    const write = await rest(server, token, 'POST', `/api/credentials?workspaceId=${workspaceId}`, {
      credentials: { name: 'nope', provider: 'container-reg', keys: { userName: 'u', password: 'p', registry: 'quay.io' } },
    });
    expect(write.status).toBe(403);
    // The service user takes part with the rule's role; the exchange is audited with the claims that matched.
    const participants = await server.services.workspaces.listParticipants(OPERATOR, { id: String(workspaceId) });
    expect(participants.find((p) => p.userName === 'oidc:pipelines-main')?.role).toBe('CONNECT');
    const event = await server.db.auditEvent.findFirst({ where: { action: 'token.exchange' }, orderBy: { id: 'desc' } });
    expect(event).toMatchObject({ actor: 'oidc:pipelines-main', door: 'rest' });
    expect(event!.detail).toContain(`iss=${issuer}`);
    expect(event!.detail).toContain('repository=acme/pipelines; ref=refs/heads/main');
    expect(event!.detail).not.toContain('eyJ');
  });

  it('a person who signed in first under the name oidc-<rule> gets nothing of the rule: its service user is another account, made for it', async () => {
    // Browser sign-in names a person after their e-mail's local part: oidc-release@… becomes the user oidc-release.
    const person = await new PrismaSessionStore(server.db).createOidcUser({
      id: 'PersonTakingTheRuleName',
      name: 'oidc-release',
      issuer: 'https://idp.example',
      subject: 'mallory',
      email: 'oidc-release@example.com',
      displayName: 'Mallory',
    });
    expect(person).toBe('created');
    const answer = await exchange(await jobToken({ repository: 'acme/release' }));
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body.user).toBe('oidc:release');
    const info = await rest(server, answer.body.accessToken, 'GET', '/api/user-info');
    expect(info.body.user.userName).toBe('oidc:release');
    const participants = await server.services.workspaces.listParticipants(OPERATOR, { id: String(workspaceId) });
    expect(participants.find((p) => p.userName === 'oidc:release')?.role).toBe('MAINTAIN');
    expect(participants.find((p) => p.userId === 'PersonTakingTheRuleName')).toBeUndefined();
    expect(await server.db.accessToken.count({ where: { userId: 'PersonTakingTheRuleName' } })).toBe(0);
    // The service user is marked as the rule's; a person cannot be given a name in its name space.
    expect(await server.db.user.findUnique({ where: { name: 'oidc:release' }, select: { serviceRule: true } })).toEqual({ serviceRule: 'release' });
    await expect(server.services.tokens.createUser('oidc:nightly', 'cli')).rejects.toThrow(/must be 1-64 letters, digits or \. _ @ -/);
  });

  it('refuses (401, audited) when the rule’s service user name is held by an account the service did not make for it', async () => {
    // As a database restored from an older release, or written by hand, could hold it.
    await server.db.user.create({ data: { id: 'NotTheNightlyServiceUsr', name: 'oidc:nightly' } });
    const before = await server.db.accessToken.count();
    const refused = await exchange(await jobToken({ repository: 'acme/nightly' }));
    expect(refused.status).toBe(401);
    expect(refused.body.message).toMatch(/service user oidc:nightly is an account the service did not make for it/);
    expect(await server.db.accessToken.count()).toBe(before);
    const participants = await server.services.workspaces.listParticipants(OPERATOR, { id: String(workspaceId) });
    expect(participants.find((p) => p.userId === 'NotTheNightlyServiceUsr')).toBeUndefined();
    const event = await server.db.auditEvent.findFirst({ where: { action: 'token.refuse' }, orderBy: { id: 'desc' } });
    expect(event).toMatchObject({ targetId: 'NotTheNightlyServiceUsr', actor: 'oidc:nightly', door: 'rest' });
    expect(event!.detail).toContain('repository=acme/nightly');
  });

  it('a rule may name an existing user, with any of several claim values', async () => {
    const answer = await exchange(await jobToken({ repository: 'acme/site', ref: 'refs/heads/preview' }));
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toMatchObject({ user: 'docs-bot', scope: 'read', rule: 'docs-any-branch' });
    expect((await rest(server, answer.body.accessToken, 'GET', '/api/user-info')).body.user.userName).toBe('docs-bot');
  });

  it('refuses every forged, foreign, stale or unmatched token with a clear 401, and makes no token', async () => {
    const before = await server.db.accessToken.count({ where: { origin: 'oidc' } });
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: issuer, aud: AUDIENCE, sub: 'x', repository: 'acme/pipelines', ref: 'refs/heads/main', iat: now, exp: now + 300 };
    const unsigned = `${b64({ alg: 'none' })}.${b64(claims)}.`;
    // HS256 "signed" with the issuer's public key as the HMAC secret (the classic key-confusion attack).
    const hsInput = `${b64({ alg: 'HS256', kid: 'job-key' })}.${b64(claims)}`;
    const hs256 = `${hsInput}.${createHmac('sha256', JSON.stringify(jwk)).update(hsInput).digest('base64url')}`;
    const stranger = await generateKeyPair('RS256');
    const cases: [string, string, RegExp][] = [
      ['alg none', unsigned, /signed with none are not accepted/],
      ['HS256 with the public key', hs256, /signed with HS256 are not accepted/],
      ['an untrusted issuer', await jobToken({}, { iss: 'https://evil.example' }), /issuer https:\/\/evil\.example is not trusted/],
      ['a wrong audience', await jobToken({}, { audience: 'https://elsewhere.example' }), /aud claim is not what this service expects/],
      ['expired', await jobToken({}, { expiresIn: '-5m' }), /it has expired/],
      ['a forged signature', await jobToken({}, { signWith: stranger.privateKey }), /signature does not verify/],
      ['a claim not met', await jobToken({ ref: 'refs/heads/feature' }), /matches no rule/],
      ['no JWT at all', 'not-a-jwt', /not a signed JWT/],
    ];
    for (const [what, token, message] of cases) {
      const refused = await exchange(token);
      expect(refused.status, what).toBe(401);
      expect(refused.body.message, what).toMatch(message);
      expect(refused.text, what).not.toContain(token.slice(0, 40));
    }
    expect(await server.db.accessToken.count({ where: { origin: 'oidc' } })).toBe(before);
  });

  it('refusals count as failed authentications: past the limit, 429 with Retry-After', async () => {
    const limited = await startServer({ OIDC_MACHINE_ISSUERS: join(rulesDir, 'machine-issuers.json'), AUTH_FAILURES_PER_MINUTE: '2' });
    try {
      const bad = await jobToken({ ref: 'refs/heads/feature' });
      expect((await exchange(bad, limited)).status).toBe(401);
      expect((await exchange(bad, limited)).status).toBe(401);
      const third = await exchange(bad, limited);
      expect(third.status).toBe(429);
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });

  it('a rules file with a mistake stops the start, naming the setting and the field', async () => {
    const file = join(rulesDir, 'broken.json');
    writeFileSync(file, JSON.stringify({ issuers: [{ issuer, audience: AUDIENCE, rules: [{ name: 'Bad Name', claims: {}, user: 'x' }] }] }));
    await expect(startServer({ OIDC_MACHINE_ISSUERS: file })).rejects.toThrow(/OIDC_MACHINE_ISSUERS: .*rules\.0\.name: must be 1-40 lower-case/);
  });
});
