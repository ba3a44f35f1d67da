/**
 * The GitHub Action (action.yml → client/action.js), run exactly as a runner runs it: `node client/action.js` with
 * its inputs as INPUT_* variables, the job's OIDC token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN: here a stub
 * on loopback whose issuer the service trusts through OIDC_MACHINE_ISSUERS), GITHUB_ENV and RUNNER_TEMP as files,
 * and its workflow commands read from standard output: every value masked before anything else is written, the
 * values exported through GITHUB_ENV (a multi-line one intact), no stored token, and refusals as one ::error:: line.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR } from '../../src/core/caller.js';
import { childEnv, root } from '../helpers/process.js';
import { rest } from '../helpers/rest.js';
import { startServer, type TestServer } from '../helpers/server.js';

const ACTION = join(root, 'client', 'action.js');
const REQUEST_TOKEN = 'runner-request-token-for-this-job';
const MULTI_LINE = 'line one of the key\nline two of the key\nline three';
const GITHUB_TOKEN = 'ghp_actionE2Etoken0123456789abcdefghi';

let server: TestServer;
let issuerServer: Server;
let issuer: string;
let audience: string;
const requests: { audience: string | null; authorization: string | undefined }[] = [];

beforeAll(async () => {
  const key = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(key.publicKey)), kid: 'job', alg: 'RS256', use: 'sig' };
  // GitHub's two halves on loopback: the issuer's discovery and keys, and the runner's token request endpoint.
  issuerServer = createServer(async (req, res) => {
    res.setHeader('content-type', 'application/json');
    const url = new URL(req.url ?? '/', issuer);
    if (url.pathname === '/.well-known/openid-configuration') return res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
    if (url.pathname === '/jwks') return res.end(JSON.stringify({ keys: [jwk] }));
    if (url.pathname === '/token') {
      requests.push({ audience: url.searchParams.get('audience'), authorization: req.headers.authorization });
      if (req.headers.authorization !== `bearer ${REQUEST_TOKEN}`) {
        res.statusCode = 401;
        return res.end('{}');
      }
      const value = await new SignJWT({ repository: 'acme/app', ref: 'refs/heads/main' })
        .setProtectedHeader({ alg: 'RS256', kid: 'job' })
        .setIssuer(issuer)
        .setSubject('repo:acme/app:ref:refs/heads/main')
        .setAudience(url.searchParams.get('audience') ?? '')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(key.privateKey);
      return res.end(JSON.stringify({ value }));
    }
    res.statusCode = 404;
    res.end('{}');
  });
  await new Promise<void>((r) => issuerServer.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(issuerServer.address() as AddressInfo).port}`;
  audience = 'credentials-service-ci';
  const rules = join(mkdtempSync(join(tmpdir(), 'action-rules-')), 'machine-issuers.json');
  writeFileSync(
    rules,
    JSON.stringify({
      issuers: [
        { issuer, audience, rules: [{ name: 'app-main', claims: { repository: 'acme/app', ref: 'refs/heads/main' }, workspace: 'acme/ci', role: 'LAUNCH' }] },
      ],
    }),
  );
  server = await startServer({ OIDC_MACHINE_ISSUERS: rules });
  const owner = await server.newUser('action-owner');
  await server.services.workspaces.createOrganization(OPERATOR, 'acme', owner.name);
  const ws = await server.services.workspaces.createWorkspace(OPERATOR, { name: 'acme' }, 'ci');
  await server.services.workspaces.addParticipant(OPERATOR, { id: String(ws.id) }, owner.name, 'OWNER');
  const made = await rest(server, owner.token, 'POST', `/api/credentials?workspaceId=${ws.id}`, {
    credentials: { name: 'gh', provider: 'github', keys: { username: 'octo', token: GITHUB_TOKEN } },
  });
  expect(made.status, made.text).toBe(200);
  for (const [name, value] of [
    ['SIGNING_KEY', MULTI_LINE],
    ['DB_PASSWORD', 'action-db-password'],
  ]) {
    expect((await rest(server, owner.token, 'POST', `/api/pipeline-secrets?workspaceId=${ws.id}`, { name, value })).status).toBe(200);
  }
}, 60_000);
afterAll(async () => {
  await server?.close();
  await new Promise((r) => issuerServer?.close(r));
});

/** Runs the action's entry as the runner does; its exit code, standard output, and the GITHUB_ENV file it wrote. */
function runAction(inputs: Record<string, string>, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'action-run-'));
  const envFile = join(dir, 'github_env');
  writeFileSync(envFile, '');
  const inputVars = Object.fromEntries(Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value]));
  return new Promise<{ code: number | null; out: string; err: string; envFile: string }>((resolve) => {
    const child = spawn(process.execPath, [ACTION], {
      env: childEnv({
        GITHUB_ENV: envFile,
        RUNNER_TEMP: dir,
        ACTIONS_ID_TOKEN_REQUEST_URL: `${issuer}/token?api-version=2.0`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN,
        ...inputVars,
        ...env,
      }),
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('exit', (code) => resolve({ code, out, err, envFile }));
  });
}

/** GITHUB_ENV's `NAME<<DELIMITER … DELIMITER` entries. */
function exported(text: string): Record<string, string> {
  const found: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)<<(.+)$/.exec(lines[i]!);
    if (!m) continue;
    const end = lines.indexOf(m[2]!, i + 1);
    found[m[1]!] = lines.slice(i + 1, end).join('\n');
    i = end;
  }
  return found;
}

