/**
 * Browser sign-in without a browser: the landing page, the start of the
 * flow (PKCE S256, state, nonce, a sealed __Host- cookie), callbacks that must
 * be refused (no flow, a forged flow, a wrong state), and sessions: GraphQL
 * takes them (REST does not), CSRF stays closed (GraphQL's header rule, the
 * sign-out form's own token), idle and disabled sessions are refused. The
 * whole flow through a real provider in Chromium is test/system/sign-in.test.ts.
 */
import { hash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR } from '../../src/core/caller.js';
import { PrismaSessionStore } from '../../src/features/sign-in/store/session-store.js';
import { subscribe } from '../helpers/events.js';
import { frontDoor } from '../helpers/front-door.js';
import { type IdentityProvider, signInWithoutBrowser, startIdentityProvider } from '../helpers/identity-provider.js';
import { gql, startServer, type TestServer } from '../helpers/server.js';
import { eventually } from '../helpers/time.js';

const COOKIE = '__Host-credentials-session';
let idp: IdentityProvider;
let server: TestServer;
let plain: TestServer;

beforeAll(async () => {
  idp = await startIdentityProvider();
  const door = await frontDoor();
  idp.registerClient(`${door.url}/auth/callback`);
  server = await startServer({ PUBLIC_URL: door.url, OIDC_ISSUER: idp.issuer, OIDC_CLIENT_ID: idp.clientId, OIDC_CLIENT_SECRET: idp.clientSecret }, { door });
  plain = await startServer();
});
afterAll(async () => {
  await server?.close();
  await plain?.close();
  await idp?.close();
});

/** A session of a new user, as a sign-in opens one (its cookie value, its form token). */
async function session(options: { idleFor?: number } = {}) {
  const user = await server.newUser('signed-in');
  const cookie = randomBytes(32).toString('base64url');
  const csrf = randomBytes(24).toString('base64url');
  const now = Date.now();
  await server.db.session.create({
    data: {
      id: hash('sha256', cookie, 'hex'),
      userId: user.userId,
      createdAt: new Date(now),
      lastSeenAt: new Date(now - (options.idleFor ?? 0)),
      expiresAt: new Date(now + 3_600_000),
      csrf,
    },
  });
  return { user, cookie, csrf, header: `${COOKIE}=${cookie}` };
}

const graphql = (cookie: string, init: RequestInit = {}) =>
  fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ query: '{ viewer { name } }' }),
    ...init,
  });

describe('the landing page', () => {
  it('offers sign-in when it is set up, links GraphiQL, the API reference and the docs, and serves the docs', async () => {
    const landing = await fetch(`${server.url}/`);
    expect(landing.status).toBe(200);
    expect(landing.headers.get('cache-control')).toBe('no-store');
    const html = await landing.text();
    expect(html).toMatch(/<a id="sign-in" class="sign-in" href="\/auth\/login">Sign in<\/a>/);
    for (const link of ['/graphql', '/api/docs', '/docs/sign-in.md']) expect(html).toContain(`href="${link}"`);
    const docs = await fetch(`${server.url}/docs/sign-in.md`);
    expect(docs.headers.get('content-type')).toMatch(/^text\/markdown/);
    expect(await docs.text()).toContain('# Signing in');
    expect((await fetch(`${server.url}/docs/..%2Fpackage.json`)).status).toBe(404);
    const without = await (await fetch(`${plain.url}/`)).text();
    expect(without).not.toContain('id="sign-in"');
    expect(without).toContain('access token');
  });

  it('shows who is signed in, with a sign-out form carrying the session’s own token', async () => {
    const { user, header, csrf } = await session();
    const html = await (await fetch(`${server.url}/`, { headers: { cookie: header } })).text();
    expect(html).toContain(`<strong id="signed-in">${user.name}</strong>`);
    expect(html).toContain(`name="csrf" value="${csrf}"`);
  });
});

