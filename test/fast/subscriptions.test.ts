/**
 * Live credential events over Server-Sent Events (the `credentialEvents`
 * subscription, as GraphiQL and graphql-sse clients open it): authorized like
 * queries, filtered, ended at once for a participant removed or a token
 * revoked, bounded per token, per user and per instance, and ended cleanly on
 * shutdown. (A client that reads too slowly is cut off: test/system/slow-subscribers.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Subscription, subscribe } from '../helpers/events.js';
import { rest } from '../helpers/rest.js';
import { gql, startServer, type TestServer } from '../helpers/server.js';
import { eventually, scaled } from '../helpers/time.js';

const EVENTS = `subscription($ws: ID, $provider: CredentialProvider, $kinds: [CredentialEventKind!]) {
  credentialEvents(workspaceId: $ws, provider: $provider, kinds: $kinds) { id kind targetId targetName provider workspaceId actorName door detail } }`;

const cred = (name: string, provider: 'gitlab' | 'github', token: string) => ({
  credentials: { name, provider, keys: provider === 'github' ? { username: 'octo', token } : { token } },
});

let server: TestServer;
let alice: Awaited<ReturnType<TestServer['newUser']>>;
let bob: Awaited<ReturnType<TestServer['newUser']>>;
const open: Subscription[] = [];

beforeAll(async () => {
  server = await startServer({ SUBSCRIPTIONS_PER_TOKEN: '2' });
  alice = await server.newUser('alice');
  bob = await server.newUser('bob');
});
afterAll(async () => {
  for (const s of open) s.close();
  await server?.close();
});

async function opened(token: string, variables: Record<string, unknown> = {}) {
  const s = await subscribe(server, token, EVENTS, variables);
  open.push(s);
  expect(s.status).toBe(200);
  // Listening once the server counts it.
  return s;
}

const listening = (n: number) => eventually(`${n} subscriptions open`, () => server.services.live.open === n);

describe('credentialEvents', () => {
  it("streams the context's credential events as they happen, filtered by provider and kind; never a secret", async () => {
    const all = await opened(alice.token);
    const githubOnly = await opened(alice.token, { provider: 'github', kinds: ['CREDENTIAL_CREATE'] });
    await listening(2);
    expect(await (await fetch(`${server.url}/metrics`)).text()).toMatch(/^graphql_subscriptions 2$/m);
    const id = (await rest(server, alice.token, 'POST', '/api/credentials', cred('live-gl', 'gitlab', 'glpat-live-secret'))).body.credentialsId;
    await rest(server, alice.token, 'PUT', `/api/credentials/${id}`, cred('live-gl', 'gitlab', 'glpat-live-secret-2'));
    // Bob's credentials are not in Alice's stream (his event comes before her last: events arrive in order, so once
    // her last is in, his would have been).
    await rest(server, bob.token, 'POST', '/api/credentials', cred('bobs-live', 'gitlab', 'glpat-bob'));
    await rest(server, alice.token, 'POST', '/api/credentials', cred('live-gh', 'github', 'ghp_live-secret'));
    await eventually('three events', () => all.payloads.length >= 3);
    await eventually('one github create', () => githubOnly.payloads.length >= 1);
    expect(all.payloads.map((p) => [p.data.credentialEvents.kind, p.data.credentialEvents.targetName])).toEqual([
      ['CREDENTIAL_CREATE', 'live-gl'],
      ['CREDENTIAL_UPDATE', 'live-gl'],
      ['CREDENTIAL_CREATE', 'live-gh'],
    ]);
    expect(all.payloads[0]!.data.credentialEvents).toMatchObject({ targetId: id, provider: 'gitlab', actorName: alice.name, door: 'rest' });
    expect(githubOnly.payloads.map((p) => p.data.credentialEvents.targetName)).toEqual(['live-gh']);
    expect(JSON.stringify(all.payloads)).not.toMatch(/glpat-|ghp_/);

    // At most SUBSCRIPTIONS_PER_TOKEN (2) per token: a third is refused until one closes.
    const third = await subscribe(server, alice.token, EVENTS);
    open.push(third);
    await third.ended;
    expect(third.payloads[0]!.errors![0]).toMatchObject({ extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } });
    githubOnly.close();
    await listening(1);
    const again = await opened(alice.token);
    await listening(2);
    again.close();
    all.close();
    await listening(0);
  });

  it('is refused as a query would be: no token, or a workspace the caller is not in', async () => {
    const anonymous = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'x-graphql-yoga-csrf': '1' },
      body: JSON.stringify({ query: EVENTS }),
    });
    expect(await anonymous.text()).toMatch(/UNAUTHENTICATED|NOT_AUTHENTICATED|authenticat/i);
    const me = { userId: alice.userId, door: 'graphql' as const, scope: 'all' };
    const org = await server.services.workspaces.createOrganization(me, 'live-org-private');
    const ws = await server.services.workspaces.createWorkspace(me, { id: String(org.id) }, 'private');
    const outsider = await subscribe(server, bob.token, EVENTS, { ws: String(ws.id) });
    await outsider.ended;
    expect(outsider.payloads[0]!.errors![0]!.message).toMatch(/workspace/i);
    // Invalid variables are refused without echoing what was sent (it may be a secret pasted in the wrong place).
    const invalid = await subscribe(server, alice.token, EVENTS, { kinds: ['glpat-pasted-secret'] });
    await invalid.ended;
    expect(invalid.payloads[0]!.errors![0]!.message).toMatch(/kinds/);
    expect(JSON.stringify(invalid.payloads)).not.toContain('glpat-pasted-secret');
    expect(server.services.live.open).toBe(0);
  });

  it("a workspace participant's stream ends at once when they are removed; a revoked token's too", async () => {
    const me = { userId: alice.userId, door: 'graphql' as const, scope: 'all' };
    const org = await server.services.workspaces.createOrganization(me, 'live-org');
    const ws = await server.services.workspaces.createWorkspace(me, { id: String(org.id) }, 'live-ws');
    await server.services.workspaces.addParticipant(me, { id: String(ws.id) }, bob.name, 'VIEW');
    const bobs = await opened(bob.token, { ws: String(ws.id) });
    await listening(1);
    await rest(server, alice.token, 'POST', `/api/credentials?workspaceId=${ws.id}`, cred('ws-live-1', 'gitlab', 'glpat-1'));
    await eventually('bob sees the first', () => bobs.payloads.length === 1);
    expect(bobs.payloads[0]!.data.credentialEvents).toMatchObject({ targetName: 'ws-live-1', workspaceId: String(ws.id) });

    await server.services.workspaces.removeParticipant(me, { id: String(ws.id) }, bob.name);
    await rest(server, alice.token, 'POST', `/api/credentials?workspaceId=${ws.id}`, cred('ws-live-2', 'gitlab', 'glpat-2'));
    expect(await bobs.ended).toBe('complete');
    expect(bobs.payloads.map((p) => p.data.credentialEvents.targetName)).toEqual(['ws-live-1']);

    // A token revoked mid-stream.
    const extra = await server.services.tokens.createToken(alice.userId, 'live', { actor: 'operator', door: 'cli' });
    const mine = await opened(extra.token);
    await listening(1);
    const revoked = await gql(server, alice.token, `mutation($id: ID!) { revokeAccessToken(id: $id) { __typename } }`, { id: extra.info.id });
    expect(revoked.body.errors).toBeUndefined();
    expect(await mine.ended).toBe('complete');
    await listening(0);

    // A token that expires mid-stream: the stream ends at its expiry.
    const brief = await server.services.tokens.createToken(
      alice.userId,
      'brief',
      { actor: 'operator', door: 'cli' },
      { expiresAt: new Date(Date.now() + scaled(700)) },
    );
    const short = await opened(brief.token);
    await listening(1);
    expect(await short.ended).toBe('complete');
    await listening(0);
  });
});

describe('limits', () => {
  it('SUBSCRIPTIONS_PER_USER holds whatever the user’s tokens; SUBSCRIPTIONS_PER_INSTANCE holds for all users together', async () => {
    const limited = await startServer({ SUBSCRIPTIONS_PER_TOKEN: '2', SUBSCRIPTIONS_PER_USER: '3', SUBSCRIPTIONS_PER_INSTANCE: '4' });
    const streams: Subscription[] = [];
    try {
      const carol = await limited.newUser('carol');
      const tokens = [carol.token];
      for (let i = 0; i < 2; i++) tokens.push((await limited.services.tokens.createToken(carol.userId, `t${i}`, { actor: 'operator', door: 'cli' })).token);
      // Two tokens' worth (2 + 1) is her limit of 3, though each token could hold 2.
      for (const token of [tokens[0]!, tokens[0]!, tokens[1]!]) streams.push(await subscribe(limited, token, EVENTS));
      await eventually('3 open', () => limited.services.live.open === 3);
      const fourth = await subscribe(limited, tokens[2]!, EVENTS);
      streams.push(fourth);
      await fourth.ended;
      expect(fourth.payloads[0]!.errors![0]).toMatchObject({ extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } });
      expect(fourth.payloads[0]!.errors![0]!.message).toMatch(/per user.*SUBSCRIPTIONS_PER_USER/);
      // Another user takes the instance's fourth; a fifth, anyone's, is refused.
      const dave = await limited.newUser('dave');
      streams.push(await subscribe(limited, dave.token, EVENTS));
      await eventually('4 open', () => limited.services.live.open === 4);
      const fifth = await subscribe(limited, dave.token, EVENTS);
      streams.push(fifth);
      await fifth.ended;
      expect(fifth.payloads[0]!.errors![0]!.message).toMatch(/on this instance.*SUBSCRIPTIONS_PER_INSTANCE/);
    } finally {
      for (const s of streams) s.close();
      await limited.close();
    }
  });
});

describe('on shutdown', () => {
  it('every stream ends with a clean complete', async () => {
    const other = await startServer();
    try {
      const user = await other.newUser('carol');
      const s = await subscribe(other, user.token, EVENTS);
      await eventually('open', () => other.services.live.open === 1);
      const closing = other.close();
      expect(await s.ended).toBe('complete');
      await closing;
    } catch (error) {
      await other.close().catch(() => {});
      throw error;
    }
  });
});
