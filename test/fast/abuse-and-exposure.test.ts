/**
 * One regression test per finding of the attack on the running service
 * (issue "Hardening from an attack on the running service"), named after it.
 * The slow-client and cardinality attacks on a real process are in
 * test/system/attacks.test.ts.
 */
import { existsSync, lstatSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/infra/config/index.js';
import { createLogger } from '../../src/infra/logger.js';
import { generateKey, writeKeyFile } from '../../src/platform/secrets/keyring.js';
import { openKeyRing, StartupError } from '../../src/wiring/runtime.js';
import { onPostgres } from '../helpers/database.js';
import { storedSecrets } from '../helpers/fixtures.js';
import { rest } from '../helpers/rest.js';
import { gql, startServer, type TestServer, withServer } from '../helpers/server.js';
import { latencyLimit, testClock } from '../helpers/time.js';

const {
  server,
  users: { hardening: user },
} = withServer({ users: ['hardening'] });

const CREATE = `mutation Create($input: CredentialInput!, $key: String) {
  createCredential(input: $input, idempotencyKey: $key) { __typename ... on MutationCreateCredentialSuccess { data { id } } ... on Error { message } ... on ValidationError { fields { path message } } }
}`;
const UPDATE = `mutation Update($id: ID!, $input: CredentialInput!) {
  updateCredential(id: $id, input: $input) { __typename ... on Error { message } ... on ValidationError { fields { path message } } }
}`;
const createRest = async (credentials: Record<string, unknown>) => {
  const result = await rest(server, user.token, 'POST', '/api/credentials', { credentials });
  expect(result.status, result.text).toBe(200);
  return result.body.credentialsId as string;
};

/** Sends raw bytes on a socket; resolves with what the server answered (or '' if it closed first) and when. */
function rawRequest(bytes: string, waitMs: number): Promise<{ answer: string; afterMs: number }> {
  const { port } = new URL(server.url);
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(bytes));
    let answer = '';
    const done = () => resolve({ answer, afterMs: performance.now() - started });
    socket.on('data', (d) => {
      answer += d;
      if (answer.includes('\r\n\r\n')) {
        socket.destroy();
        done();
      }
    });
    socket.on('close', done);
    socket.on('error', done);
    setTimeout(() => socket.destroy(), waitMs);
  });
}

