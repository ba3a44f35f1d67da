/**
 * Sends a live subscription's event stream (Yoga's Server-Sent Events answer)
 * to the client, measuring its backlog where it builds: the bytes the socket
 * has not yet handed to the network (Node's write buffer, `writableLength`).
 * Yoga takes each event as soon as it is produced, and a client that does not
 * read makes only that buffer grow; past the limit (SUBSCRIPTION_BACKLOG_BYTES)
 * the stream is cut off — a final error event and `complete`, then the end,
 * its subscription released at once, and the connection destroyed if the
 * client has not taken the rest within a grace period.
 */
import type { FastifyReply } from 'fastify';

/** How long a cut-off client has to take what is buffered (its last events, the error) before its connection is cut. */
const CUT_GRACE_MS = 30_000;
const EVENT_END = 0x0a;

/** The end of a cut-off stream: graphql-sse's error payload, then its `complete`. */
export const cutOffEvents = (limitBytes: number) =>
  `event: next\ndata: ${JSON.stringify({
    errors: [
      {
        message: `This stream was cut off: its client left more than ${limitBytes} bytes of events unread (SUBSCRIPTION_BACKLOG_BYTES). Read faster, or subscribe again`,
        extensions: { code: 'SUBSCRIPTION_TOO_SLOW' },
      },
    ],
  })}\n\nevent: complete\ndata:\n\n`;

export function sendEventStream(reply: FastifyReply, response: Response, limitBytes: number, onCut: () => void): void {
  reply.hijack();
  const raw = reply.raw;
  const headers: Record<string, string | number | string[]> = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) headers[name] = value;
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  raw.writeHead(response.status, headers);
  const reader = response.body!.getReader();
  let open = true;
  const release = () => {
    if (!open) return;
    open = false;
    void reader.cancel().catch(() => {});
  };
  raw.once('close', release);
  const pump = async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || !open) break;
      if (raw.destroyed) return release();
      // Written whatever the client takes: the backlog shows in writableLength, measured at each event's end.
      raw.write(value);
      if (value.at(-1) === EVENT_END && value.at(-2) === EVENT_END && raw.writableLength > limitBytes) {
        release();
        onCut();
        raw.end(cutOffEvents(limitBytes));
        setTimeout(() => raw.destroy(), CUT_GRACE_MS).unref();
        return;
      }
    }
    if (!raw.writableEnded) raw.end();
  };
  pump().catch(() => {
    release();
    raw.destroy();
  });
}
