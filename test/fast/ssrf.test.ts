/**
 * No server-side request forgery through validation. A probe calls only a
 * provider's public endpoints or hosts the operator allowed; anything else is
 * refused as INVALID, saying why, without connecting. Proved two ways, with no
 * traffic outside loopback:
 * - through the running service, against loopback servers that are not on the
 *   allow-list (another port, 127.0.0.2, [::1]), which must count zero
 *   connections;
 * - for private, link-local and metadata addresses (and names resolving to
 *   them), through the guard with an injected resolver and a connector that
 *   fails the test if it is ever called.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Probe, type ProbeTarget, probeOf } from '../../src/features/providers/index.js';
import { AwsSts } from '../../src/infra/aws-sts.js';
import { GuardedHttp, isPublicAddress, type ResolvedAddress } from '../../src/infra/guarded-http.js';
import { type FakeProviders, startFakeProviders } from '../helpers/fake-providers.js';
import { rsaKeyPair } from '../helpers/keys.js';
import { rest } from '../helpers/rest.js';
import { startServer, type TestServer } from '../helpers/server.js';

let allowed: FakeProviders;
/** Loopback servers a probe must never reach: another port, another loopback address, IPv6 loopback. */
let otherPort: FakeProviders;
let otherAddress: FakeProviders;
let ipv6: FakeProviders;
let server: TestServer;
let token: string;

beforeAll(async () => {
  allowed = await startFakeProviders('127.0.0.1');
  otherPort = await startFakeProviders('127.0.0.1');
  otherAddress = await startFakeProviders('127.0.0.2');
  ipv6 = await startFakeProviders('::1');
  server = await startServer({ VALIDATION_ALLOWED_HOSTS: allowed.host, VALIDATION_TIMEOUT_MS: '1000' });
  token = (await server.newUser('ssrf')).token;
});
afterAll(async () => {
  await server.close();
  for (const fake of [allowed, otherPort, otherAddress, ipv6]) await fake.close();
});

let n = 0;
async function validateNew(provider: string, keys: Record<string, unknown>, baseUrl?: string) {
  const created = await rest(server, token, 'POST', '/api/credentials', {
    credentials: { name: `ssrf-${++n}`, provider, keys, ...(baseUrl ? { baseUrl } : {}) },
  });
  expect(created.status, created.text).toBe(200);
  const result = await rest(server, token, 'POST', `/api/credentials/${created.body.credentialsId}/validate`);
  expect(result.status, result.text).toBe(200);
  return result.body as { status: string; message: string; transientError: boolean };
}

describe('through the service: loopback servers not on the allow-list are never connected to', () => {
  it('another port, 127.0.0.2 and [::1] as baseUrl, in http and https', async () => {
    const targets = [
      `http://127.0.0.1:${otherPort.port}`,
      `https://127.0.0.1:${otherPort.port}`,
      `http://127.0.0.2:${allowed.port}`, // the allowed port, another loopback address
      `http://127.0.0.2:${otherAddress.port}`,
      `http://[::1]:${ipv6.port}`,
      `http://localhost:${allowed.port}`, // a name that resolves to loopback
      `http://127.1:${otherPort.port}`, // 127.0.0.1 in another spelling, another port
      `http://0x7f000001:${otherPort.port}`,
    ];
    for (const baseUrl of targets) {
      const result = await validateNew('github', { token: 'good-token' }, baseUrl);
      expect(result, baseUrl).toMatchObject({ status: 'INVALID', transientError: false });
      expect(result.message, baseUrl).toMatch(
        /is not a public endpoint of the provider: an operator may allow it with VALIDATION_ALLOWED_HOSTS$|is refused: only https to a provider's public endpoints, unless an operator allows .* with VALIDATION_ALLOWED_HOSTS$/,
      );
    }
    // The allowed host itself is reached.
    expect(await validateNew('github', { token: 'good-token' }, allowed.url)).toMatchObject({ status: 'AVAILABLE' });
    expect([otherPort.connections(), otherAddress.connections(), ipv6.connections()]).toEqual([0, 0, 0]);
  });

  it('a key file token_uri, a registry and a registry token realm elsewhere', async () => {
    const google = JSON.stringify({
      type: 'service_account',
      client_email: 'x@y.iam.gserviceaccount.com',
      private_key: rsaKeyPair().privateKey.export({ type: 'pkcs8', format: 'pem' }),
      token_uri: `http://127.0.0.1:${otherPort.port}/token`,
    });
    expect(await validateNew('google', { data: google })).toMatchObject({ status: 'INVALID', message: expect.stringContaining('VALIDATION_ALLOWED_HOSTS') });
    expect(await validateNew('container-reg', { userName: 'u', password: 'good', registry: `127.0.0.2:${otherAddress.port}` })).toMatchObject({
      status: 'INVALID',
    });
    // An allowed registry that sends clients to a token service elsewhere.
    allowed.registryRealm = `http://127.0.0.1:${otherPort.port}/token`;
    try {
      expect(await validateNew('container-reg', { userName: 'u', password: 'good', registry: allowed.host })).toMatchObject({
        status: 'INVALID',
        message: `http://127.0.0.1:${otherPort.port} is refused: only https to a provider's public endpoints, unless an operator allows 127.0.0.1:${otherPort.port} with VALIDATION_ALLOWED_HOSTS`,
      });
    } finally {
      allowed.registryRealm = undefined;
    }
    expect([otherPort.connections(), otherAddress.connections(), ipv6.connections()]).toEqual([0, 0, 0]);
  });

  it('a redirect is not followed', async () => {
    allowed.redirectTo = `http://127.0.0.1:${otherPort.port}/api/v3/user`;
    try {
      expect(await validateNew('github', { token: 'redirect-me' }, allowed.url)).toMatchObject({
        status: 'INVALID',
        message: expect.stringContaining('(302)'),
      });
    } finally {
      allowed.redirectTo = undefined;
    }
    expect(otherPort.connections()).toBe(0);
  });
});