describe('client-chosen GraphQL operation names never become unbounded metric labels', () => {
  it('counts unauthenticated operations as one label, authenticated ones by name up to a bound, then as other', async () => {
    const send = (token: string | undefined, name: string) => gql(server, token, `query ${name} { __typename }`);
    // Past the bound of 100 names by authenticated callers; a few anonymous ones, each of another name.
    for (let i = 0; i < 10; i++) await send(undefined, `Anonymous${i}_${'x'.repeat(200)}`);
    for (let i = 0; i < 120; i++) await send(user.token, `Named${i}`);
    await send(user.token, `Long${'y'.repeat(100)}`);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const labels = new Set([...metrics.matchAll(/graphql_operation_duration_seconds_count\{operation="([^"]*)"/g)].map((m) => m[1]));
    expect(labels.has('unauthenticated')).toBe(true);
    expect([...labels].some((l) => l!.startsWith('Anonymous'))).toBe(false);
    expect([...labels].some((l) => l!.startsWith('Long'))).toBe(false);
    expect(labels.has('other')).toBe(true);
    expect(labels.size).toBeLessThanOrEqual(100 + 2);
    // The log line of a request names the operation, cut to a bounded length.
    const logged = server.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request' && /^Anonymous/.test(l.graphqlOperation ?? ''));
    expect(logged.length).toBeGreaterThan(0);
    for (const line of logged) expect(line.graphqlOperation.length).toBeLessThanOrEqual(64);
  });
});

describe('a request with a bad token is answered from its headers, before its body', () => {
  it('answers 401 at once on both doors while the announced body never comes', async () => {
    for (const path of ['/graphql', '/api/credentials']) {
      const { answer, afterMs } = await rawRequest(
        `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer cst_${'q'.repeat(43)}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"query":`,
        5000,
      );
      expect(answer, path).toMatch(/^HTTP\/1\.1 401 /);
      expect(afterMs, path).toBeLessThan(latencyLimit(2000));
    }
  });
});

describe('X-Forwarded-For is believed only from proxies TRUST_PROXY names', () => {
  it('does not let a client escape the failure limit by inventing addresses, unless a trusted proxy vouches for them', async () => {
    const bad = `cst_${'w'.repeat(43)}`;
    const failWith = (target: TestServer, address: string) =>
      fetch(`${target.url}/api/credentials`, { headers: { authorization: `Bearer ${bad}`, 'x-forwarded-for': address } }).then((r) => r.status);
    const direct = await startServer({ AUTH_FAILURES_PER_MINUTE: '2' });
    const proxied = await startServer({ AUTH_FAILURES_PER_MINUTE: '2', TRUST_PROXY: '127.0.0.1' });
    try {
      // Not trusted: every invented address is the same client (the socket's), limited after 2.
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push(await failWith(direct, `203.0.113.${i}`));
      expect(statuses).toEqual([401, 401, 429, 429]);
      // Behind a trusted proxy: each client address is counted on its own.
      const behind = [];
      for (let i = 0; i < 4; i++) behind.push(await failWith(proxied, `203.0.113.${i}`));
      expect(behind).toEqual([401, 401, 401, 401]);
      expect([await failWith(proxied, '198.51.100.7'), await failWith(proxied, '198.51.100.7'), await failWith(proxied, '198.51.100.7')]).toEqual([
        401, 401, 429,
      ]);
    } finally {
      await direct.close();
      await proxied.close();
    }
  });
});

describe('no part of a request body reaches the log, and no submitted value comes back in an error', () => {
  it('logs and answers a body that is not JSON without quoting it', async () => {
    const secret = 'hunter2-not-json';
    const restAnswer = await rest(server, user.token, 'POST', '/api/credentials', undefined, {
      raw: `{"credentials":{"name":"x","provider":"github","keys":{"password":${secret}}}}`,
    });
    expect(restAnswer.status).toBe(400);
    const graphqlAnswer = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` },
      body: `{"query":"{ viewer { name } }","variables":{"p":${secret}}}`,
    });
    expect(graphqlAnswer.status).toBe(400);
    expect(await graphqlAnswer.text()).not.toContain('hunter2');
    expect(restAnswer.text).not.toContain('hunter2');
    expect(server.logs.join('\n')).not.toContain('hunter2');
  });

  it('never echoes a variable or a literal of the wrong type or shape', async () => {
    const secret = 'S3cret-typed-wrong';
    const answers = [
      await gql(server, user.token, CREATE, { input: { name: 'typed', keys: { github: { token: { value: secret } } } } }),
      await gql(server, user.token, CREATE, { input: { name: 'typed', keys: { aws: { mode: secret } } } }),
      await gql(server, user.token, CREATE, { input: { name: 'typed', keys: { github: { token: 't' }, gitlab: { token: secret } } } }),
      await gql(server, user.token, `mutation { createCredential(input: {name: "x", keys: {aws: {mode: ${secret.replace(/-/g, '_')}}}}) { __typename } }`),
      await gql(server, user.token, `mutation { createCredential(input: {name: "x", keys: {github: {token: 42424242}}}) { __typename } }`),
    ];
    for (const answer of answers) {
      expect(answer.body.errors?.length, JSON.stringify(answer.body)).toBeGreaterThan(0);
      expect(JSON.stringify(answer.body)).not.toMatch(/S3cret|typed_wrong|42424242/);
    }
  });
});

describe('a stored secret can be cleared without deleting the credential', () => {
  it('clears a secret sent as null or "" (both doors), keeps one not sent', async () => {
    const id = await createRest({ name: 'clearable', provider: 'github', keys: { username: 'u', password: 'leaked-pw', token: 'tok' } });
    expect(
      (
        await rest(server, user.token, 'PUT', `/api/credentials/${id}`, {
          credentials: { name: 'clearable', provider: 'github', keys: { username: 'u', password: null } },
        })
      ).status,
    ).toBe(204);
    expect(await storedSecrets(server, id)).toEqual({ token: 'tok' });
    const viaGraphql = await gql(server, user.token, UPDATE, { id, input: { name: 'clearable', keys: { github: { token: 'tok-2', password: 'pw-2' } } } });
    expect(viaGraphql.body.data!.updateCredential.__typename).toBe('MutationUpdateCredentialSuccess');
    await gql(server, user.token, UPDATE, { id, input: { name: 'clearable', keys: { github: { password: null } } } });
    expect(await storedSecrets(server, id)).toEqual({ token: 'tok-2' });
    expect(
      (
        await rest(server, user.token, 'PUT', `/api/credentials/${id}`, {
          credentials: { name: 'clearable', provider: 'github', keys: { password: 'pw-3', token: '' } },
        })
      ).status,
    ).toBe(204);
    expect(await storedSecrets(server, id)).toEqual({ password: 'pw-3' });
  });

  it('refuses to clear a secret the provider requires, and changes nothing', async () => {
    const id = await createRest({ name: 'required', provider: 'container-reg', keys: { userName: 'u', password: 'pw' } });
    const cleared = await rest(server, user.token, 'PUT', `/api/credentials/${id}`, {
      credentials: { name: 'required', provider: 'container-reg', keys: { userName: 'u', password: null } },
    });
    expect(cleared).toMatchObject({ status: 400, body: { message: 'keys.password: is required' } });
    expect(await storedSecrets(server, id)).toEqual({ password: 'pw' });
  });

  it('drops the static keys of an AWS credential switched to role mode (both doors)', async () => {
    const viaRest = await createRest({ name: 'aws-switch', provider: 'aws', keys: { accessKey: 'AKIA', secretKey: 'static-secret' } });
    const switched = await rest(server, user.token, 'PUT', `/api/credentials/${viaRest}`, {
      credentials: { name: 'aws-switch', provider: 'aws', keys: { mode: 'role', assumeRoleArn: 'arn:aws:iam::1:role/r' } },
    });
    expect(switched.status, switched.text).toBe(204);
    expect(await storedSecrets(server, viaRest)).toBeNull();
    const created = await gql(server, user.token, CREATE, { input: { name: 'aws-switch-gql', keys: { aws: { accessKey: 'AKIA', secretKey: 'static-2' } } } });
    const id = created.body.data!.createCredential.data.id;
    const viaGraphql = await gql(server, user.token, UPDATE, {
      id,
      input: { name: 'aws-switch-gql', keys: { aws: { mode: 'role', assumeRoleArn: 'arn:aws:iam::1:role/r' } } },
    });
    expect(viaGraphql.body.data!.updateCredential.__typename).toBe('MutationUpdateCredentialSuccess');
    expect(await storedSecrets(server, id)).toBeNull();
    // Static keys sent with role mode are still refused.
    const mixed = await rest(server, user.token, 'PUT', `/api/credentials/${viaRest}`, {
      credentials: { name: 'aws-switch', provider: 'aws', keys: { mode: 'role', assumeRoleArn: 'arn', secretKey: 'x' } },
    });
    expect(mixed).toMatchObject({ status: 400, body: { message: 'keys.secretKey: must be empty in role mode' } });
  });
});

describe('CORS by allow-list only, security headers, and a narrow production surface', () => {
  it('answers no cross-origin request by default, and never with credentials', async () => {
    for (const [method, path] of [
      ['POST', '/graphql'],
      ['OPTIONS', '/graphql'],
      ['GET', '/api/credentials'],
    ] as const) {
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: {
          origin: 'https://evil.example',
          'access-control-request-method': 'POST',
          authorization: `Bearer ${user.token}`,
          'content-type': 'application/json',
        },
        body: method === 'POST' ? JSON.stringify({ query: '{ __typename }' }) : undefined,
      });
      expect(response.headers.get('access-control-allow-origin'), `${method} ${path}`).toBeNull();
      expect(response.headers.get('access-control-allow-credentials'), `${method} ${path}`).toBeNull();
    }
  });

  it('lets the listed origins call, without credentials mode', async () => {
    const open = await startServer({ CORS_ORIGINS: 'https://app.example' });
    try {
      const preflight = await fetch(`${open.url}/graphql`, {
        method: 'OPTIONS',
        headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
      expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
      const other = await fetch(`${open.url}/graphql`, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await open.close();
    }
  });

  it('sends security headers everywhere, a CSP the pages satisfy, and no-store on API answers', async () => {
    for (const path of ['/graphql', '/api/docs', '/api/credentials', '/healthz']) {
      const response = await fetch(`${server.url}${path}`, { headers: { accept: 'text/html', authorization: `Bearer ${user.token}` } });
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).not.toContain('unsafe-eval');
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(response.headers.get('x-frame-options'), path).toBe('DENY');
      expect(response.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(response.headers.get('cache-control'), path).toBe('no-store');
    }
  });

  it('in production, keeps GraphiQL, introspection and metrics closed unless configured', async () => {
    const keyDir = mkdtempSync(join(tmpdir(), 'credentials-prod-key-'));
    const { id, key } = generateKey();
    const production = { NODE_ENV: 'production', MASTER_KEYS: `${id}:${key.toString('base64')}`, MASTER_KEY_FILE: join(keyDir, 'keys.json') };
    const closed = await startServer(production);
    const withToken = await startServer({ ...production, METRICS_TOKEN: 'm'.repeat(32), GRAPHIQL: 'true', GRAPHQL_INTROSPECTION: 'true' });
    try {
      const page = await fetch(`${closed.url}/graphql`, { headers: { accept: 'text/html' } });
      expect(await page.text()).not.toContain('yoga-graphiql');
      const introspection = await gql(closed, undefined, '{ __schema { queryType { name } } }');
      expect(introspection.body.errors?.[0]?.message).toMatch(/introspection/i);
      expect((await fetch(`${closed.url}/metrics`)).status).toBe(404);
      // Switched on, with metrics behind a token.
      expect(await (await fetch(`${withToken.url}/graphql`, { headers: { accept: 'text/html' } })).text()).toContain('yoga-graphiql');
      expect((await gql(withToken, undefined, '{ __schema { queryType { name } } }')).body.data).toBeTruthy();
      expect((await fetch(`${withToken.url}/metrics`)).status).toBe(401);
      expect((await fetch(`${withToken.url}/metrics`, { headers: { authorization: `Bearer ${'m'.repeat(31)}x` } })).status).toBe(401);
      const metrics = await fetch(`${withToken.url}/metrics`, { headers: { authorization: `Bearer ${'m'.repeat(32)}` } });
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('http_requests_total');
    } finally {
      await closed.close();
      await withToken.close();
    }
  });
});

describe('key and database files', () => {
  it('writes the key file through a temporary file a planted link cannot catch, readable by its owner only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'credentials-keyfile-'));
    const path = join(dir, 'master-keys.json');
    const target = join(dir, 'attacker-owned');
    writeFileSync(target, 'nothing\n');
    // The name the old code used, and a link at the key file's own name: neither may be followed.
    symlinkSync(target, `${path}.${process.pid}.tmp`);
    const { id, key } = generateKey();
    writeKeyFile(path, { primary: id, keys: new Map([[id, key]]) });
    expect(readFileSync(target, 'utf8')).toBe('nothing\n');
    expect(lstatSync(path).isSymbolicLink()).toBe(false);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    symlinkSync(target, join(dir, 'link.json'));
    writeKeyFile(join(dir, 'link.json'), { primary: id, keys: new Map([[id, key]]) });
    expect(readFileSync(target, 'utf8')).toBe('nothing\n');
    expect(JSON.parse(readFileSync(join(dir, 'link.json'), 'utf8')).primary).toBe(id);
  });

  it.skipIf(onPostgres)('creates the database, its WAL and its shared memory readable by their owner only', async () => {
    await createRest({ name: 'private-files', provider: 'github', keys: { token: 't' } });
    const file = server.config.databaseUrl.slice('file:'.length);
    for (const f of [file, `${file}-wal`, `${file}-shm`]) {
      expect(existsSync(f), f).toBe(true);
      expect(statSync(f).mode & 0o777, f).toBe(0o600);
    }
  });

  it('refuses, in production, a key file in the database directory unless told; warns locally', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'credentials-beside-'));
    const env = { DATABASE_URL: `file:${join(dir, 'db.sqlite')}`, MASTER_KEY_FILE: join(dir, 'keys.json') };
    const lines: string[] = [];
    const logger = createLogger('warn', { write: (l: string) => void lines.push(l) } as unknown as NodeJS.WritableStream);
    // Without any key, production says so first.
    await expect(openKeyRing(loadConfig({ ...env, NODE_ENV: 'production' }), logger)).rejects.toThrow(/^No master key/);
    await openKeyRing(loadConfig(env), logger);
    expect(lines.join('')).toMatch(/the master key file is in the database's directory/);
    await expect(openKeyRing(loadConfig({ ...env, NODE_ENV: 'production' }), logger)).rejects.toThrow(StartupError);
    await expect(openKeyRing(loadConfig({ ...env, NODE_ENV: 'production' }), logger)).rejects.toThrow(/in the database's directory/);
    const { id, key } = generateKey();
    writeKeyFile(env.MASTER_KEY_FILE, { primary: id, keys: new Map([[id, key]]) });
    expect((await openKeyRing(loadConfig({ ...env, NODE_ENV: 'production', ALLOW_KEY_FILE_BESIDE_DATABASE: 'true' }), logger)).ring.primaryId).toBe(id);
  });
});

describe('tokens', () => {
  it('expire: a token is refused once its expiry is past, and shows when it expires', async () => {
    const clock = testClock();
    const timed = await startServer({}, { clock: clock.now });
    try {
      const owner = await timed.newUser('expiring');
      const expiresAt = new Date(clock.now() + 90 * 60_000);
      const { token } = await timed.services.tokens.createToken(owner.userId, 'short-lived', { actor: 'operator', door: 'cli' }, { expiresAt });
      const before = await gql(timed, token, '{ viewer { tokens { name expiresAt } } }');
      expect(before.status).toBe(200);
      expect(before.body.data!.viewer.tokens).toContainEqual({ name: 'short-lived', expiresAt: expiresAt.toISOString() });
      clock.advance(90 * 60_000 - 1);
      expect((await gql(timed, token, '{ viewer { name } }')).status).toBe(200);
      clock.advance(1);
      expect((await gql(timed, token, '{ viewer { name } }')).status).toBe(401);
      expect((await rest(timed, token, 'GET', '/api/credentials')).status).toBe(401);
      await expect(
        timed.services.tokens.createToken(owner.userId, 'past', { actor: 'operator', door: 'cli' }, { expiresAt: new Date(clock.now() - 1) }),
      ).rejects.toThrow(/future/);
    } finally {
      await timed.close();
    }
  });

  it('record their last use (at most once a minute)', async () => {
    const fresh = await server.newUser('last-use-hardening');
    await rest(server, fresh.token, 'GET', '/api/credentials');
    await server.services.tokens.settle();
    const [info] = await server.services.tokens.listTokens(fresh.userId);
    expect(info!.lastUsedAt).not.toBeNull();
  });
});

describe('names that imitate other names, and text that is not text', () => {
  const invalidNames = ['admin\u202Egnp.exe', 'zero\u200Bwidth', 'bom\uFEFF', 'lone\uD800surrogate'];

  it('refuses invisible, direction-changing and unpaired characters in names on both doors', async () => {
    for (const name of invalidNames) {
      const viaRest = await rest(server, user.token, 'POST', '/api/credentials', { credentials: { name, provider: 'github', keys: { token: 't' } } });
      expect(viaRest.status, JSON.stringify(name)).toBe(400);
      expect(viaRest.body.message).toMatch(/^name: must not contain/);
      const viaGraphql = await gql(server, user.token, CREATE, { input: { name, keys: { github: { token: 't' } } } });
      expect(viaGraphql.body.data!.createCredential.__typename, JSON.stringify(name)).toBe('ValidationError');
    }
    const validate = await rest(server, user.token, 'GET', `/api/credentials/validate?name=${encodeURIComponent('a\u202Eb')}`);
    expect(validate.status).toBe(400);
  });

  it('refuses NUL, ESC and unpaired surrogates in descriptions and key fields, and keeps tab and line breaks', async () => {
    for (const [field, value] of [
      ['description', 'nul\u0000'],
      ['description', 'esc\u001b[31m'],
      ['description', 'half \uDC00'],
      ['keys.username', 'nul\u0000'],
      ['keys.token', 'esc\u001b'],
      ['keys.token', '\uD83D'],
    ] as const) {
      const credentials: Record<string, unknown> = { name: `text-${Math.random()}`, provider: 'github', keys: { token: 't' } };
      if (field === 'description') credentials.description = value;
      else (credentials.keys as Record<string, unknown>)[field.slice(5)] = value;
      const result = await rest(server, user.token, 'POST', '/api/credentials', { credentials });
      expect(result.status, `${field} ${JSON.stringify(value)}`).toBe(400);
      expect(result.body.message).toMatch(new RegExp(`^${field.replace('.', '\\.')}: must not contain`));
    }
    const id = await createRest({ name: 'multi-line', provider: 'github', description: 'line one\r\n\tline two', keys: { token: 't' } });
    expect((await rest(server, user.token, 'GET', `/api/credentials/${id}`)).body.credentials.description).toBe('line one\r\n\tline two');
  });
});

describe('repeated parameters and replays of deleted creates', () => {
  it('refuses a query parameter given twice or in array form', async () => {
    for (const query of ['platformId=aws-batch&platformId=azure-batch', 'platformId[x]=aws-batch', 'checked=true&checked=false']) {
      const result = await rest(server, user.token, 'GET', `/api/credentials?${query}`);
      expect(result.status, query).toBe(400);
      expect(result.body.message, query).toMatch(/must be given once/);
    }
  });

  it('answers 409 to an idempotent create replayed after its credential was deleted (both doors), creating nothing', async () => {
    const body = { credentials: { name: 'idem-deleted', provider: 'github', keys: { token: 't' } } };
    const post = () =>
      fetch(`${server.url}/api/credentials`, {
        method: 'POST',
        headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json', 'idempotency-key': 'deleted-1' },
        body: JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { credentialsId?: string; message?: string } }));
    const first = await post();
    expect(first.status).toBe(200);
    await rest(server, user.token, 'DELETE', `/api/credentials/${first.body.credentialsId}`);
    const replay = await post();
    expect(replay.status).toBe(409);
    expect(replay.body.message).toMatch(/was deleted; send a new key/);
    const viaGraphql = await gql(server, user.token, CREATE, { input: { name: 'idem-deleted-gql', keys: { github: { token: 't' } } }, key: 'deleted-2' });
    const id = viaGraphql.body.data!.createCredential.data.id;
    await gql(server, user.token, 'mutation($id: ID!) { deleteCredential(id: $id) { __typename } }', { id });
    const again = await gql(server, user.token, CREATE, { input: { name: 'idem-deleted-gql', keys: { github: { token: 't' } } }, key: 'deleted-2' });
    expect(again.body.data!.createCredential.__typename).toBe('IdempotentCreateDeletedError');
    const names = (await rest(server, user.token, 'GET', '/api/credentials')).body.credentials.map((c: { name: string }) => c.name);
    expect(names).not.toContain('idem-deleted');
    expect(names).not.toContain('idem-deleted-gql');
  });
});
