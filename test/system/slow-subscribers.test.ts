/**
 * Subscribers that never read are cut off, and the memory they held comes
 * back: a real server process, ten live subscriptions on sockets that never
 * read and one that reads, then enough events that the kernel's socket buffers
 * fill and the server's own write buffers grow past SUBSCRIPTION_BACKLOG_BYTES.
 * Each slow stream is cut off (an error event, then `complete`), the reader
 * gets every event, and the server's RSS returns to within 20 MB of where it
 * was before the streams opened, both measured right after a full collection
 * (through the process's inspector: what is still referenced, not when V8's
 * memory reducer happens to run; on a loaded machine it may have spent its
 * rounds while the load was still on, and the RSS of garbage stays).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropDatabase, freshDatabaseUrl } from '../helpers/database.js';
import { type SlowSubscriber, slowSubscriber, subscribe } from '../helpers/events.js';
import { collectGarbage, INSPECTOR_OPTIONS } from '../helpers/inspector.js';
import { type RunningMain, startMain } from '../helpers/process.js';
import { rest } from '../helpers/rest.js';
import { eventually } from '../helpers/time.js';

/** 42 aliases of a 300-byte name: about 13 KB an event, so a few hundred events fill a socket's kernel buffers. */
const NAME = '€'.repeat(100);
const ALIASES = 42;
const EVENTS = `subscription { credentialEvents { id kind ${Array.from({ length: ALIASES }, (_, i) => `n${i}: targetName`).join(' ')} } }`;
/** About 7 MB to each stream in all, past the kernel's buffers and SUBSCRIPTION_BACKLOG_BYTES. */
const UPDATES = 550;
const BACKLOG = 64 * 1024;

let dir: string;
let env: Record<string, string>;
let server: RunningMain;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'credentials-slow-'));
  env = {
    DATABASE_URL: await freshDatabaseUrl(dir),
    MASTER_KEY_FILE: join(dir, 'master-keys.json'),
    SUBSCRIPTION_BACKLOG_BYTES: String(BACKLOG),
    SUBSCRIPTIONS_PER_TOKEN: '20',
    SUBSCRIPTIONS_PER_USER: '20',
    // The events' size comes from aliases (above the default of 15).
    GRAPHQL_MAX_ALIASES: String(ALIASES),
    // The inspector, on a port of the OS's choosing, for the full collections before the memory is measured.
    NODE_OPTIONS: INSPECTOR_OPTIONS,
  };
  server = await startMain(env);
});
afterAll(async () => {
  await server?.stop();
  if (env) await dropDatabase(env.DATABASE_URL!);
  rmSync(dir, { recursive: true, force: true });
});

const rssMb = (pid: number) => Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const metric = async (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(await (await fetch(`${server.url}/metrics`)).text())?.[1]);

describe('subscribers that never read', () => {
  it('are cut off past SUBSCRIPTION_BACKLOG_BYTES with a final error event; a reader gets every event; RSS comes back', async () => {
    const token = /(cst_[0-9A-Za-z]{43})/.exec(server.output())![1]!;
    const gitlab = (secret: string) => ({ credentials: { name: NAME, provider: 'gitlab', keys: { token: secret } } });
    const id = (await rest(server, token, 'POST', '/api/credentials', gitlab('glpat-0'))).body.credentialsId;
    const update = async (i: number) => expect((await rest(server, token, 'PUT', `/api/credentials/${id}`, gitlab(`glpat-${i}`))).status).toBe(204);
    // Where the server's memory is before any stream, what it references then.
    await collectGarbage(server.output());
    const before = rssMb(server.child.pid!);

    const slow: SlowSubscriber[] = [];
    for (let i = 0; i < 10; i++) slow.push(await slowSubscriber(server.url, token, EVENTS));
    const reader = await subscribe(server, token, EVENTS);
    await eventually('11 streams open', async () => (await metric('graphql_subscriptions')) === 11);
    for (let i = 1; i <= UPDATES; i++) await update(i);

    await eventually('the reader got every event', () => reader.payloads.length >= UPDATES, 60_000);
    await eventually('the ten slow streams cut off', async () => (await metric('graphql_subscriptions_cut_total')) === 10, 30_000);
    expect(await metric('graphql_subscriptions')).toBe(1);
    expect(reader.payloads.every((p) => p.data?.credentialEvents[`n${ALIASES - 1}`] === NAME)).toBe(true);

    // Each slow client, reading at last, finds its stream's end: its events so far, the error saying why, complete.
    for (const text of await Promise.all(slow.map((s) => s.readAll()))) {
      const messages = text.split('\n\n');
      expect(messages.at(-2)).toBe('event: complete\ndata:');
      expect(messages.at(-3)).toMatch(/^event: next\ndata: \{"errors":\[\{"message":"This stream was cut off.*"SUBSCRIPTION_TOO_SLOW"/);
      const delivered = messages.filter((m) => m.includes('"credentialEvents"')).length;
      expect(delivered).toBeGreaterThan(0);
      expect(delivered).toBeLessThan(UPDATES);
    }
    reader.close();

    // What the slow streams held is given back: after a full collection, the server's RSS is within 20 MB of where it
    // was before them (a stream's buffers still referenced anywhere would keep it about 50 MB above). V8 hands the
    // freed pages back on a thread of its own: measured again after each collection, for a while.
    let after = 0;
    const back = async () => {
      await collectGarbage(server.output());
      after = rssMb(server.child.pid!);
      return after <= before + 20;
    };
    await eventually(`RSS back within 20 MB of ${before.toFixed(0)} MB`, back, 30_000).catch((error: Error) => {
      throw new Error(`${error.message} (last seen: ${after.toFixed(0)} MB)`);
    });
  }, 240_000);
});