describe('the sign-in flow', () => {
  it('offers every provider of OIDC_ISSUER and OIDC_PROVIDERS, and sends the browser to the one chosen', async () => {
    const second = await startIdentityProvider();
    const file = join(server.dir, 'providers.json');
    writeFileSync(file, JSON.stringify([{ name: 'partners', label: 'Partner login', issuer: second.issuer, clientId: 'partners-client' }]));
    const door = await frontDoor();
    const both = await startServer({ PUBLIC_URL: door.url, OIDC_ISSUER: idp.issuer, OIDC_CLIENT_ID: idp.clientId, OIDC_PROVIDERS: file }, { door });
    try {
      const html = await (await fetch(`${both.url}/`)).text();
      expect(html).toContain('href="/auth/login">Sign in</a>');
      expect(html).toContain('href="/auth/login?provider=partners">Partner login</a>');
      const chosen = await fetch(`${both.url}/auth/login?provider=partners`, { redirect: 'manual' });
      expect(chosen.status).toBe(302);
      const target = new URL(chosen.headers.get('location')!);
      expect(target.origin).toBe(second.issuer);
      expect(target.searchParams.get('client_id')).toBe('partners-client');
      const unknown = await fetch(`${both.url}/auth/login?provider=nope`, { redirect: 'manual' });
      expect(unknown.status).toBe(400);
      expect(await unknown.text()).toContain('No sign-in provider named nope');
    } finally {
      await both.close();
      await second.close();
    }
    writeFileSync(file, JSON.stringify([{ name: 'Bad Name', label: 'x', issuer: second.issuer, clientId: 'c' }]));
    await expect(startServer({ PUBLIC_URL: 'https://x.example', OIDC_PROVIDERS: file })).rejects.toThrow(/OIDC_PROVIDERS: .*0\.name: must be 1-40/);
  });

  it('starts with PKCE (S256), a state and a nonce, remembered in a sealed __Host- cookie', async () => {
    const start = await fetch(`${server.url}/auth/login`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    const target = new URL(start.headers.get('location')!);
    expect(target.origin).toBe(idp.issuer);
    expect(Object.fromEntries(target.searchParams)).toMatchObject({
      client_id: idp.clientId,
      response_type: 'code',
      code_challenge_method: 'S256',
      code_challenge: expect.stringMatching(/^[\w-]{43}$/),
      state: expect.any(String),
      nonce: expect.any(String),
      scope: 'openid email profile',
      redirect_uri: `${server.config.publicUrl}/auth/callback`,
    });
    const setCookie = start.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^__Host-credentials-sign-in=v1[^;]*; Max-Age=600; Path=\/; HttpOnly; Secure; SameSite=Lax/);
    // Sealed: neither the state nor the verifier can be read from it.
    expect(setCookie).not.toContain(target.searchParams.get('state')!);
  });

  it('refuses a callback without the flow’s cookie, with a forged one, or with another state — and opens no session', async () => {
    const start = await fetch(`${server.url}/auth/login`, { redirect: 'manual' });
    const flow = start.headers.get('set-cookie')!.split(';')[0]!;
    const state = new URL(start.headers.get('location')!).searchParams.get('state');
    const cases: [string, string | undefined, RegExp][] = [
      [`?code=abc&state=${state}`, undefined, /not started here/],
      [`?code=abc&state=${state}`, '__Host-credentials-sign-in=v1:forged', /not one this service made/],
      [`?code=abc&state=another-state&iss=${encodeURIComponent(idp.issuer)}`, flow, /not accepted: .*state/i],
      [`?code=abc&state=${state}&iss=${encodeURIComponent('https://evil.example')}`, flow, /not accepted: .*iss/i],
    ];
    const before = await server.db.session.count();
    for (const [query, cookie, message] of cases) {
      const answer = await fetch(`${server.url}/auth/callback${query}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });
      expect(answer.status, query).toBe(401);
      expect(await answer.text(), query).toMatch(message);
      expect(answer.headers.get('set-cookie') ?? '', query).not.toContain(COOKIE);
    }
    expect(await server.db.session.count()).toBe(before);
  });
});

/** A server whose sign-in goes to the test's provider, with more settings (its own port, registered at the provider). */
async function signInServer(extra: Record<string, string>): Promise<TestServer> {
  const door = await frontDoor();
  idp.registerClient(`${door.url}/auth/callback`);
  const env = { PUBLIC_URL: door.url, OIDC_ISSUER: idp.issuer, OIDC_CLIENT_ID: idp.clientId, OIDC_CLIENT_SECRET: idp.clientSecret };
  return startServer({ ...env, ...extra }, { door });
}

describe('what the identity provider says of the person', () => {
  it('a whole sign-in without a browser opens a session GraphQL takes', async () => {
    idp.accounts.set('carol', { email: 'carol@example.org', name: 'Carol', groups: [] });
    const signedIn = await signInWithoutBrowser(server.url, 'carol');
    expect(signedIn).toMatchObject({ cookie: expect.stringMatching(/^__Host-credentials-session=/) });
    const viewer = await (await graphql((signedIn as { cookie: string }).cookie)).json();
    expect(viewer.data.viewer.name).toBe('carol');
  });

  it('OIDC_ALLOWED_EMAIL_DOMAINS takes only an address the provider says it verified: an absent email_verified is not', async () => {
    const domains = await signInServer({ OIDC_ALLOWED_EMAIL_DOMAINS: 'example.org' });
    try {
      const users = await domains.db.user.count();
      for (const [login, emailVerified] of [
        ['unverified-silent', null],
        ['unverified-said', false],
      ] as const) {
        idp.accounts.set(login, { email: `${login}@example.org`, name: login, groups: [], emailVerified });
        const refused = await signInWithoutBrowser(domains.url, login);
        expect(refused, login).toMatchObject({ status: 401, text: expect.stringContaining('Only people with a verified e-mail address of example.org') });
      }
      expect(await domains.db.user.count()).toBe(users);
      idp.accounts.set('verified', { email: 'verified@example.org', name: 'V', groups: [], emailVerified: true });
      expect(await signInWithoutBrowser(domains.url, 'verified')).toHaveProperty('cookie');
    } finally {
      await domains.close();
      idp.registerClient(`${server.url}/auth/callback`);
    }
  });

  it('a groups claim must be a list of names: a nested list (or any other shape) is refused, never flattened into a group', async () => {
    const mapped = await signInServer({ OIDC_GROUP_ROLES: 'lab-admins=groups-org/lab:ADMIN' });
    try {
      const ws = mapped.services.workspaces;
      const founder = await mapped.newUser('founder');
      await ws.createOrganization(OPERATOR, 'groups-org', founder.name);
      const lab = await ws.createWorkspace(OPERATOR, { name: 'groups-org' }, 'lab');
      for (const [login, groups] of [
        ['nested', [['lab-admins']]],
        ['mixed', [1, 'lab-admins']],
        ['object', { 0: 'lab-admins' }],
      ] as const) {
        idp.accounts.set(login, { email: `${login}@example.org`, name: login, groups });
        const refused = await signInWithoutBrowser(mapped.url, login);
        expect(refused, login).toMatchObject({ status: 401, text: expect.stringContaining('groups claim is not a list of group names') });
      }
      expect((await ws.listParticipants(OPERATOR, { id: String(lab.id) })).map((p) => p.role)).toEqual([]);
      idp.accounts.set('listed', { email: 'listed@example.org', name: 'L', groups: ['lab-admins'] });
      expect(await signInWithoutBrowser(mapped.url, 'listed')).toHaveProperty('cookie');
      expect((await ws.listParticipants(OPERATOR, { id: String(lab.id) })).map((p) => `${p.userName}:${p.role}`)).toEqual(['listed:ADMIN']);
    } finally {
      await mapped.close();
      idp.registerClient(`${server.url}/auth/callback`);
    }
  });
});

describe('sessions', () => {
  it('GraphQL takes the session (a bearer token still wins); REST does not take cookies', async () => {
    const { user, header } = await session();
    expect((await (await graphql(header)).json()).data).toEqual({ viewer: { name: user.name } });
    const other = await server.newUser('bearer');
    const bearer = await graphql(header, {
      headers: { 'content-type': 'application/json', cookie: header, authorization: `Bearer ${other.token}` },
    });
    expect((await bearer.json()).data).toEqual({ viewer: { name: other.name } });
    expect((await fetch(`${server.url}/api/credentials`, { headers: { cookie: header } })).status).toBe(401);
  });

  it('CSRF stays closed: a form post or a plain GET to GraphQL with the cookie runs nothing; sign-out needs the session’s token', async () => {
    const { header, csrf } = await session();
    const form = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: header },
      body: 'query=%7Bviewer%7Bname%7D%7D',
    });
    expect(form.status).toBeGreaterThanOrEqual(400);
    expect(await form.text()).not.toContain('"viewer"');
    const get = await fetch(`${server.url}/graphql?query=%7Bviewer%7Bname%7D%7D`, { headers: { cookie: header, accept: 'application/json' } });
    expect(get.status).toBeGreaterThanOrEqual(400);
    const forged = await fetch(`${server.url}/auth/logout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: header },
      body: 'csrf=guessed',
    });
    expect(forged.status).toBe(403);
    expect((await (await graphql(header)).json()).data.viewer).not.toBeNull();
    const signedOut = await fetch(`${server.url}/auth/logout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: header },
      body: `csrf=${csrf}`,
    });
    expect(signedOut.status).toBe(303);
    expect(signedOut.headers.get('set-cookie')).toMatch(/^__Host-credentials-session=;/);
    expect((await (await graphql(header)).json()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('a session idle past SESSION_IDLE, or of a disabled user, is refused; a disabled user’s tokens too', async () => {
    const idle = await session({ idleFor: 3 * 3_600_000 });
    expect((await (await graphql(idle.header)).json()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const active = await session();
    expect((await (await graphql(active.header)).json()).data.viewer.name).toBe(active.user.name);
    await server.services.signIn.setDisabled(active.user.userId, true);
    expect((await (await graphql(active.header)).json()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const byToken = await fetch(`${server.url}/api/user-info`, { headers: { authorization: `Bearer ${active.user.token}` } });
    expect(byToken.status).toBe(401);
    await server.services.signIn.setDisabled(active.user.userId, false);
    expect((await fetch(`${server.url}/api/user-info`, { headers: { authorization: `Bearer ${active.user.token}` } })).status).toBe(200);
  });
});

describe('live streams of a session', () => {
  const EVENTS = 'subscription { credentialEvents { id kind targetName } }';

  it('end at once when the session signs out (audited session.end), and when its user is disabled (user.disable)', async () => {
    const { user, header, csrf, cookie } = await session();
    const stream = await subscribe(server, { cookie: header }, EVENTS);
    expect(stream.status).toBe(200);
    await eventually('the stream is open', () => server.services.live.open === 1);
    const out = await fetch(`${server.url}/auth/logout`, {
      method: 'POST',
      headers: { cookie: header, 'content-type': 'application/x-www-form-urlencoded' },
      body: `csrf=${csrf}`,
      redirect: 'manual',
    });
    expect(out.status).toBe(303);
    expect(await stream.ended).toBe('complete');
    const ended = await server.db.auditEvent.findFirstOrThrow({ where: { action: 'session.end', ownerUserId: user.userId } });
    expect(ended).toMatchObject({ targetType: 'session', targetId: `session:${hash('sha256', cookie, 'hex').slice(0, 12)}`, actor: user.userId });

    // Another session, and a token, of a user the operator then disables: both streams end, their sessions too.
    const other = await session();
    const bySession = await subscribe(server, { cookie: other.header }, EVENTS);
    const byToken = await subscribe(server, other.user.token, EVENTS);
    await eventually('both open', () => server.services.live.open === 2);
    expect(await server.services.signIn.setDisabled(other.user.userId, true)).toBe(true);
    expect(await bySession.ended).toBe('complete');
    expect(await byToken.ended).toBe('complete');
    expect(await server.db.auditEvent.count({ where: { action: 'user.disable', targetId: other.user.userId, actor: 'operator' } })).toBe(1);
    expect((await server.db.session.findUniqueOrThrow({ where: { id: hash('sha256', other.cookie, 'hex') } })).revokedAt).not.toBeNull();
    expect(await server.services.signIn.setDisabled(other.user.userId, false)).toBe(true);
    expect(await server.db.auditEvent.count({ where: { action: 'user.enable', targetId: other.user.userId } })).toBe(1);
  });
});

describe('ended sessions', () => {
  it('are forgotten a day after they end (the hourly purge), live ones kept', async () => {
    const live = await session();
    const ended = await session();
    const id = (cookie: string) => hash('sha256', cookie, 'hex');
    await server.db.session.update({ where: { id: id(ended.cookie) }, data: { revokedAt: new Date(Date.now() - 2 * 86_400_000) } });
    expect(await new PrismaSessionStore(server.db).removeEndedBefore(new Date(Date.now() - 86_400_000))).toBe(1);
    expect(await server.db.session.findUnique({ where: { id: id(ended.cookie) } })).toBeNull();
    expect(await server.db.session.findUnique({ where: { id: id(live.cookie) } })).not.toBeNull();
  });
});

describe('removing a user', () => {
  it('takes their tokens, sessions and personal credentials; the audit trail keeps their events, shown as a removed user’s', async () => {
    const { user, header } = await session();
    const created = await fetch(`${server.url}/api/credentials`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` },
      body: JSON.stringify({ credentials: { name: 'theirs', provider: 'gitlab', keys: { token: 'glpat-removed' } } }),
    });
    expect(created.status).toBe(200);
    expect(await server.services.tokens.removeUser(user.name, { actor: 'operator', door: 'cli' })).toBe(user.name);
    expect((await fetch(`${server.url}/api/user-info`, { headers: { authorization: `Bearer ${user.token}` } })).status).toBe(401);
    expect((await (await graphql(header)).json()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(await server.db.credential.count({ where: { userId: user.userId } })).toBe(0);
    const events = await server.db.auditEvent.findMany({ where: { actor: user.userId } });
    expect(events.map((e) => e.action)).toContain('credential.create');
    const [view] = await server.services.audit.views(events.slice(0, 1));
    expect(view!.actorName).toBe('(removed user)');
    expect(await server.db.auditEvent.count({ where: { action: 'user.remove', targetId: user.userId, actor: 'operator' } })).toBe(1);
  });

  it('is refused while they are the only owner of an organization, naming it', async () => {
    const owner = await server.newUser('sole-owner');
    await server.services.workspaces.createOrganization(OPERATOR, `solo-${owner.userId.slice(0, 6)}`, owner.name);
    await expect(server.services.tokens.removeUser(owner.name, { actor: 'operator', door: 'cli' })).rejects.toThrow(/only owner of 'solo-/);
    expect((await fetch(`${server.url}/api/user-info`, { headers: { authorization: `Bearer ${owner.token}` } })).status).toBe(200);
  });
});

