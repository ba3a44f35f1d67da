/**
 * Wave, the real client of the keys path, as its sources describe it
 * (../shared/reference/wave-delivery.md): a fake Wave mints the pairing (POST
 * /pairing, a real RSA-2048 key), then fetches a workspace's registry
 * credential as Wave does, and opens the encrypted packet as Wave's Java would
 * (RSA/ECB/PKCS1Padding: here openssl; AES/ECB/PKCS5Padding: node's crypto),
 * parsing the flat `{discriminator, …}` plaintext as ContainerRegistryKeys does.
 */
import { execFileSync } from 'node:child_process';
import { createDecipheriv } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rsaKeyPairs } from '../helpers/keys.js';
import { rest } from '../helpers/rest.js';
import { gql, startServer, type TestServer } from '../helpers/server.js';
import { testClock } from '../helpers/time.js';
import { conforms, upstream } from '../helpers/upstream.js';

const PUBLIC_URL = 'https://credentials.example.com';
const WAVE_PAIRING_ID = '7215448093874629012';

interface FakeWave {
  url: string;
  host: string;
  requests: { url: string; body: any }[];
  connections: number;
  pairingId: string;
  privateKeyFile: string;
  /** Wave's lease ran out: a new pairing id and key pair from now on. */
  rotate(): void;
  close(): Promise<void>;
}

let keyFiles = 0;

