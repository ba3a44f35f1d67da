/**
 * A front door for a server whose own URL must be in its settings (PUBLIC_URL,
 * the sign-in callback) before it listens: the door binds a port of its own
 * choosing (port 0, bound by itself: never a port found free beforehand that
 * another process could take), the server binds its own, and the door forwards
 * every request to it as a reverse proxy does (headers as sent, Host
 * included; answers streamed back).
 */
import { createServer, request } from 'node:http';

export interface FrontDoor {
  /** The URL people and services use: the server's PUBLIC_URL. */
  url: string;
  /** Forwards to the server at `url` from now on (until then: 503). */
  forwardTo(url: string): void;
  close(): Promise<void>;
}

export async function frontDoor(): Promise<FrontDoor> {
  let target: URL | undefined;
  const server = createServer((incoming, outgoing) => {
    if (!target) {
      outgoing.writeHead(503).end('no server behind the front door yet');
      return;
    }
    const upstream = request({ host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    upstream.on('error', () => outgoing.destroy());
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    forwardTo(url) {
      target = new URL(url);
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
