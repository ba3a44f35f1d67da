/**
 * `credentials login` in a browser (Debian's Chromium) against the service's single sign-on with a real OpenID
 * Connect provider on loopback: the client prints the page and a code, the person signs in at the provider, the
 * service's page shows the same code and asks; Allow hands the client a token of the person's own (scope keys:read,
 * expiring, listed among their tokens) through its loopback address, encrypted to the client's key — the URL the
 * browser carried holds no token. Deny tells the client so, and nothing is made.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestsRun, launchBrowser } from '../helpers/browser.js';
import { frontDoor } from '../helpers/front-door.js';
import { type IdentityProvider, startIdentityProvider } from '../helpers/identity-provider.js';
import { childEnv, root } from '../helpers/process.js';
import { startServer, type TestServer } from '../helpers/server.js';

const BIN = join(root, 'client', 'bin', 'credentials.js');
let idp: IdentityProvider;
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  if (!browserTestsRun()) return;
  idp = await startIdentityProvider();
  const door = await frontDoor();
  idp.registerClient(`${door.url}/auth/callback`);
  server = await startServer(
    { PUBLIC_URL: door.url, OIDC_ISSUER: idp.issuer, OIDC_CLIENT_ID: idp.clientId, OIDC_CLIENT_SECRET: idp.clientSecret, CLIENT_TOKEN_LIFETIME: '2h' },
    { door },
  );
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await idp?.close();
});

/** `credentials login --no-browser`, resolving with the page it prints as soon as it does, and its end. */
function startLogin(home: string) {
  const child: ChildProcess = spawn(process.execPath, [BIN, 'login', '--server', server.url, '--no-browser'], {
    env: childEnv({ HOME: home, CREDENTIALS_CONFIG: join(home, 'config.json') }),
  });
  let err = '';
  const page = new Promise<{ url: string; code: string }>((resolve) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d;
      const m = /it shows the code ([A-Z0-9]{8})\):\n {2}(\S+)/.exec(err);
      if (m) resolve({ code: m[1]!, url: m[2]! });
    });
  });
  const ended = new Promise<{ code: number | null; err: string }>((resolve) => child.on('exit', (code) => resolve({ code, err })));
  return { page, ended };
}

/** Through the provider's login (and consent, the first time) to the service's page asking about the client. */
async function signInAt(page: Page, url: string, login: string): Promise<void> {
  await page.goto(url);
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await page.locator('button[type="submit"]').click();
  const consent = page.locator('button[type="submit"]');
  const asked = page.locator('#client-code');
  await Promise.race([asked.waitFor(), consent.waitFor()]);
  if (!(await asked.isVisible())) await consent.click();
  await asked.waitFor();
}

describe.runIf(browserTestsRun())('credentials login in a browser', () => {
  it('Allow: the client gets a keys:read token of the person’s, listed among their tokens, never in a URL the browser saw', async () => {
    idp.accounts.set('grace', { email: 'grace@example.org', name: 'Grace Hopper', groups: [] });
    const home = mkdtempSync(join(tmpdir(), 'client-login-'));
    const login = startLogin(home);
    const { url, code } = await login.page;
    const context = await browser.newContext();
    const page = await context.newPage();
    const urls: string[] = [];
    page.on('request', (request) => urls.push(request.url()));
    await signInAt(page, url, 'grace');
    expect(await page.locator('#client-code').textContent()).toBe(code);
    await page.locator('#allow').click();
    await page.waitForURL(/127\.0\.0\.1:\d+\/callback/);
    expect(await page.locator('body').textContent()).toContain('Signed in');
    const ended = await login.ended;
    expect(ended.code, ended.err).toBe(0);
    expect(ended.err).toContain('Signed in to');
    const stored = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8'));
    expect(stored.token).toMatch(/^cst_[0-9A-Za-z]{43}$/);
    for (const seen of urls) expect(seen).not.toContain(stored.token);
    const viewer = await server.services.tokens.authenticate(stored.token);
    expect(viewer?.scope).toBe('keys:read');
    const lifetime = Date.parse(stored.tokenExpiresAt) - Date.now();
    expect(lifetime).toBeGreaterThan(110 * 60_000);
    expect(lifetime).toBeLessThanOrEqual(2 * 3600_000);
    const listed = await server.services.tokens.listTokens(viewer!.userId);
    expect(listed.map((t) => t.name)).toEqual([expect.stringMatching(new RegExp(`^credentials login ${code} `))]);
    await context.close();
  });

  it('Deny: the client says so, and no token is made', async () => {
    const home = mkdtempSync(join(tmpdir(), 'client-login-'));
    const login = startLogin(home);
    const { url } = await login.page;
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInAt(page, url, 'grace');
    const user = await server.services.tokens.findUser('grace');
    const before = (await server.services.tokens.listTokens(user!.id)).length;
    await page.locator('#deny').click();
    const ended = await login.ended;
    expect(ended.code).toBe(1);
    expect(ended.err).toContain('credentials: sign-in refused: denied');
    expect((await server.services.tokens.listTokens(user!.id)).length).toBe(before);
    await context.close();
  });

  it('a page whose code is not the key’s is refused before anything is asked', async () => {
    const response = await fetch(
      `${server.url}/auth/cli?port=5000&state=${'s'.repeat(20)}&code=ABCDEFGH&key=${encodeURIComponent('{"kty":"OKP","crv":"X25519","x":"9GXjPGGvmRq9F6Ng5dQQ_s31mfhxrcNZxRGONrmH30k"}')}`,
    );
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('code: is not the one of this key');
  });
});
