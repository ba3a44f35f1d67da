/** Starts the real app on a fresh database file and a random port, for black-box tests over HTTP. */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { buildApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/infra/config/index.js';
import { createLogger } from '../../src/infra/logger.js';
import { closeDatabase, type Database, openDatabase } from '../../src/platform/db/client.js';
import { openRuntime } from '../../src/wiring/runtime.js';
import type { Services } from '../../src/wiring/services.js';
import { dropDatabase, migratedDatabaseUrl } from './database.js';
import type { FrontDoor } from './front-door.js';
import { send } from './http.js';

export interface TestServer {
  url: string;
  dir: string;
  config: Config;
  services: Services;
  /** The test's own connection to the server's database, to look at (or tamper with) what is stored. */
  db: Database;
  app: FastifyInstance;
  /** Every log line the server wrote, raw. */
  logs: string[];
  /** Every SQL statement the server ran, in order. */
  queries: string[];
  /** Creates a user and returns a valid token for it. */
  newUser(name?: string): Promise<{ userId: string; name: string; token: string; tokenId: string }>;
  close(): Promise<void>;
}

let users = 0;

export interface ServerOptions {
  /** Changes the loaded settings before the services see them: for what a test needs beyond an operator's bounds (a background period of seconds). */
  adjust?: (config: Config) => Config;
  /** The services' time (token expiry): a test clock moves on when the test says, never by waiting. */
  clock?: () => number;
  /**
   * A front door (front-door.ts) whose URL the settings name (PUBLIC_URL): requests to `url` go through it, as
   * through a reverse proxy, and closing the server closes it.
   */
  door?: FrontDoor;
}

export async function startServer(env: Record<string, string> = {}, { adjust = (c) => c, clock, door }: ServerOptions = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'credentials-test-'));
  // Tests make many failed authentications on purpose; the limiter has its own test.
  const databaseUrl = env.DATABASE_URL ?? (await migratedDatabaseUrl(dir));
  const config = adjust(
    loadConfig({
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'info',
      AUTH_FAILURES_PER_MINUTE: '1000',
      MASTER_KEY_FILE: join(dir, 'master-keys.json'),
      ...env,
    }),
  );
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const logger = createLogger(config.logLevel, sink);
  const queries: string[] = [];
  const services = await openRuntime(config, logger, { onQuery: (e) => queries.push(e.query), clock });
  const app = await buildApp({ services, logger, config });
  const own = lazyDatabase(databaseUrl);
  // The server binds a port of its own choosing (0): a test never picks one beforehand (see front-door.ts).
  await app.listen({ port: 0, host: '127.0.0.1' });
  services.startBackground();
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  door?.forwardTo(`http://127.0.0.1:${port}`);
  return {
    url: door?.url ?? `http://127.0.0.1:${port}`,
    dir,
    config,
    services,
    db: own.db,
    app,
    logs,
    queries,
    async newUser(name = `user${++users}`) {
      const user = await services.tokens.createUser(`${name}-${Math.random().toString(36).slice(2, 8)}`, 'cli');
      const { token, info } = await services.tokens.createToken(user.id, 'test', { actor: 'operator', door: 'cli' });
      return { userId: user.id, name: user.name, token, tokenId: info.id };
    },
    async close() {
      // Connections the test's HTTP client keeps alive (or left mid-body, as after a 413) are not
      // waited for: after a second they are cut.
      const cut = setTimeout(() => app.server.closeAllConnections(), 1000);
      await app.close();
      clearTimeout(cut);
      await services.close();
      await own.close();
      if (env.DATABASE_URL === undefined) await dropDatabase(databaseUrl);
      rmSync(dir, { recursive: true, force: true });
      await door?.close();
    },
  };
}

/**
 * The test's own connection, opened on its first use: most tests never look at the database themselves, and a
 * connection costs about 10 ms to open (a Prisma client, its first statements). Until it is open, `db.<model>.<call>`
 * and `db.$<call>` open it and then make the call; once open, `db` is the client itself.
 */
function lazyDatabase(databaseUrl: string): { db: Database; close(): Promise<void> } {
  let opened: Database | undefined;
  let opening: Promise<Database> | undefined;
  const open = () => {
    opening ??= openDatabase(databaseUrl).then((db) => (opened = db));
    return opening;
  };
  const callLater =
    (path: (db: Database) => any, name: string) =>
    (...args: unknown[]) =>
      open().then((db) => path(db)[name](...args));
  const db = new Proxy({} as Database, {
    get(_target, property) {
      if (opened) {
        const member = Reflect.get(opened, property);
        return typeof member === 'function' ? member.bind(opened) : member;
      }
      // Not a promise: `await server.db` is the object itself.
      if (property === 'then' || typeof property !== 'string') return undefined;
      if (property.startsWith('$')) return callLater((d) => d, property);
      return new Proxy({}, { get: (_model, call) => (typeof call === 'string' ? callLater((d) => (d as any)[property], call) : undefined) });
    },
  });
  return {
    db,
    async close() {
      if (opening) await closeDatabase(await opening);
    },
  };
}

export interface GraphQLResult<T = Record<string, any>> {
  status: number;
  headers: Headers;
  body: { data?: T | null; errors?: { message: string; extensions?: Record<string, any> }[] };
}

/** POSTs a GraphQL operation with the token (if any). */
export async function gql<T = Record<string, any>>(
  server: { url: string },
  token: string | undefined,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GraphQLResult<T>> {
  const answer = await send(`${server.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return { status: answer.status, headers: answer.headers, body: JSON.parse(answer.text) as GraphQLResult<T>['body'] };
}

export type TestUser = Awaited<ReturnType<TestServer['newUser']>>;

/** An object that stands for one made later (in beforeAll): every property is read from it once it exists. */
function later<T extends object>(what: string, get: () => T | undefined): T {
  return new Proxy({} as T, {
    get(_target, property) {
      const value = get();
      if (!value) throw new Error(`${what} is used before its beforeAll ran (use it inside a test or a hook)`);
      const member = Reflect.get(value, property);
      return typeof member === 'function' ? member.bind(value) : member;
    },
  });
}

/**
 * The one fixture of the fast tier: a test server for the file or describe it
 * is called in, started before its tests (with `users` made, each with a
 * token) and closed after them. What it returns may be used in tests and hooks.
 *
 *   const { server, users } = withServer({ users: ['alice', 'bob'] });
 *   it('…', async () => { await rest(server, users.alice.token, 'GET', '/api/credentials'); });
 */
export function withServer<U extends string = never>(
  options: ServerOptions & { env?: Record<string, string>; users?: readonly U[] } = {},
): { server: TestServer; users: Record<U, TestUser> } {
  let started: TestServer | undefined;
  const made = new Map<string, TestUser>();
  beforeAll(async () => {
    started = await startServer(options.env, options);
    for (const name of options.users ?? []) made.set(name, await started.newUser(name));
  });
  afterAll(async () => {
    await started?.close();
  });
  const users = Object.fromEntries((options.users ?? []).map((name) => [name, later(`user ${name}`, () => made.get(name))])) as Record<U, TestUser>;
  return { server: later('the test server', () => started), users };
}
