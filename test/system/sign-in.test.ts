/**
 * Browser sign-in against a real OpenID Connect provider (oidc-provider on
 * loopback), in Debian's Chromium: from the landing page to the provider's
 * login and consent pages and back, GraphiQL running a query with the session
 * and no token pasted, the group mapping applied at each sign-in, a replayed
 * callback refused, and sign-out ending the session for good.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR } from '../../src/core/caller.js';
import { browserTestsRun, launchBrowser } from '../helpers/browser.js';
import { frontDoor } from '../helpers/front-door.js';
import { type IdentityProvider, startIdentityProvider } from '../helpers/identity-provider.js';
import { startServer, type TestServer } from '../helpers/server.js';

let idp: IdentityProvider;
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  if (!browserTestsRun()) return;
  idp = await startIdentityProvider();
  const door = await frontDoor();
  const publicUrl = door.url;
  idp.registerClient(`${publicUrl}/auth/callback`);
  server = await startServer(
    {
      PUBLIC_URL: publicUrl,
      OIDC_ISSUER: idp.issuer,
      OIDC_CLIENT_ID: idp.clientId,
      OIDC_CLIENT_SECRET: idp.clientSecret,
      OIDC_GROUP_ROLES: 'lab-maintainers=acme/lab:MAINTAIN,lab-viewers=acme/lab:VIEW',
    },
    { door },
  );
  const owner = await server.newUser('acme-owner');
  await server.services.workspaces.createOrganization(OPERATOR, 'acme', owner.name);
  await server.services.workspaces.createWorkspace(OPERATOR, { name: 'acme' }, 'lab');
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await idp?.close();
});

/** From the landing page through the provider's login and consent pages, back to the landing page. */
async function signIn(page: Page, login: string): Promise<string> {
  await page.goto(`${server.url}/`);
  await page.locator('#sign-in').click();
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await page.locator('button[type="submit"]').click();
  // The consent page (first sign-in of this account), then back at the service.
  let callback = '';
  page.on('request', (request) => {
    if (request.url().includes('/auth/callback')) callback = request.url();
  });
  const consent = page.locator('button[type="submit"]');
  await Promise.race([page.waitForURL(`${server.url}/`), consent.waitFor()]);
  if (!page.url().startsWith(`${server.url}/`) || page.url().includes('/interaction')) await consent.click();
  await page.waitForURL(`${server.url}/`);
  return callback;
}

const viewerThroughPage = (page: Page) =>
  page.evaluate(async () => {
    const response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ viewer { name } }' }),
    });
    return { status: response.status, body: await response.json() };
  });

describe.runIf(browserTestsRun())('signing in with the identity provider', () => {
  it('lands signed in, runs GraphiQL’s query with the session and no token pasted, and signs out for good', async () => {
    idp.accounts.set('ada', { email: 'ada@example.org', name: 'Ada Lovelace', groups: ['lab-maintainers'] });
    const context = await browser.newContext();
    const page = await context.newPage();
    const callback = await signIn(page, 'ada');
    await expect.poll(() => page.locator('#signed-in').innerText()).toBe('Ada Lovelace');
    expect(await page.content()).toContain('ada@example.org');
    // The session cookie: HttpOnly, Secure, SameSite=Lax, __Host-.
    const cookie = (await context.cookies()).find((c) => c.name === '__Host-credentials-session')!;
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
    // The user exists by issuer and subject, and the group gave a role.
    const user = await server.db.user.findFirstOrThrow({ where: { oidcSubject: 'ada' } });
    expect(user).toMatchObject({ oidcIssuer: idp.issuer, email: 'ada@example.org', displayName: 'Ada Lovelace' });
    const participants = await server.services.workspaces.listParticipants(OPERATOR, { fullName: 'acme/lab' });
    expect(participants.find((p) => p.userId === user.id)?.role).toBe('MAINTAIN');

    // GraphiQL: the default query runs with the session, nothing pasted.
    await page.goto(`${server.url}/graphql`);
    await page.locator('.graphiql-container').first().waitFor({ timeout: 15_000 });
    await expect.poll(() => page.locator('.graphiql-query-editor').innerText(), { timeout: 15_000 }).toContain('MyCredentials');
    await page.locator('.graphiql-execute-button').click();
    await expect.poll(() => page.locator('.graphiql-response').innerText(), { timeout: 15_000 }).toContain(user.name);

    // The callback cannot be replayed (its code and flow are spent).
    const replay = await context.newPage();
    await replay.goto(callback);
    expect(await replay.locator('#sign-in-failed').innerText()).toMatch(/not started here|not accepted/);
    await replay.close();

    // Sign out: the session ends; the same cookie no longer works anywhere.
    await page.goto(`${server.url}/`);
    await page.locator('#sign-out').click();
    await page.waitForURL(`${server.url}/`);
    await page.locator('#sign-in').waitFor();
    const stale = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `${cookie.name}=${cookie.value}` },
      body: JSON.stringify({ query: '{ viewer { name } }' }),
    });
    expect((await stale.json()).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    await context.close();
  }, 90_000);

  it('re-applies the group mapping at each sign-in: a group removed takes the role away; a disabled user cannot sign in', async () => {
    idp.accounts.set('bob', { email: 'bob@example.org', name: 'Bob', groups: ['lab-viewers'] });
    const first = await browser.newContext();
    await signIn(await first.newPage(), 'bob');
    const bob = await server.db.user.findFirstOrThrow({ where: { oidcSubject: 'bob' } });
    const roleOf = async () => (await server.services.workspaces.listParticipants(OPERATOR, { fullName: 'acme/lab' })).find((p) => p.userId === bob.id)?.role;
    expect(await roleOf()).toBe('VIEW');
    const page = await first.newPage();
    await page.goto(`${server.url}/`);
    expect((await viewerThroughPage(page)).body.data.viewer.name).toBe(bob.name);
    await first.close();

    idp.accounts.set('bob', { email: 'bob@example.org', name: 'Bob', groups: [] });
    const second = await browser.newContext();
    const again = await second.newPage();
    await signIn(again, 'bob');
    expect(await roleOf()).toBeUndefined();
    // Disabled: the open session is refused at once, and signing in again is refused.
    await server.services.signIn.setDisabled(bob.id, true);
    expect((await viewerThroughPage(again)).body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    await again.goto(`${server.url}/`);
    await again.locator('#sign-in').click();
    await again.waitForURL(/\/auth\/callback|\/interaction|\/$/);
    await again.waitForLoadState('load');
    // The provider remembers the person: straight back, and refused.
    await expect.poll(() => again.content(), { timeout: 15_000 }).toMatch(/disabled/);
    await second.close();
  }, 90_000);
});
