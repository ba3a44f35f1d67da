/** A webhook receiver and a GraphQL subscription client (Server-Sent Events), for the events tests. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** The body's JSON. */
  json: { type: string; timestamp: string; data: Record<string, any> };
}

export interface Receiver {
  url: string;
  /** `host:port`, for WEBHOOK_ALLOWED_HOSTS. */
  host: string;
  /** Every request that reached it (a taken one or not). */
  received: Received[];
  /** Requests it answered 2xx. */
  taken: Received[];
  connections: number;
  /** The most connections that were open at once. */
  mostOpen: number;
  /** `ok`: 204; `down`: 503; `hang`: no answer until the connection is cut. */
  mode: 'ok' | 'down' | 'hang';
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const state = { received: [] as Received[], taken: [] as Received[], connections: 0, mostOpen: 0, mode: 'ok' as Receiver['mode'] };
  let open = 0;
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk));
    request.on('end', () => {
      const entry = { headers: request.headers, body, json: JSON.parse(body || '{}') };
      state.received.push(entry);
      if (state.mode === 'hang') return;
      if (state.mode === 'down') {
        response.writeHead(503).end('down');
        return;
      }
      state.taken.push(entry);
      response.writeHead(204).end();
    });
  });
  server.on('connection', (socket) => {
    state.connections++;
    state.mostOpen = Math.max(state.mostOpen, ++open);
    socket.on('close', () => open--);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/hook`,
    host: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  }) as Receiver;
}

export interface Subscription {
  status: number;
  /** Each `next` payload, as it arrives. */
  payloads: Array<{ data?: any; errors?: any[] }>;
  /** Resolves when the stream ends: `complete` (a clean end) or `cut` (the connection closed without one). */
  ended: Promise<'complete' | 'cut'>;
  close(): void;
}

/**
 * Opens a subscription as GraphiQL and graphql-sse clients do: POST with `Accept: text/event-stream`, with a
 * token, or a browser session's cookie (`{ cookie }`).
 */
export async function subscribe(
  server: { url: string },
  token: string | { cookie: string },
  query: string,
  variables: Record<string, unknown> = {},
): Promise<Subscription> {
  const controller = new AbortController();
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      ...(typeof token === 'string' ? { authorization: `Bearer ${token}` } : { cookie: token.cookie, 'x-graphql-yoga-csrf': '1' }),
    },
    body: JSON.stringify({ query, variables }),
    signal: controller.signal,
  });
  const payloads: Subscription['payloads'] = [];
  const ended = (async (): Promise<'complete' | 'cut'> => {
    if (!response.body) return 'cut';
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(message)?.[1];
          const data = message
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trimStart())
            .join('\n');
          if (event === 'complete') return 'complete';
          if (event === 'next' || (event === undefined && data)) payloads.push(JSON.parse(data));
        }
      }
    } catch {
      return 'cut';
    }
    return 'cut';
  })();
  return { status: response.status, payloads, ended, close: () => controller.abort() };
}

export interface SlowSubscriber {
  /** Resolves with the body the server sent (its chunks joined), once the client finally reads it all (the connection closed). */
  readAll(): Promise<string>;
  close(): void;
}

/**
 * A subscriber that never reads: its request sent on a raw socket that is paused at once (whatever the server
 * writes stays in the kernel's buffers, then in the server's), until `readAll` finally reads.
 */
export function slowSubscriber(url: string, token: string, query: string): Promise<SlowSubscriber> {
  const { hostname, port } = new URL(url);
  const body = JSON.stringify({ query });
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        `POST /graphql HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\n` +
          `Authorization: Bearer ${token}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      socket.pause();
      resolve({
        readAll: () =>
          new Promise((done) => {
            const chunks: Buffer[] = [];
            socket.on('data', (chunk: Buffer) => chunks.push(chunk));
            socket.on('close', () => done(dechunked(Buffer.concat(chunks))));
            socket.resume();
          }),
        close: () => socket.destroy(),
      });
    });
    socket.on('error', reject);
  });
}

/** The body of a raw HTTP/1.1 answer in chunked transfer encoding, its chunks joined (as far as it goes). */
function dechunked(raw: Buffer): string {
  let at = raw.indexOf('\r\n\r\n') + 4;
  const parts: Buffer[] = [];
  while (at > 3 && at < raw.length) {
    const lineEnd = raw.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = Number.parseInt(raw.subarray(at, lineEnd).toString('ascii'), 16);
    if (!(size > 0)) break;
    parts.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts).toString('utf8');
}
