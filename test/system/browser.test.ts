/**
 * The pages people open, in a real browser (Debian's Chromium, no internet):
 * they render under the service's Content-Security-Policy, with no violation
 * and no request leaving the server.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/doors/rest/openapi.js';
import { REST_COMPONENTS, REST_ROUTES } from '../../src/wiring/rest-api.js';
import { browserTestsRun, launchBrowser, watch } from '../helpers/browser.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { scaled } from '../helpers/time.js';

let server: TestServer;
let browser: Browser;
beforeAll(async () => {
  if (!browserTestsRun()) return;
  server = await startServer();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const sameOrigin = (url: string) => url.startsWith(`${server.url}/`) || url.startsWith('data:') || url.startsWith('blob:');

describe.runIf(browserTestsRun())('GraphiQL and the API reference in a browser', () => {
  it('GraphiQL renders its editors with every script and worker from this server, and no CSP violation', async () => {
    const page = await browser.newPage();
    const seen = watch(page);
    await page.goto(`${server.url}/graphql`);
    await page.locator('.graphiql-container').first().waitFor({ timeout: 15_000 });
    await page.locator('.monaco-editor').first().waitFor({ timeout: 15_000 });
    expect(seen.problems).toEqual([]);
    expect(seen.requests.filter((u) => !sameOrigin(u))).toEqual([]);
    await page.close();
  });

  it('GraphiQL: a person pastes a token in the headers pane and runs the first query; the page is light and kept by the browser', async () => {
    const user = await server.newUser('browser');
    const created = await fetch(`${server.url}/api/credentials`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` },
      body: JSON.stringify({ credentials: { name: 'seen-in-graphiql', provider: 'github', keys: { token: 't' } } }),
    });
    expect(created.status).toBe(200);

    const context = await browser.newContext();
    const page = await context.newPage();
    const seen = watch(page);
    // What crosses the network, compressed, headers included (Chrome's own count).
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    let transferred = 0;
    // Requests the page started and that have not finished (none left once everything it asked for came). A worker's
    // script is fetched by the worker: its end is reported to the worker's session, not this one (nor its bytes).
    const inFlight = new Map<string, string>();
    cdp.on('Network.requestWillBeSent', (event) => {
      if (!/\.worker\.js$/.test(event.request.url)) inFlight.set(event.requestId, event.request.url.slice(0, 80));
    });
    cdp.on('Network.loadingFailed', (event) => inFlight.delete(event.requestId));
    cdp.on('Network.loadingFinished', (event) => {
      inFlight.delete(event.requestId);
      transferred += event.encodedDataLength;
    });

    await page.goto(`${server.url}/graphql`);
    await page.locator('.graphiql-container').first().waitFor({ timeout: 15_000 });
    const queryEditor = page.locator('.graphiql-query-editor');
    await expect.poll(() => queryEditor.innerText(), { timeout: 15_000 }).toContain('MyCredentials');

    await page.getByRole('button', { name: /^headers$/i }).click();
    const headersEditor = page.locator('.graphiql-editor-tool .monaco-editor').last();
    await headersEditor.click();
    await page.keyboard.type(`{"Authorization": "Bearer ${user.token}"`);
    await page.locator('.graphiql-execute-button').click();
    const response = page.locator('.graphiql-response');
    await expect.poll(() => response.innerText(), { timeout: 15_000 }).toContain('seen-in-graphiql');
    expect(await response.innerText()).toContain(user.name);
    expect(seen.requests.filter((u) => !sameOrigin(u))).toEqual([]);
    expect(seen.problems).toEqual([]);
    // The token is not kept in the browser.
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }));
    expect(stored).not.toContain(user.token);

    // Everything the page asked for has come (the positive signal the byte count waits for).
    await expect.poll(() => [...inFlight.values()], { timeout: 15_000 }).toEqual([]);
    const firstLoad = transferred;
    expect(firstLoad, `first load: ${firstLoad} bytes`).toBeLessThan(3_000_000);
    transferred = 0;
    await page.reload();
    await expect.poll(() => page.locator('.graphiql-query-editor').innerText(), { timeout: 15_000 }).toContain('MyCredentials');
    await expect.poll(() => [...inFlight.values()], { timeout: 15_000 }).toEqual([]);
    expect(transferred, `reload: ${transferred} bytes (first load ${firstLoad})`).toBeLessThan(50_000);
    await context.close();
  });

  it('GraphiQL runs a subscription: credential events appear in the response pane as they happen', async () => {
    const user = await server.newUser('watcher');
    const page = await browser.newPage();
    const seen = watch(page);
    await page.goto(`${server.url}/graphql`);
    await page.locator('.graphiql-container').first().waitFor({ timeout: 15_000 });
    const queryEditor = page.locator('.graphiql-query-editor');
    await expect.poll(() => queryEditor.innerText(), { timeout: 15_000 }).toContain('MyCredentials');
    await page.getByRole('button', { name: /^headers$/i }).click();
    await page.locator('.graphiql-editor-tool .monaco-editor').last().click();
    await page.keyboard.type(`{"Authorization": "Bearer ${user.token}"`);
    await queryEditor.locator('.monaco-editor').click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    await page.keyboard.type('subscription Watch { credentialEvents { kind targetName } }');
    // GraphiQL reads the operation's name from the editor a moment after a change.
    await new Promise((r) => setTimeout(r, scaled(1000)));
    await page.locator('.graphiql-execute-button').click();
    await expect.poll(() => server.services.live.open, { timeout: 15_000 }).toBe(1);
    const created = await fetch(`${server.url}/api/credentials`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` },
      body: JSON.stringify({ credentials: { name: 'seen-live-in-graphiql', provider: 'github', keys: { token: 't' } } }),
    });
    expect(created.status).toBe(200);
    const response = page.locator('.graphiql-response');
    await expect.poll(() => response.innerText(), { timeout: 15_000 }).toContain('seen-live-in-graphiql');
    expect(await response.innerText()).toContain('CREDENTIAL_CREATE');
    expect(seen.requests.filter((u) => !sameOrigin(u))).toEqual([]);
    expect(seen.problems).toEqual([]);
    await page.close();
    await expect.poll(() => server.services.live.open, { timeout: 15_000 }).toBe(0);
  });

  it('the REST API reference renders its operations, and no CSP violation', async () => {
    const page = await browser.newPage();
    const seen = watch(page);
    await page.goto(`${server.url}/api/docs`);
    await page.locator('.opblock').first().waitFor({ timeout: 15_000 });
    // One block per operation of the OpenAPI document (the seed API's eight and this service's three extensions).
    const operations = Object.values((openApiDocument(REST_ROUTES, REST_COMPONENTS) as { paths: Record<string, object> }).paths).flatMap((p) =>
      Object.keys(p),
    ).length;
    expect(operations).toBe(25);
    expect(await page.locator('.opblock').count()).toBe(operations);
    expect(seen.problems).toEqual([]);
    expect(seen.requests.filter((u) => !sameOrigin(u))).toEqual([]);
    await page.close();
  });
});
