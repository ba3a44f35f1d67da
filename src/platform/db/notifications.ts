/**
 * PostgreSQL's notifications of new audit events: the trigger of the events
 * migration runs `pg_notify('audit_events', '<id> <action>')`, delivered at commit (never
 * for a rolled-back change) to every instance listening. One connection of its
 * own (a pooled one would lose its LISTEN), reconnected after a loss with a
 * growing pause; while it is down, listeners hear nothing (the webhook
 * dispatcher still finds its work by polling).
 */
import type pg from 'pg';
import type { ListenOptions, NotificationListener } from '../../core/ports.js';
import { pgDriver } from './client.js';

export type { ListenOptions, NotificationListener };

export const AUDIT_CHANNEL = 'audit_events';

const MAX_PAUSE_MS = 30_000;

export function listenForEvents(databaseUrl: string, options: ListenOptions): NotificationListener {
  const { Client } = pgDriver();
  let client: pg.Client | undefined;
  let closed = false;
  let pauseMs = 500;
  let timer: NodeJS.Timeout | undefined;

  const reconnect = (reason: string) => {
    if (closed) return;
    options.onLost(reason);
    client?.removeAllListeners();
    client?.end().catch(() => {});
    client = undefined;
    timer = setTimeout(connect, pauseMs);
    timer.unref();
    pauseMs = Math.min(pauseMs * 2, MAX_PAUSE_MS);
  };

  const connect = async () => {
    if (closed) return;
    const next = new Client({ connectionString: databaseUrl, application_name: 'credentials-service events' });
    client = next;
    // Only the reason: never the client object (it holds the connection's settings).
    next.on('error', (error) => reconnect((error as NodeJS.ErrnoException).code ?? error.message));
    next.on('end', () => reconnect('connection ended'));
    next.on('notification', (message) => {
      if (message.channel !== AUDIT_CHANNEL || !message.payload) return;
      const [id, action = ''] = message.payload.split(' ');
      if (Number.isSafeInteger(Number(id))) options.onEvents([{ id: Number(id), action }]);
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${AUDIT_CHANNEL}`);
      pauseMs = 500;
      options.onListening?.();
    } catch (error) {
      if (client === next) reconnect((error as NodeJS.ErrnoException).code ?? (error as Error).message);
    }
  };

  void connect();
  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      const last = client;
      client = undefined;
      last?.removeAllListeners();
      last?.on('error', () => {});
      await last?.end().catch(() => {});
    },
  };
}
