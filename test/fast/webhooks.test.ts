/**
 * Webhooks: a context's events, queued in the statement that writes them,
 * delivered at least once per the Standard Webhooks specification (verified
 * here by the `standardwebhooks` package with the subscription's secret), in
 * order per credential, retried with backoff while a receiver is down
 * (an injectable clock stands for the minutes), disabled after failing for
 * WEBHOOK_RETRY_FOR; only to hosts the SSRF guard lets through; managed by a
 * context's managers only.
 */
import { createServer } from 'node:net';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DELIVERIES_KEPT } from '../../src/features/events/jobs/dispatcher.js';
import { PrismaWebhookStore } from '../../src/features/events/store/webhook-store.js';
import { webhookSealingContext } from '../../src/features/events/use-cases/webhooks.js';
import { onPostgres } from '../helpers/database.js';
import { type Receiver, startReceiver } from '../helpers/events.js';
import { rest } from '../helpers/rest.js';
import { gql, startServer, type TestServer } from '../helpers/server.js';
import { eventually, testClock } from '../helpers/time.js';

const CREATE = `mutation($input: CreateWebhookInput!) { createWebhook(input: $input) {
  __typename
  ... on MutationCreateWebhookSuccess { data { secret webhook { id url status kinds workspaceId } } }
  ... on Error { message }
  ... on ValidationError { fields { path message } } } }`;
const LIST = `query($ws: ID) { webhooks(workspaceId: $ws) { id status failingSince disabledAt } }`;
const DELIVERIES = `query($id: ID!, $ws: ID) { webhookDeliveries(id: $id, workspaceId: $ws, first: 50) {
  edges { node { eventId kind status attempts lastStatus lastError deliveredAt } } } }`;

const gitlab = (name: string, token: string) => ({ credentials: { name, provider: 'gitlab', keys: { token } } });

let receiver: Receiver;
let server: TestServer;
const clock = testClock();
let alice: Awaited<ReturnType<TestServer['newUser']>>;
let bob: Awaited<ReturnType<TestServer['newUser']>>;

beforeAll(async () => {
  receiver = await startReceiver();
  server = await startServer({ WEBHOOK_ALLOWED_HOSTS: receiver.host, WEBHOOK_RETRY_FOR: '1h' }, { clock: clock.now });
  alice = await server.newUser('alice');
  bob = await server.newUser('bob');
});
afterAll(async () => {
  await server?.close();
  await receiver?.close();
});

async function createWebhook(token: string, input: Record<string, unknown>) {
  const result = await gql(server, token, CREATE, { input });
  expect(result.body.errors).toBeUndefined();
  return result.body.data!.createWebhook;
}