async function startFakeWave(dir: string): Promise<FakeWave> {
  const nextPair = rsaKeyPairs();
  const newKey = () => {
    const pair = nextPair();
    const file = join(dir, `wave-key-${++keyFiles}.pem`);
    writeFileSync(file, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    return { publicKey: pair.publicKey, file };
  };
  let key = newKey();
  const state = {
    requests: [] as FakeWave['requests'],
    connections: 0,
    pairingId: WAVE_PAIRING_ID,
    privateKeyFile: key.file,
    rotate() {
      key = newKey();
      state.privateKeyFile = key.file;
      state.pairingId = String(BigInt(state.pairingId) + 1n);
    },
  };
  const server: Server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk));
    request.on('end', () => {
      const body = text ? JSON.parse(text) : null;
      state.requests.push({ url: request.url ?? '', body });
      // Wave's PairingController: only the "tower" service, an http(s) endpoint; one key per (service, endpoint).
      if (request.method !== 'POST' || request.url !== '/pairing' || body?.service !== 'tower' || !/^https?:\/\//.test(body?.endpoint ?? '')) {
        response.writeHead(400).end('Unknown pairing service');
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ pairingId: state.pairingId, publicKey: key.publicKey.export({ type: 'spki', format: 'der' }).toString('base64') }));
    });
  });
  server.on('connection', () => state.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

/** Opens a version-1 packet as Wave does. */
function openPacket(packet: string, privateKeyFile: string, dir: string): unknown {
  const fields = packet.split('\\');
  expect(fields).toHaveLength(4);
  expect(fields.slice(0, 2)).toEqual(['1', 'P']);
  const wrapped = join(dir, 'wrapped.bin');
  writeFileSync(wrapped, Buffer.from(fields[2]!, 'base64'));
  const sessionKey = execFileSync('openssl', ['pkeyutl', '-decrypt', '-inkey', privateKeyFile, '-pkeyopt', 'rsa_padding_mode:pkcs1', '-in', wrapped]);
  expect(sessionKey).toHaveLength(16);
  const decipher = createDecipheriv('aes-128-ecb', sessionKey, null);
  const plaintext = Buffer.concat([decipher.update(Buffer.from(fields[3]!, 'base64')), decipher.final()]).toString('utf8');
  return JSON.parse(plaintext);
}

let dir: string;
let wave: FakeWave;
let server: TestServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'credentials-wave-'));
  wave = await startFakeWave(dir);
  server = await startServer({ PUBLIC_URL, PAIRING_ALLOWED_HOSTS: wave.host });
});
afterAll(async () => {
  await server?.close();
  await wave?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Wave', () => {
  it("pairs as Wave expects, then fetches a workspace's registry credential and opens the packet as Wave does", async () => {
    const pairing = await server.services.pairings.pairWithWave('wave-prod', wave.url);
    expect(pairing).toMatchObject({ id: WAVE_PAIRING_ID, kind: 'wave', endpoint: wave.url, algorithm: 'RSA1_5+A128ECB' });
    expect(wave.requests[0]).toEqual({ url: '/pairing', body: { service: 'tower', endpoint: `${PUBLIC_URL}/api` } });

    const owner = await server.newUser('registry-owner');
    const runner = await server.newUser('pipeline-runner');
    const me = { userId: owner.userId, door: 'graphql' as const, scope: 'all' };
    const org = await server.services.workspaces.createOrganization(me, 'wave-org');
    const ws = await server.services.workspaces.createWorkspace(me, { id: String(org.id) }, 'images');
    await server.services.workspaces.addParticipant(me, { id: String(ws.id) }, runner.name, 'LAUNCH');
    const created = await rest(server, owner.token, 'POST', `/api/credentials?workspaceId=${ws.id}`, {
      credentials: { name: 'quay', provider: 'container-reg', keys: { userName: 'robot$ci', password: 'quay-secret-pw', registry: 'quay.io' } },
    });
    expect(created.status).toBe(200);

    // Wave's half, with the run's user token: the list (by workspace), then the keys by pairingId and keyId.
    const listed = await rest(server, runner.token, 'GET', `/api/credentials?workspaceId=${ws.id}`);
    const found = listed.body.credentials.find((c: any) => c.provider === 'container-reg' && (c.keys.registry ?? 'docker.io') === 'quay.io');
    expect(found).toBeDefined();
    const keys = await rest(
      server,
      runner.token,
      'GET',
      `/api/credentials/${found.id}/keys?pairingId=${WAVE_PAIRING_ID}&keyId=${WAVE_PAIRING_ID}&workspaceId=${ws.id}`,
    );
    expect(keys.status).toBe(200);
    expect(Object.keys(keys.body)).toEqual(['keys']);
    expect(keys.body.keys).toMatch(/^1\\P\\[A-Za-z0-9+/]+=*\\[A-Za-z0-9+/]+=*$/);
    expect(keys.body.keys).not.toContain('quay-secret-pw');
    // ContainerRegistryKeys.fromJson: the discriminator at the top, user name, password, registry.
    const plaintext = openPacket(keys.body.keys, wave.privateKeyFile, dir) as Record<string, unknown>;
    expect(plaintext).toMatchObject({ discriminator: 'container-reg', userName: 'robot$ci', password: 'quay-secret-pw', registry: 'quay.io' });

    // Audited as a delivery to the pairing; the pairing shows its last use.
    const audit = await gql(
      server,
      owner.token,
      `query($ws: ID) { auditEvents(workspaceId: $ws, kinds: [CREDENTIAL_DELIVER], first: 1) { edges { node { detail actorName } } } }`,
      {
        ws: String(ws.id),
      },
    );
    expect(audit.body.data!.auditEvents.edges[0].node).toEqual({ detail: `pairing ${WAVE_PAIRING_ID}`, actorName: runner.name });
    const listedPairings = await gql(server, owner.token, '{ pairings { id kind endpoint renewedAt lastUsedAt } }');
    expect(listedPairings.body.data!.pairings.find((p: any) => p.id === WAVE_PAIRING_ID)).toMatchObject({ kind: 'wave', endpoint: wave.url });
    expect(listedPairings.body.data!.pairings.find((p: any) => p.id === WAVE_PAIRING_ID).lastUsedAt).not.toBeNull();

    // Asked again (Wave answers the same pairing within its lease): renewed, not duplicated.
    const again = await server.services.pairings.pairWithWave('wave-prod', wave.url);
    expect(again.id).toBe(WAVE_PAIRING_ID);
    expect((await server.services.pairings.list()).filter((p) => p.kind === 'wave')).toHaveLength(1);
  });

  it("is renewed in the background before Wave's lease ends; a new pairing from Wave replaces the old, which works through the grace period", async () => {
    const clock = testClock();
    const renewing = await startFakeWave(dir);
    const other = await startServer({ PUBLIC_URL, PAIRING_ALLOWED_HOSTS: renewing.host, WAVE_PAIRING_GRACE: '1h' }, { clock: clock.now });
    try {
      const first = await other.services.pairings.pairWithWave('wave-renewed', renewing.url);
      const firstKeyFile = renewing.privateKeyFile;
      const owner = await other.newUser('renewal-owner');
      const id = (
        await rest(other, owner.token, 'POST', '/api/credentials', {
          credentials: { name: 'hub', provider: 'container-reg', keys: { userName: 'me', password: 'hub-pw', registry: 'docker.io' } },
        })
      ).body.credentialsId;
      const fetchWith = (pairingId: string) => rest(other, owner.token, 'GET', `/api/credentials/${id}/keys?pairingId=${pairingId}&keyId=${pairingId}`);

      expect(await other.services.waveRenewal.run()).toEqual({ renewed: 0, replaced: 0 }); // confirmed just now
      clock.advance(13 * 3_600_000);
      expect(await other.services.waveRenewal.run()).toEqual({ renewed: 1, replaced: 0 }); // the same pairing within Wave's lease
      expect(renewing.requests).toHaveLength(2);

      renewing.rotate();
      clock.advance(13 * 3_600_000);
      expect(await other.services.waveRenewal.run()).toEqual({ renewed: 0, replaced: 1 });
      const waves = (await other.services.pairings.list()).filter((p) => p.kind === 'wave');
      expect(waves.map((p) => [p.id, p.name.startsWith('wave-renewed (replaced '), p.retiresAt !== null])).toEqual(
        expect.arrayContaining([
          [first.id, true, true],
          [renewing.pairingId, false, false],
        ]),
      );
      expect(waves.find((p) => p.id === renewing.pairingId)!.name).toBe('wave-renewed');

      // Through the grace period, both work, each opened with its own key.
      for (const [pairingId, keyFile] of [
        [first.id, firstKeyFile],
        [renewing.pairingId, renewing.privateKeyFile],
      ] as const) {
        const answer = await fetchWith(pairingId);
        expect(answer.status, pairingId).toBe(200);
        expect(openPacket(answer.body.keys, keyFile, dir)).toMatchObject({ discriminator: 'container-reg', password: 'hub-pw' });
      }
      // After it, the old one is refused; the new one goes on.
      clock.advance(2 * 3_600_000);
      const refused = await fetchWith(first.id);
      expect(refused.status).not.toBe(200);
      expect(refused.body.message).toMatch(/No paired service/);
      expect((await fetchWith(renewing.pairingId)).status).toBe(200);
    } finally {
      await other.close();
      await renewing.close();
    }
  });

  it('a Wave host not in PAIRING_ALLOWED_HOSTS is refused without connecting; PUBLIC_URL is required', async () => {
    const other = await startFakeWave(dir);
    try {
      await expect(server.services.pairings.pairWithWave('not-allowed', other.url)).rejects.toThrow(/PAIRING_ALLOWED_HOSTS/);
      expect(other.connections).toBe(0);
      const without = await startServer({ PAIRING_ALLOWED_HOSTS: other.host });
      try {
        await expect(without.services.pairings.pairWithWave('no-public-url', other.url)).rejects.toThrow(/PUBLIC_URL must be set/);
        expect(other.connections).toBe(0);
      } finally {
        await without.close();
      }
    } finally {
      await other.close();
    }
  });
});

