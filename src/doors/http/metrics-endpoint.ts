/**
 * GET /metrics: on the API's port (development, or behind METRICS_TOKEN), or on
 * a port of its own (METRICS_PORT, on METRICS_HOST: keep it off the network
 * the API faces). In production, metrics are never open to anyone on the API's port.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { MetricsAccess } from '../../infra/config/index.js';
import type { Metrics } from '../../infra/metrics.js';

/** True when the request may read the metrics: no token configured, or the right one. */
function allowed(authorization: string | undefined, token: string | undefined): boolean {
  if (token === undefined) return true;
  const expected = Buffer.from(`Bearer ${token}`);
  const actual = Buffer.from(authorization ?? '');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export function registerMetricsRoute(app: FastifyInstance, metrics: Metrics, access: MetricsAccess): void {
  if (!access.onApiPort) return;
  app.get('/metrics', async (request, reply) => {
    if (!allowed(request.headers.authorization, access.token)) {
      return reply.status(401).header('www-authenticate', 'Bearer').send({ message: 'Unauthorized' });
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}

/** The metrics listener of METRICS_PORT, or undefined when metrics are served on the API's port. */
export async function listenForMetrics(metrics: Metrics, access: MetricsAccess): Promise<Server | undefined> {
  if (access.port === undefined) return undefined;
  const server = createServer((request, response) => {
    const send = (status: number, type: string, body: string) => response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    if (request.method !== 'GET' || (request.url ?? '').split('?')[0] !== '/metrics') return send(404, 'text/plain', 'Not found\n');
    if (!allowed(request.headers.authorization, access.token)) return send(401, 'text/plain', 'Unauthorized\n');
    metrics.registry.metrics().then(
      (text) => send(200, metrics.registry.contentType, text),
      () => send(500, 'text/plain', 'Metrics failed\n'),
    );
  });
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(access.port, access.host, resolve));
  return server;
}
