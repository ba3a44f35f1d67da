/** A webhook receiver and a GraphQL subscription client (Server-Sent Events), for the events tests. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

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

/** Opens a subscription as GraphiQL and graphql-sse clients do: POST with `Accept: text/event-stream`. */
export async function subscribe(server: { url: string }, token: string, query: string, variables: Record<string, unknown> = {}): Promise<Subscription> {
  const controller = new AbortController();
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
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
