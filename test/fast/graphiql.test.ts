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
    expect(html).toContain('renderYogaGraphiQL');
    // Every URL the page names: attributes and string literals.
    const urls = [...html.matchAll(/(?:src|href)="([^"]+)"|'(\/[^']+)'/g)].map((m) => m[1] ?? m[2]!);
    expect(urls.length).toBeGreaterThanOrEqual(5);
    expect(html).not.toMatch(/https?:\/\//);
    for (const url of urls) {
      if (url.startsWith('data:')) continue;
      expect(url.startsWith('/'), url).toBe(true);
      const asset = await fetch(`${server.url}${url}`);
      expect(asset.status, url).toBe(200);
      expect((await asset.arrayBuffer()).byteLength, url).toBeGreaterThan(1000);
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
      expect(await response.text()).not.toContain('renderYogaGraphiQL');
    } finally {
      await off.close();
    }
  });
});