describe('an organization’s owner over its members', () => {
  it('removes a member from every workspace of the organization through GraphQL; a member cannot, nor remove an owner', async () => {
    const owner = await server.newUser('org-owner');
    const member = await server.newUser('org-member');
    const ws = server.services.workspaces;
    const org = await ws.createOrganization(OPERATOR, `team-${owner.userId.slice(0, 6)}`, owner.name);
    const one = await ws.createWorkspace(OPERATOR, { id: String(org.id) }, 'one');
    const two = await ws.createWorkspace(OPERATOR, { id: String(org.id) }, 'two');
    for (const w of [one, two]) {
      await ws.addParticipant(OPERATOR, { id: String(w.id) }, owner.name, 'OWNER');
      await ws.addParticipant(OPERATOR, { id: String(w.id) }, member.name, 'MAINTAIN');
    }
    const remove = (token: string, userName: string) =>
      gql(
        server,
        token,
        'mutation ($o: ID!, $u: String!) { removeOrganizationMember(organizationId: $o, userName: $u) { __typename ... on Error { message } } }',
        { o: String(org.id), u: userName },
      );
    expect((await remove(member.token, owner.name)).body.data!.removeOrganizationMember.__typename).toBe('ForbiddenError');
    expect((await remove(owner.token, owner.name)).body.data!.removeOrganizationMember.__typename).toBe('ForbiddenError');
    expect((await remove(owner.token, member.name)).body.data!.removeOrganizationMember.__typename).toBe('MutationRemoveOrganizationMemberSuccess');
    for (const w of [one, two]) {
      const names = (await ws.listParticipants(OPERATOR, { id: String(w.id) })).map((p) => p.userName);
      expect(names).toEqual([owner.name]);
      const listed = await fetch(`${server.url}/api/credentials?workspaceId=${w.id}`, { headers: { authorization: `Bearer ${member.token}` } });
      expect(listed.status).toBe(403);
    }
    expect((await remove(owner.token, member.name)).body.data!.removeOrganizationMember.__typename).toBe('UserNotFoundError');
  });
});
