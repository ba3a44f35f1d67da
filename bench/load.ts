/**
 * The load generator, run as its own process so it does not share a CPU
 * budget with any server: `node --import tsx bench/load.ts '<json options>'`.
 * Prints one JSON line: requests/s, latency percentiles, errors.
 */
import autocannon from 'autocannon';

interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** For creates: a JSON body where `{{n}}` is replaced by a request counter. */
  bodyTemplate?: string;
  connections: number;
  duration: number;
}

const options = JSON.parse(process.argv[2]!) as LoadOptions;
let n = 0;
const result = await autocannon({
  url: options.url,
  connections: options.connections,
  duration: options.duration,
  requests: [
    {
      method: options.method ?? 'GET',
      headers: options.headers,
      ...(options.bodyTemplate
        ? { setupRequest: (request: autocannon.Request) => ({ ...request, body: options.bodyTemplate!.replaceAll('{{n}}', `${process.pid}-${n++}`) }) }
        : options.body
          ? { body: options.body }
          : {}),
    },
  ],
});
process.stdout.write(
  `${JSON.stringify({
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    total: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  })}\n`,
);
