/** Whether the ports the service will listen on are free, found before anything is created. */
import { createServer } from 'node:net';

/**
 * Listens on `port` of `host` for a moment and lets it go: a port in use (or not allowed, or an address this
 * machine lacks) fails here with the error `listen` gives — before the database or a key file is made. (Port 0
 * asks the system for any free port: nothing to check.)
 */
export async function checkPortFree(port: number, host: string): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen({ port, host, exclusive: true }, resolve);
  });
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}
