import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

describe('GraphiQL', () => {
  it('opens from a browser at GET /graphql and loads every asset from this server, none from the internet', async () => {
    const response = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    const html = await response.text();
    expect(html).not.toMatch(/<script>/); // no inline script: the Content-Security-Policy allows this server's scripts only
    // Every URL the page names: attributes and string literals.
    const named = (text: string) => [...text.matchAll(/(?:src|href)="([^"]+)"|'(\/[^']+)'/g)].map((m) => m[1] ?? m[2]!);
    const urls = named(html);
    // The page's own script names the editor's workers.
    const init = urls.find((u) => u.endsWith('/init.js'))!;
    urls.push(...named(await (await fetch(`${server.url}${init}`)).text()));
    expect(urls.length).toBeGreaterThanOrEqual(7);
    expect(html).not.toMatch(/https?:\/\//);
    for (const url of urls) {
      if (url.startsWith('data:')) continue;
      expect(url.startsWith('/'), url).toBe(true);
      const asset = await fetch(`${server.url}${url}`);
      expect(asset.status, url).toBe(200);
      const body = await asset.text();
      expect(body.length, url).toBeGreaterThan(url.endsWith('/init.js') ? 100 : 1000);
      if (url.endsWith('/init.js')) expect(body).toContain('renderYogaGraphiQL');
    }
  });

  it('serves no other file from the assets path', async () => {
    for (const name of ['..%2F..%2Fpackage.json', 'constructor', '__proto__', 'toString']) {
      expect((await fetch(`${server.url}/graphiql/assets/${name}`)).status, name).toBe(404);
      expect((await fetch(`${server.url}/api/docs/assets/${name}`)).status, name).toBe(404);
    }
  });

  it('can be switched off', async () => {
    const off = await startServer({ GRAPHIQL: 'false' });
    try {
      const response = await fetch(`${off.url}/graphql`, { headers: { accept: 'text/html' } });
      expect(await response.text()).not.toContain('yoga-graphiql');
    } finally {
      await off.close();
    }
  });
});
