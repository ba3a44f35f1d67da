/** Operating the service: health, readiness, metrics, request logs, log redaction. (Graceful shutdown: test/system/shutdown.test.ts.) */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/infra/logger.js';
import { sqlOn } from '../helpers/database.js';
import { rest } from '../helpers/rest.js';
import { gql, startServer, type TestServer } from '../helpers/server.js';
import { eventually } from '../helpers/time.js';

let server: TestServer;
let token: string;
beforeAll(async () => {
  server = await startServer();
  ({ token } = await server.newUser('ops'));
});
afterAll(() => server.close());

describe('health and readiness', () => {
  it('GET /healthz answers while the process is alive; GET /readyz when the database is reachable and migrated', async () => {
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('GET /readyz answers 503 naming the problem when a migration is missing', async () => {
    const other = await startServer();
    try {
      const { name } = (await sqlOn<{ name: string }>(other.config.databaseUrl, 'SELECT max(migration_name) AS name FROM _prisma_migrations'))[0]!;
      await other.db.$executeRawUnsafe(`UPDATE _prisma_migrations SET rolled_back_at = finished_at WHERE migration_name = '${name}'`);
      const response = await fetch(`${other.url}/readyz`);
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ status: 'unavailable', reason: `database lacks migrations: ${name}` });
      expect((await fetch(`${other.url}/healthz`)).status).toBe(200);
    } finally {
      await other.close();
    }
  });
});

describe('metrics', () => {
  it('exposes request counts and latency per route and per GraphQL operation, errors, database timings and process metrics', async () => {
    await rest(server, token, 'GET', '/api/credentials');
    await rest(server, undefined, 'GET', '/api/credentials');
    await gql(server, token, `query MyCredentials { credentials(first: 1) { edges { cursor } } }`);
    const response = await fetch(`${server.url}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/api\/credentials",status="200"\} [1-9]/);
    expect(text).toMatch(/http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/api\/credentials"\}/);
    expect(text).toMatch(/graphql_operation_duration_seconds_count\{operation="MyCredentials",type="query"\} 1/);
    expect(text).toMatch(/errors_total\{kind="auth"\} [1-9]/);
    expect(text).toMatch(/db_query_duration_seconds_count [1-9]/);
    expect(text).toMatch(/process_resident_memory_bytes \d+/);
  });
});

describe('logs', () => {
  it('write one JSON line per request with its id (echoed in x-request-id), method, route or operation, status and duration', async () => {
    const response = await gql(server, token, `query Who { viewer { id } }`);
    const requestId = response.headers.get('x-request-id')!;
    expect(requestId).toMatch(/^[0-9A-Za-z]{22}$/);
    const lineOf = () => server.logs.map((l) => JSON.parse(l)).find((l) => l.reqId === requestId && l.msg === 'request');
    await eventually('the request is logged', () => lineOf() !== undefined);
    const line = lineOf();
    expect(line).toMatchObject({ method: 'POST', route: '/graphql', graphqlOperation: 'Who', graphqlType: 'query', status: 200 });
    expect(typeof line.durationMs).toBe('number');
  });

  it('redact tokens and secrets by the configuration of the logger', () => {
    const lines: string[] = [];
    const logger = createLogger(
      'info',
      new Writable({
        write: (chunk, _e, done) => {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    logger.info({ req: { headers: { authorization: 'Bearer cst_SECRETTOKEN' } } }, 'incoming');
    logger.info({ credentials: { name: 'n', keys: { token: 'ghp_SECRET' } }, body: { password: 'hunter2', secretKey: 'AWS_SECRET' } }, 'body');
    const text = lines.join('');
    for (const secret of ['cst_SECRETTOKEN', 'ghp_SECRET', 'hunter2', 'AWS_SECRET']) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
    expect(text).toContain('"name":"n"');
  });
});