const responseSchema = (path: string) => upstream.paths[path].get.responses['200'].content['application/json'].schema;

describe('service-info and user-info, as Wave calls them', () => {
  it('GET /api/service-info answers without a token, in the upstream shape; it tells whether Wave is paired', async () => {
    const response = await fetch(`${server.url}/api/service-info`);
    expect(response.status).toBe(200);
    const body = await response.json();
    conforms(body, responseSchema('/service-info'), 'ServiceInfoResponse');
    expect(body.serviceInfo).toMatchObject({ apiVersion: '1.187.0', waveEnabled: true, seqeraCloud: false });
    expect(body.serviceInfo.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("GET /api/user-info answers the token's user in the upstream shape, its number as the integer id Wave reads; no token: 401", async () => {
    const user = await server.newUser('wave-user');
    const answer = await rest(server, user.token, 'GET', '/api/user-info');
    expect(answer.status).toBe(200);
    conforms(answer.body, responseSchema('/user-info'), 'DescribeUserResponse');
    expect(answer.body.user.userName).toBe(user.name);
    // Wave reads user.id as a Long: a JSON integer, there for every user, the same each time, another for another user.
    expect(answer.text).toMatch(/"user":\{"id":\d+,/);
    expect(Number.isSafeInteger(answer.body.user.id) && answer.body.user.id > 0).toBe(true);
    expect((await rest(server, user.token, 'GET', '/api/user-info')).body.user.id).toBe(answer.body.user.id);
    const other = await server.newUser('wave-other');
    expect((await rest(server, other.token, 'GET', '/api/user-info')).body.user.id).toBeGreaterThan(answer.body.user.id);
    expect((await fetch(`${server.url}/api/user-info`)).status).toBe(401);
  });
});