describe('the GitHub Action', () => {
  it('masks every value first, then exports them through GITHUB_ENV (multi-line intact), with the job’s OIDC token only', async () => {
    const run = await runAction({ server: server.url, workspace: 'acme/ci', credentials: 'gh\n', secrets: 'SIGNING_KEY\n  DB_PASSWORD  \n', audience });
    expect(run.code, run.out + run.err).toBe(0);
    expect(requests.at(-1)).toEqual({ audience, authorization: `bearer ${REQUEST_TOKEN}` });
    const lines = run.out.trimEnd().split('\n');
    const firstOther = lines.findIndex((l) => !l.startsWith('::add-mask::'));
    // (The runner reads a command's data back unescaped: %0A is a line feed, %25 a percent sign.)
    const masked = new Set(
      lines.slice(0, firstOther).map((l) => l.slice('::add-mask::'.length).replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%')),
    );
    for (const value of [GITHUB_TOKEN, 'octo', 'action-db-password', MULTI_LINE, ...MULTI_LINE.split('\n')]) {
      expect(masked.has(value), value).toBe(true);
    }
    // After the masks, nothing but the summary: no value, no token.
    expect(lines.slice(firstOther)).toEqual([
      expect.stringMatching(/^Exported GITHUB_TOKEN, GITHUB_USER, SIGNING_KEY, DB_PASSWORD \(delivery [0-9A-Za-z]{22}\)\.$/),
    ]);
    expect(exported(readFileSync(run.envFile, 'utf8'))).toEqual({
      GITHUB_TOKEN,
      GITHUB_USER: 'octo',
      SIGNING_KEY: MULTI_LINE,
      DB_PASSWORD: 'action-db-password',
    });
    // Audited as the rule's service user, naming the action.
    const rows = await server.db.auditEvent.findMany({ where: { action: 'pipeline_secret.deliver' }, orderBy: { id: 'asc' } });
    expect(rows.at(-1)?.detail).toMatch(/^DB_PASSWORD key \S{43} client credentials-action\/0\.1\.0 delivery /);
  });

  it('refusals are one ::error:: line: no id-token permission, a token the service does not accept, a name not there', async () => {
    const noPermission = await runAction(
      { server: server.url, secrets: 'DB_PASSWORD' },
      { ACTIONS_ID_TOKEN_REQUEST_URL: '', ACTIONS_ID_TOKEN_REQUEST_TOKEN: '' },
    );
    expect([noPermission.code, noPermission.out]).toEqual([1, '::error::no OIDC token for this job: give it `permissions: id-token: write`\n']);
    const wrongAudience = await runAction({ server: server.url, workspace: 'acme/ci', secrets: 'DB_PASSWORD', audience: 'another-audience' });
    expect(wrongAudience.code).toBe(1);
    expect(wrongAudience.out.split('\n').filter((l) => !l.startsWith('::add-mask::'))).toEqual([
      expect.stringMatching(/^::error::the service did not accept this job's OIDC token: The token was not accepted: its aud claim/),
      '',
    ]);
    const missing = await runAction({ server: server.url, workspace: 'acme/ci', secrets: 'NOT_THERE', audience });
    expect(missing.code).toBe(1);
    expect(missing.out.split('\n').filter((l) => !l.startsWith('::add-mask::'))).toEqual([expect.stringMatching(/^::error::.*NOT_THERE/), '']);
    expect(readFileSync(missing.envFile, 'utf8')).toBe('');
  });
});