describe('private, link-local and metadata addresses, with an injected resolver', () => {
  /** A guard whose resolver answers from `names`, and whose connector fails the test. */
  function guard(names: Record<string, string[]>, allowedHosts: string[] = []) {
    const resolved: string[] = [];
    let connected = false;
    const http = new GuardedHttp({
      allowedHosts,
      timeoutMs: 1000,
      resolve: async (host) => {
        resolved.push(host);
        const addresses = names[host];
        if (!addresses) throw Object.assign(new Error(`no such name ${host}`), { code: 'ENOTFOUND' });
        return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }) as ResolvedAddress);
      },
      connect: () => {
        connected = true;
        throw new Error('the guard connected to a refused address');
      },
    });
    return { http, resolved, connected: () => connected };
  }
  const target = (provider: string, keys: ProbeTarget['keys'], baseUrl: string | null = null): ProbeTarget => ({ provider, keys, baseUrl });
  const run = (probe: Probe, t: ProbeTarget, g: ReturnType<typeof guard>, endpoint?: string) =>
    probe(t, { http: g.http, sts: new AwsSts(g.http, { endpoint }) });

  it('refuses address literals of the metadata service and private ranges without resolving or connecting', async () => {
    for (const baseUrl of [
      'https://169.254.169.254',
      'http://169.254.169.254/latest/meta-data',
      'https://10.0.0.1',
      'https://[::ffff:169.254.169.254]',
      'https://[fd00::1]',
      'https://192.168.1.1:8443',
    ]) {
      const g = guard({});
      const outcome = await run(probeOf('github')!, target('github', { token: 't' }, baseUrl), g);
      expect(outcome, baseUrl).toMatchObject({ result: 'invalid' });
      expect(g.resolved, baseUrl).toEqual([]);
      expect(g.connected(), baseUrl).toBe(false);
    }
  });

  it('refuses a provider host whose name resolves to a private, link-local or metadata address', async () => {
    const cases: [string, string[]][] = [
      ['10.0.0.1', ['10.0.0.1']],
      ['169.254.169.254', ['169.254.169.254']],
      ['127.0.0.1', ['127.0.0.1']],
      ['::ffff:10.1.2.3', ['::ffff:10.1.2.3']],
      ['fe80::1', ['fe80::1']],
      ['a public and a private address', ['140.82.112.5', '10.0.0.7']],
    ];
    for (const [what, addresses] of cases) {
      const g = guard({ 'api.github.com': addresses });
      const outcome = await run(probeOf('github')!, target('github', { token: 't' }), g);
      expect(outcome, what).toEqual({
        result: 'invalid',
        message: expect.stringMatching(/^api\.github\.com resolves to a non-public address \(.+\): refused$/),
      });
      expect(g.connected(), what).toBe(false);
    }
  });

  it('the same for the other network probes: registry, Google token_uri, AWS STS', async () => {
    const pem = rsaKeyPair().privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const g = guard({ 'ghcr.io': ['10.0.0.2'], 'oauth2.googleapis.com': ['169.254.169.254'], 'sts.amazonaws.com': ['172.16.0.9'] });
    expect(await run(probeOf('container-reg')!, target('container-reg', { registry: 'ghcr.io', userName: 'u', password: 'p' }), g)).toMatchObject({
      result: 'invalid',
      message: expect.stringContaining('10.0.0.2'),
    });
    expect(
      await run(probeOf('google')!, target('google', { data: JSON.stringify({ type: 'service_account', client_email: 'a@b', private_key: pem }) }), g),
    ).toMatchObject({
      result: 'invalid',
      message: expect.stringContaining('169.254.169.254'),
    });
    expect(await run(probeOf('aws')!, target('aws', { accessKey: 'AKIAGOOD000000000000', secretKey: 'A'.repeat(40) }), g)).toMatchObject({
      result: 'invalid',
      message: expect.stringContaining('172.16.0.9'),
    });
    // A name of no provider is refused before it is even resolved.
    expect(
      await run(probeOf('container-reg')!, target('container-reg', { registry: 'metadata.google.internal', userName: 'u', password: 'p' }), g),
    ).toMatchObject({
      result: 'invalid',
    });
    expect(
      await run(probeOf('aws')!, target('aws', { accessKey: 'AKIAGOOD000000000000', secretKey: 'A'.repeat(40) }), g, 'https://169.254.169.254/'),
    ).toMatchObject({ result: 'invalid' });
    expect(g.resolved).toEqual(['ghcr.io', 'oauth2.googleapis.com', 'sts.amazonaws.com']);
    expect(g.connected()).toBe(false);
  });

  it('connects to the address it checked: a second answer of the resolver (DNS rebinding) is never asked for', async () => {
    const answers = ['140.82.112.5', '169.254.169.254'];
    const resolved: string[] = [];
    const connections: { address: string; port: number }[] = [];
    const http = new GuardedHttp({
      allowedHosts: [],
      timeoutMs: 1000,
      resolve: async (host) => {
        resolved.push(host);
        return [{ address: answers.shift()!, family: 4 }];
      },
      // The checked public address is "reached" through the loopback fake, which answers as Gitea would.
      connect: ({ address, port }): Socket => {
        connections.push({ address, port });
        return connect(allowed.port, '127.0.0.1');
      },
    });
    const outcome = await probeOf('gitea')!({ provider: 'gitea', keys: { token: 'good-token' }, baseUrl: null }, { http, sts: new AwsSts(http) });
    expect(outcome).toEqual({ result: 'valid' });
    expect(resolved).toEqual(['gitea.com']);
    expect(connections).toEqual([{ address: '140.82.112.5', port: 443 }]);
  });

  it("without an injected connector too: Node's own connection goes to the checked address, not to a second lookup", async () => {
    const answers = ['127.0.0.1', '127.0.0.2'];
    const resolved: string[] = [];
    const http = new GuardedHttp({
      allowedHosts: [`registry.test:${allowed.port}`],
      timeoutMs: 1000,
      resolve: async (host) => {
        resolved.push(host);
        return [{ address: answers.shift()!, family: 4 }];
      },
    });
    // (A second lookup would go to the system resolver, which refuses every name in tests.)
    const outcome = await probeOf('gitea')!(
      { provider: 'gitea', keys: { token: 'good-token' }, baseUrl: `http://registry.test:${allowed.port}` },
      { http, sts: new AwsSts(http) },
    );
    expect(outcome).toEqual({ result: 'valid' });
    expect(resolved).toEqual(['registry.test']);
    expect(allowed.requests.at(-1)).toMatchObject({ path: '/api/v1/user', headers: expect.objectContaining({ host: `registry.test:${allowed.port}` }) });
  });

  it('judges addresses: loopback, private, link-local, CGNAT, documentation, multicast and mapped forms are not public', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.31.0.1',
      '192.168.0.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '198.51.100.7',
      '::1',
      '::',
      'fe80::1',
      'fc00::1',
      'fd12::1',
      '::ffff:127.0.0.1',
      '::ffff:a9fe:a9fe',
      '64:ff9b::10.0.0.1',
      'ff02::1',
      'not an address',
    ]) {
      expect(isPublicAddress(address), address).toBe(false);
    }
    for (const address of ['140.82.112.5', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8']) expect(isPublicAddress(address), address).toBe(true);
  });
});