describe('webhooks', () => {
  it('deliver every event of the context, signed (standardwebhooks verifies it; a tampered body fails), in order, never a secret', async () => {
    const created = await createWebhook(alice.token, { url: receiver.url, kinds: ['CREDENTIAL_CREATE', 'CREDENTIAL_UPDATE', 'CREDENTIAL_DELETE'] });
    expect(created.__typename).toBe('MutationCreateWebhookSuccess');
    const { secret, webhook } = created.data;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    // The secret is sealed at rest.
    const row = await server.db.webhook.findUniqueOrThrow({ where: { id: webhook.id } });
    expect(row.secret).not.toContain(secret.slice(6));
    expect(server.services.keys.open(row.secret, webhookSealingContext(webhook.id))).toBe(secret);

    const id = (await rest(server, alice.token, 'POST', '/api/credentials', gitlab('hooked', 'glpat-hooked-secret-1'))).body.credentialsId;
    await rest(server, alice.token, 'PUT', `/api/credentials/${id}`, gitlab('hooked', 'glpat-hooked-secret-2'));
    await rest(server, alice.token, 'DELETE', `/api/credentials/${id}`);
    // Bob's change is not Alice's context's.
    await rest(server, bob.token, 'POST', '/api/credentials', gitlab('bobs', 'glpat-bob'));
    await eventually('three deliveries', () => receiver.taken.length >= 3);
    const mine = receiver.taken.filter((r) => r.json.data.targetId === id);
    expect(mine.map((r) => r.json.type)).toEqual(['credential.create', 'credential.update', 'credential.delete']);
    expect(receiver.taken.some((r) => r.json.data.targetName === 'bobs')).toBe(false);
    expect(mine[0]!.json.data).toMatchObject({ targetName: 'hooked', provider: 'gitlab', actor: alice.userId, actorName: alice.name, door: 'rest' });

    const verifier = new StandardWebhook(secret);
    for (const r of mine) {
      const headers = {
        'webhook-id': String(r.headers['webhook-id']),
        'webhook-timestamp': String(r.headers['webhook-timestamp']),
        'webhook-signature': String(r.headers['webhook-signature']),
      };
      expect(headers['webhook-id']).toBe(`evt_${r.json.data.id}`);
      expect(verifier.verify(r.body, headers)).toEqual(r.json);
      expect(() => verifier.verify(r.body.replace('hooked', 'hacked'), headers)).toThrow();
      expect(() => new StandardWebhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(r.body, headers)).toThrow();
      expect(r.body).not.toContain('glpat-');
    }

    // Metrics: bounded labels only.
    const metric = async (pattern: RegExp) => Number(pattern.exec(await (await fetch(`${server.url}/metrics`)).text())?.[1]);
    // (The receiver has answered; the server records each delivery just after.)
    await eventually('three deliveries counted', async () => (await metric(/^webhook_deliveries_total\{result="delivered"\} (\d+)/m)) >= 3);
    expect(await metric(/^audit_events_written (\d+)/m)).toBeGreaterThanOrEqual(5);

    // The delivery log, newest first.
    const log = await gql(server, alice.token, DELIVERIES, { id: webhook.id });
    expect(log.body.data!.webhookDeliveries.edges.map((e: any) => [e.node.kind, e.node.status, e.node.attempts, e.node.lastStatus])).toEqual([
      ['CREDENTIAL_DELETE', 'DELIVERED', 1, 204],
      ['CREDENTIAL_UPDATE', 'DELIVERED', 1, 204],
      ['CREDENTIAL_CREATE', 'DELIVERED', 1, 204],
    ]);
    // Bob cannot see or delete Alice's webhook.
    expect((await gql(server, bob.token, DELIVERIES, { id: webhook.id })).body.errors![0]!.message).toMatch(/No webhook/);
    const deleted = await gql(server, bob.token, `mutation($id: ID!) { deleteWebhook(id: $id) { __typename ... on Error { message } } }`, { id: webhook.id });
    expect(deleted.body.data!.deleteWebhook.__typename).toBe('WebhookNotFoundError');
    const gone = await gql(server, alice.token, `mutation($id: ID!) { deleteWebhook(id: $id) { __typename } }`, { id: webhook.id });
    expect(gone.body.data!.deleteWebhook.__typename).toBe('MutationDeleteWebhookSuccess');
    expect((await gql(server, alice.token, LIST)).body.data!.webhooks).toEqual([]);
  });

  it('a change that fails (rolled back) queues nothing', async () => {
    const { data } = await createWebhook(alice.token, { url: receiver.url });
    await rest(server, alice.token, 'POST', '/api/credentials', gitlab('taken-name', 'glpat-1'));
    await eventually(
      'the create delivered',
      async () => (await server.db.webhookDelivery.count({ where: { webhookId: data.webhook.id, status: 'DELIVERED' } })) >= 1,
    );
    const before = await server.db.webhookDelivery.count({ where: { webhookId: data.webhook.id } });
    expect((await rest(server, alice.token, 'POST', '/api/credentials', gitlab('taken-name', 'glpat-2'))).status).toBe(409);
    expect(await server.db.webhookDelivery.count({ where: { webhookId: data.webhook.id } })).toBe(before);
    await gql(server, alice.token, `mutation($id: ID!) { deleteWebhook(id: $id) { __typename } }`, { id: data.webhook.id });
  });

  it('a receiver down for 5 minutes gets everything once it is back, in order per credential; after WEBHOOK_RETRY_FOR failing, the webhook is disabled and its owner told', async () => {
    const { data } = await createWebhook(alice.token, { url: receiver.url, kinds: ['CREDENTIAL_CREATE', 'CREDENTIAL_UPDATE'] });
    receiver.mode = 'down';
    receiver.taken.length = 0;
    const ids: string[] = [];
    for (const name of ['down-a', 'down-b'])
      ids.push((await rest(server, alice.token, 'POST', '/api/credentials', gitlab(name, 'glpat-v1'))).body.credentialsId);
    for (const id of ids) await rest(server, alice.token, 'PUT', `/api/credentials/${id}`, gitlab(id === ids[0] ? 'down-a' : 'down-b', 'glpat-v2'));
    const attempts = async () =>
      (await server.db.webhookDelivery.aggregate({ where: { webhookId: data.webhook.id }, _sum: { attempts: true } }))._sum.attempts ?? 0;
    await eventually('the first attempt failed', async () => (await attempts()) >= 1);
    // The endpoint backs off as a whole: no other attempt until its backoff ends (the clock stands still).
    expect(await attempts()).toBe(1);
    const row = await server.db.webhook.findUniqueOrThrow({ where: { id: data.webhook.id } });
    expect(Number(row.dueAt) - clock.now()).toBe(5_000);
    // Five minutes pass, a receiver still down: the endpoint is tried again as each backoff ends, each backoff as long
    // as it has been failing (5 s, 5 s, 10 s, 20 s, …); nothing is lost.
    const failingSince = row.failingSince!.getTime();
    const delays: number[] = [];
    for (let tried = 1; ; tried++) {
      const dueAt = Number((await server.db.webhook.findUniqueOrThrow({ where: { id: data.webhook.id } })).dueAt);
      if (dueAt - failingSince > 5 * 60_000) break;
      delays.push(dueAt - clock.now());
      clock.advance(dueAt - clock.now());
      server.services.dispatcher.wake();
      await eventually(`attempt ${tried + 1} failed`, async () => (await attempts()) >= tried + 1);
    }
    expect(delays).toEqual([5_000, 5_000, 10_000, 20_000, 40_000, 80_000]);
    const listed = (await gql(server, alice.token, LIST)).body.data!.webhooks.find((w: any) => w.id === data.webhook.id);
    expect(listed.status).toBe('ACTIVE');
    expect(listed.failingSince).not.toBeNull();
    expect(receiver.taken).toHaveLength(0);

    receiver.mode = 'ok';
    clock.advance(3_600_000 - 6 * 60_000); // under the retry window: the next attempts are due
    server.services.dispatcher.wake();
    await eventually('all four delivered', () => receiver.taken.length >= 4, 20_000);
    for (const id of ids) {
      expect(receiver.taken.filter((r) => r.json.data.targetId === id).map((r) => r.json.type)).toEqual(['credential.create', 'credential.update']);
    }
    // Deduplicated by webhook-id, nothing came twice.
    expect(new Set(receiver.taken.map((r) => r.headers['webhook-id'])).size).toBe(receiver.taken.length);
    expect((await gql(server, alice.token, LIST)).body.data!.webhooks.find((w: any) => w.id === data.webhook.id).failingSince).toBeNull();

    // Down again, for longer than WEBHOOK_RETRY_FOR (1 h here).
    receiver.mode = 'down';
    await rest(server, alice.token, 'PUT', `/api/credentials/${ids[0]}`, gitlab('down-a', 'glpat-v3'));
    await eventually('failing again', async () => (await server.db.webhook.findUniqueOrThrow({ where: { id: data.webhook.id } })).failingSince !== null);
    clock.advance(2 * 3_600_000);
    server.services.dispatcher.wake();
    await eventually('disabled', async () => (await server.db.webhook.findUniqueOrThrow({ where: { id: data.webhook.id } })).status === 'DISABLED', 20_000);
    const disabled = (await gql(server, alice.token, LIST)).body.data!.webhooks.find((w: any) => w.id === data.webhook.id);
    expect(disabled.status).toBe('DISABLED');
    expect(disabled.disabledAt).not.toBeNull();
    const log = await gql(server, alice.token, DELIVERIES, { id: data.webhook.id });
    expect(log.body.data!.webhookDeliveries.edges[0].node).toMatchObject({ status: 'FAILED', lastStatus: 503 });
    // Its owner hears of it in the audit trail (and on any other webhook of the context).
    const audit = await gql(server, alice.token, `{ auditEvents(kinds: [WEBHOOK_DISABLE], first: 5) { edges { node { targetId actor detail } } } }`);
    expect(audit.body.data!.auditEvents.edges[0].node).toMatchObject({ targetId: data.webhook.id, actor: 'background' });
    expect(audit.body.data!.auditEvents.edges[0].node.detail).toMatch(/WEBHOOK_RETRY_FOR/);
    receiver.mode = 'ok';
  }, 60_000);

  it("one receiver down, with over 500 deliveries waiting, does not hold up another webhook's", async () => {
    const down = await startReceiver();
    down.mode = 'down';
    const other = await startServer({ WEBHOOK_ALLOWED_HOSTS: `${receiver.host},${down.host}` });
    try {
      const carol = await other.newUser('carol');
      const dave = await other.newUser('dave');
      const hook = (token: string, url: string) => gql(other, token, CREATE, { input: { url, kinds: ['CREDENTIAL_CREATE'] } });
      await hook(carol.token, down.url);
      // 520 events of carol's context at once (the database writes them; its trigger queues a delivery of each).
      await other.db.$executeRawUnsafe(
        onPostgres
          ? `INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "actor", "door") SELECT now(), 'credential.create', 'credential', 'flood-' || n, $1, $2, 'rest' FROM generate_series(0, 519) AS n`
          : `WITH RECURSIVE numbers(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM numbers WHERE n < 519) INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "actor", "door") SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'credential.create', 'credential', 'flood-' || n, ?, ?, 'rest' FROM numbers`,
        carol.userId,
        carol.userId,
      );
      // The flood went around the service (no write of its own told the dispatcher): carol's next event, made
      // through the service, does, as any write of an instance does.
      await rest(other, carol.token, 'POST', '/api/credentials', gitlab('carols', 'glpat-c'));
      expect(await other.db.webhookDelivery.count({ where: { status: 'PENDING' } })).toBeGreaterThanOrEqual(500);
      await eventually('the down receiver was tried', () => down.received.length > 0);
      await hook(dave.token, receiver.url);
      await rest(other, dave.token, 'POST', '/api/credentials', gitlab('daves', 'glpat-d'));
      await eventually("dave's delivered", () => receiver.taken.some((r) => r.json.data.targetName === 'daves'));
    } finally {
      await other.close();
      await down.close();
    }
  });

  it("one user's receivers that hang hold only that user's two lanes: another user's webhook is delivered meanwhile", async () => {
    const hang = await startReceiver();
    hang.mode = 'hang';
    const ok = await startReceiver();
    const other = await startServer({ WEBHOOK_ALLOWED_HOSTS: `${hang.host},${ok.host}`, WEBHOOK_TIMEOUT_MS: '60000' });
    try {
      const carol = await other.newUser('carol');
      const dave = await other.newUser('dave');
      const hook = async (token: string, url: string) =>
        expect((await gql(other, token, CREATE, { input: { url, kinds: ['CREDENTIAL_CREATE'] } })).body.data!.createWebhook.__typename).toBe(
          'MutationCreateWebhookSuccess',
        );
      for (let i = 0; i < 5; i++) await hook(carol.token, `${hang.url}/${i}`);
      await rest(other, carol.token, 'POST', '/api/credentials', gitlab('held', 'glpat-h'));
      await eventually('two of carol’s deliveries held by her receiver', () => hang.received.length >= 2);
      await hook(dave.token, ok.url);
      await rest(other, dave.token, 'POST', '/api/credentials', gitlab('not-held', 'glpat-n'));
      await eventually("dave's delivered while carol's hang", () => ok.taken.some((r) => r.json.data.targetName === 'not-held'));
      // Carol's context never had more than two deliveries in flight.
      expect(hang.received).toHaveLength(2);
    } finally {
      await hang.close();
      await other.close();
      await ok.close();
    }
  });

  it(`keeps each webhook's log to its latest ${DELIVERIES_KEPT} finished deliveries, and every pending one`, async () => {
    const { data } = await createWebhook(alice.token, { url: receiver.url, kinds: ['TOKEN_REVOKE'] });
    const webhookId = data.webhook.id;
    const rows = (from: number, count: number, status: string) =>
      Array.from({ length: count }, (_, i) => ({ webhookId, eventId: 1_000_000 + from + i, targetId: `t${from + i}`, status }));
    await server.db.webhookDelivery.createMany({ data: rows(0, DELIVERIES_KEPT + 50, 'DELIVERED') });
    await server.db.webhookDelivery.createMany({ data: rows(DELIVERIES_KEPT + 50, 5, 'PENDING') });
    // (prune reads no prepared statement)
    expect(await new PrismaWebhookStore(server.db, {} as never).prune(webhookId, DELIVERIES_KEPT)).toBe(50);
    const kept = await server.db.webhookDelivery.findMany({ where: { webhookId }, orderBy: { id: 'asc' }, select: { eventId: true, status: true } });
    expect(kept.filter((d) => d.status === 'DELIVERED')).toHaveLength(DELIVERIES_KEPT);
    expect(kept[0]!.eventId).toBe(1_000_050);
    expect(kept.filter((d) => d.status === 'PENDING')).toHaveLength(5);
    await gql(server, alice.token, `mutation($id: ID!) { deleteWebhook(id: $id) { __typename } }`, { id: webhookId });
    expect(await server.db.webhookDelivery.count({ where: { webhookId } })).toBe(0);
  });

  it('a URL the SSRF guard refuses is refused at creation, and at delivery (0 connections to a loopback listener that is not allowed)', async () => {
    let connections = 0;
    const listener = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const port = (listener.address() as { port: number }).port;
    try {
      for (const url of [
        `http://127.0.0.1:${port}/hook`,
        `https://127.0.0.1:${port}/hook`,
        'https://10.0.0.5/hook',
        'https://localhost/hook',
        'ftp://example.com/x',
        'not a url',
      ]) {
        const refused = await createWebhook(alice.token, { url });
        expect(refused.__typename, url).toBe('ValidationError');
        expect(refused.fields[0].path).toBe('url');
      }
      expect(refused(await createWebhook(alice.token, { url: `https://user:pass@${receiver.host}/x` }))).toMatch(/user or password/);
      // A name that resolves inside, one that does not resolve, an internal address: one wording, no address, no resolver's words.
      const wordings = new Set<string>();
      for (const host of ['localhost', 'nothing.invalid', '10.0.0.5', '[::1]']) {
        const message = refused(await createWebhook(alice.token, { url: `https://${host}/hook` }));
        expect(message, host).not.toMatch(/127\.0\.0\.1|resolve|ENOTFOUND|non-public/);
        wordings.add(message.replace(host, '<host>'));
      }
      expect([...wordings]).toEqual(['url: <host> is not a public host this service can reach: an operator may allow it with WEBHOOK_ALLOWED_HOSTS']);
      // A webhook stored earlier whose host is no longer allowed (an operator narrowed WEBHOOK_ALLOWED_HOSTS): refused when sent.
      const id = 'StaleWebhook0000000001';
      await server.db.webhook.create({
        data: {
          id,
          ownerUserId: alice.userId,
          url: `http://127.0.0.1:${port}/hook`,
          secret: server.services.keys.seal('whsec_AAAA', webhookSealingContext(id)),
          createdAt: new Date(),
        },
      });
      // Stored by another process: this server hears of it at its next idle look (a minute), or when woken.
      server.services.dispatcher.wake();
      await rest(server, alice.token, 'POST', '/api/credentials', gitlab('ssrf-at-delivery', 'glpat-x'));
      // (The same delivery the wait saw: another event of alice's context may have queued a second one meanwhile.)
      const tried = { where: { webhookId: id, attempts: { gte: 1 } } };
      await eventually('the attempt refused', async () => (await server.db.webhookDelivery.findFirst(tried)) !== null);
      const attempt = await server.db.webhookDelivery.findFirstOrThrow(tried);
      expect(attempt.lastError).toMatch(/^refused: http:\/\/127\.0\.0\.1:\d+ is refused/);
      expect(connections).toBe(0);
      await server.db.webhook.delete({ where: { id } });
    } finally {
      listener.close();
    }
  });

  it("a workspace's webhooks: its ADMIN manages them, a VIEW participant cannot; they get the workspace's events only", async () => {
    const me = { userId: alice.userId, door: 'graphql' as const, scope: 'all' };
    const org = await server.services.workspaces.createOrganization(me, 'hooks-org');
    const ws = await server.services.workspaces.createWorkspace(me, { id: String(org.id) }, 'hooks-ws');
    await server.services.workspaces.addParticipant(me, { id: String(ws.id) }, bob.name, 'VIEW');
    const refused = await createWebhook(bob.token, { url: receiver.url, workspaceId: String(ws.id) });
    expect(refused.__typename).toBe('ForbiddenError');
    expect((await gql(server, bob.token, LIST, { ws: String(ws.id) })).body.errors![0]!.message).toMatch(/VIEW/);
    expect(await server.db.webhook.count({ where: { workspaceId: ws.id } })).toBe(0);

    await server.services.workspaces.updateParticipantRole(me, { id: String(ws.id) }, bob.name, 'ADMIN');
    const { data } = await createWebhook(bob.token, { url: receiver.url, workspaceId: String(ws.id), kinds: ['CREDENTIAL_CREATE'] });
    expect(data.webhook.workspaceId).toBe(String(ws.id));
    receiver.taken.length = 0;
    await rest(server, alice.token, 'POST', `/api/credentials?workspaceId=${ws.id}`, gitlab('ws-cred', 'glpat-ws'));
    await rest(server, alice.token, 'POST', '/api/credentials', gitlab('personal-cred', 'glpat-p'));
    await eventually('the workspace credential delivered', () => receiver.taken.some((r) => r.json.data.targetName === 'ws-cred'));
    // What a webhook will receive is queued in the statement of each change: the personal change queued nothing for it.
    const queued = await server.db.webhookDelivery.findMany({ where: { webhookId: data.webhook.id }, select: { targetId: true } });
    const wsCredential = receiver.taken.find((r) => r.json.data.targetName === 'ws-cred')!.json.data.targetId;
    expect(queued.map((d) => d.targetId)).toEqual([wsCredential]);
  });

  it('a webhook whose creator lost the right to manage webhooks is paused (audited) before it sends again; a current manager sees it and resumes it', async () => {
    const me = { userId: alice.userId, door: 'graphql' as const, scope: 'all' };
    const ws = server.services.workspaces;
    const org = await ws.createOrganization(me, 'paused-org');
    const lab = await ws.createWorkspace(me, { id: String(org.id) }, 'lab');
    const carol = await server.newUser('carol-admin');
    await ws.addParticipant(me, { id: String(lab.id) }, carol.name, 'ADMIN');
    const { data } = await createWebhook(carol.token, { url: receiver.url, workspaceId: String(lab.id), kinds: ['CREDENTIAL_CREATE'] });
    const webhookId = data.webhook.id;
    const create = (name: string) => rest(server, alice.token, 'POST', `/api/credentials?workspaceId=${lab.id}`, gitlab(name, 'glpat-x'));
    await create('while-admin');
    await eventually('delivered while carol is ADMIN', () => receiver.taken.some((r) => r.json.data.targetName === 'while-admin'));

    // Carol is removed: the workspace's next event is not sent to her receiver; the webhook is paused first.
    await ws.removeParticipant(me, { id: String(lab.id) }, carol.name);
    const afterId = (await create('after-removal')).body.credentialsId;
    await eventually('paused', async () => (await server.db.webhook.findUniqueOrThrow({ where: { id: webhookId } })).status === 'PAUSED');
    const held = await server.db.webhookDelivery.findFirstOrThrow({ where: { webhookId, targetId: afterId } });
    expect(held).toMatchObject({ status: 'PENDING', attempts: 0 });
    expect(receiver.received.some((r) => r.json.data.targetName === 'after-removal')).toBe(false);
    const audit = await server.db.auditEvent.findFirstOrThrow({ where: { action: 'webhook.pause', targetId: webhookId } });
    expect(audit).toMatchObject({ actor: 'background', workspaceId: lab.id });
    expect(audit.detail).toMatch(/may no longer manage workspace/);

    // Alice, a current manager, sees it (made by Carol, PAUSED) and resumes it: she answers for it now, and what was held is sent.
    const listed = await gql(server, alice.token, `query($ws: ID) { webhooks(workspaceId: $ws) { id status createdBy pausedAt } }`, { ws: String(lab.id) });
    expect(listed.body.data!.webhooks).toEqual([{ id: webhookId, status: 'PAUSED', createdBy: carol.userId, pausedAt: expect.any(String) }]);
    const RESUME = `mutation($id: ID!, $ws: ID) { resumeWebhook(id: $id, workspaceId: $ws) {
      __typename ... on MutationResumeWebhookSuccess { data { status createdBy } } ... on Error { message } } }`;
    expect((await gql(server, carol.token, RESUME, { id: webhookId, ws: String(lab.id) })).body.data!.resumeWebhook.__typename).toBe('WorkspaceNotFoundError');
    const resumed = await gql(server, alice.token, RESUME, { id: webhookId, ws: String(lab.id) });
    expect(resumed.body.data!.resumeWebhook).toMatchObject({ data: { status: 'ACTIVE', createdBy: alice.userId } });
    await eventually('the held event sent once resumed', () => receiver.taken.some((r) => r.json.data.targetName === 'after-removal'));
    expect((await gql(server, alice.token, RESUME, { id: webhookId, ws: String(lab.id) })).body.data!.resumeWebhook.__typename).toBe(
      'WebhookNotResumableError',
    );
    expect(await server.db.auditEvent.count({ where: { action: 'webhook.resume', targetId: webhookId, actor: alice.userId } })).toBe(1);
  });

  it('a disabled user’s own webhook is paused before it sends again', async () => {
    const dora = await server.newUser('dora');
    const { data } = await createWebhook(dora.token, { url: receiver.url, kinds: ['CREDENTIAL_DELETE'] });
    const id = (await rest(server, dora.token, 'POST', '/api/credentials', gitlab('doras', 'glpat-d'))).body.credentialsId;
    expect(await server.services.signIn.setDisabled(dora.userId, true)).toBe(true);
    // The operator deletes her credential meanwhile: an event of her context.
    await server.services.credentials.delete({ userId: dora.userId, door: 'cli', scope: 'all' }, id);
    await eventually('paused', async () => (await server.db.webhook.findUniqueOrThrow({ where: { id: data.webhook.id } })).status === 'PAUSED');
    expect(await server.db.webhookDelivery.findFirstOrThrow({ where: { webhookId: data.webhook.id } })).toMatchObject({ status: 'PENDING', attempts: 0 });
  });

  it('WEBHOOKS_PER_USER counts a user’s webhooks in all their contexts, and holds when many are made at once', async () => {
    const capped = await startServer({ WEBHOOK_ALLOWED_HOSTS: receiver.host, WEBHOOKS_PER_USER: '3', WEBHOOKS_PER_CONTEXT: '2' });
    try {
      const erin = await capped.newUser('erin');
      const me = { userId: erin.userId, door: 'graphql' as const, scope: 'all' };
      const org = await capped.services.workspaces.createOrganization(me, 'capped-org');
      const w1 = await capped.services.workspaces.createWorkspace(me, { id: String(org.id) }, 'one');
      const w2 = await capped.services.workspaces.createWorkspace(me, { id: String(org.id) }, 'two');
      const hook = (workspaceId?: number) =>
        gql(capped, erin.token, CREATE, { input: { url: receiver.url, ...(workspaceId ? { workspaceId: String(workspaceId) } : {}) } });
      const first = await Promise.all([hook(w1.id), hook(w1.id), hook(w1.id), hook(w2.id), hook(w2.id), hook()]);
      const kinds = first.map((r) => r.body.data!.createWebhook.__typename);
      expect(kinds.filter((k) => k === 'MutationCreateWebhookSuccess')).toHaveLength(3);
      expect(await capped.db.webhook.count({ where: { creatorUserId: erin.userId } })).toBe(3);
      expect(await capped.db.webhook.count({ where: { workspaceId: w1.id } })).toBeLessThanOrEqual(2);
      const refused = first.find((r) => r.body.data!.createWebhook.__typename === 'LimitReachedError')!;
      expect(refused.body.data!.createWebhook.message).toMatch(/WEBHOOKS_PER_(USER|CONTEXT)/);
    } finally {
      await capped.close();
    }
  });
});

function refused(result: any): string {
  expect(result.__typename).toBe('ValidationError');
  return result.message;
}
