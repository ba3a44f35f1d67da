import { describe, expect, it } from 'vitest';
import { startServer, withServer } from '../helpers/server.js';

const { server } = withServer();

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

  it('serves no other file from the assets path, nor another version', async () => {
    const page = await (await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } })).text();
    const version = /\/graphiql\/assets\/([\w-]+)\//.exec(page)![1]!;
    for (const name of ['..%2F..%2Fpackage.json', 'constructor', '__proto__', 'toString', 'graphiql.css']) {
      expect((await fetch(`${server.url}/graphiql/assets/${name}`)).status, name).toBe(404);
      expect((await fetch(`${server.url}/graphiql/assets/${version}/${name === 'graphiql.css' ? 'nope.css' : name}`)).status, name).toBe(404);
      expect((await fetch(`${server.url}/api/docs/assets/${name}`)).status, name).toBe(404);
    }
    expect((await fetch(`${server.url}/graphiql/assets/0000${version}/graphiql.css`)).status).toBe(404);
  });

  it('serves its files compressed, under versioned URLs cached as immutable, with ETags', async () => {
    const page = await (await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } })).text();
    const script = /src="(\/graphiql\/assets\/[\w-]+\/yoga-graphiql\.umd\.js)"/.exec(page)![1]!;
    const plain = await fetch(`${server.url}${script}`, { headers: { 'accept-encoding': 'identity' } });
    const plainSize = (await plain.arrayBuffer()).byteLength;
    // (fetch decompresses: the size on the wire is read from a raw request.)
    const { request } = await import('node:http');
    const onWire = (encoding: string, headers: Record<string, string> = {}) =>
      new Promise<{ status: number; headers: Record<string, unknown>; size: number }>((resolve, reject) => {
        const req = request(`${server.url}${script}`, { headers: { 'accept-encoding': encoding, ...headers } }, (res) => {
          let size = 0;
          res.on('data', (chunk: Buffer) => (size += chunk.length));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, size }));
        });
        req.on('error', reject);
        req.end();
      });
    const br = await onWire('gzip, deflate, br');
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(br.size).toBeLessThan(plainSize / 3);
    const gz = await onWire('gzip');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.size).toBeLessThan(plainSize / 3);
    const again = await onWire('gzip, br', { 'if-none-match': String(br.headers.etag) });
    expect(again).toMatchObject({ status: 304, size: 0 });
  });

  it('opens with a first query that runs, and does not keep the headers pane (a token) in the browser', async () => {
    const page = await (await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } })).text();
    const options = JSON.parse(/<script type="application\/json" id="graphiql-options">(.*?)<\/script>/s.exec(page)![1]!);
    expect(options.shouldPersistHeaders).toBe(false);
    expect(options.query).toMatch(/Authorization/);
    const user = await server.newUser();
    const result = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` },
      body: JSON.stringify({ query: options.query }),
    });
    expect(await result.json()).toEqual({
      data: { viewer: { name: user.name }, credentials: { edges: [], pageInfo: { hasNextPage: false, endCursor: null } } },
    });
  });

  it('can be switched off', async () => {
    const off = await startServer({ GRAPHIQL: 'false' });
    try {
      const response = await fetch(`${off.url}/graphql`, { headers: { accept: 'text/html' } });
      const text = await response.text();
      expect(text).not.toContain('yoga-graphiql');
      // Not an empty 406: a page saying how to turn it on.
      expect(response.status).toBe(406);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(text).toContain('<code>GRAPHIQL=true</code>');
      // The API itself still answers.
      const api = await fetch(`${off.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
      expect(api.status).toBe(200);
    } finally {
      await off.close();
    }
  });
});
