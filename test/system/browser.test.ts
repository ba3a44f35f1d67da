/**
 * The pages people open, in a real browser (Debian's Chromium, no internet):
 * they render under the service's Content-Security-Policy, with no violation
 * and no request leaving the server.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, watch } from '../helpers/browser.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let browser: Browser;
beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server.close();
});

const sameOrigin = (url: string) => url.startsWith(`${server.url}/`) || url.startsWith('data:') || url.startsWith('blob:');

describe('GraphiQL and the API reference in a browser', () => {
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

  it('the REST API reference renders its operations, and no CSP violation', async () => {
    const page = await browser.newPage();
    const seen = watch(page);
    await page.goto(`${server.url}/api/docs`);
    await page.locator('.opblock').first().waitFor({ timeout: 15_000 });
    expect(await page.locator('.opblock').count()).toBe(8);
    expect(seen.problems).toEqual([]);
    expect(seen.requests.filter((u) => !sameOrigin(u))).toEqual([]);
    await page.close();
  });
});
