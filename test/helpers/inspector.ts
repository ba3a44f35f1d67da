/**
 * A process's V8 inspector, for the tests that measure what a server gives back: a process started with
 * NODE_OPTIONS=--inspect=127.0.0.1:0 prints where its inspector listens, and `collectGarbage` runs a full,
 * memory-reducing collection there and waits for it. A memory check then measures what is still referenced, not
 * when V8 happened to decide to collect (its memory reducer may have spent its rounds while the load was still on).
 */
import WebSocket from 'ws';

/** The setting that opens the inspector on a port the OS chooses, on the loopback only. */
export const INSPECTOR_OPTIONS = '--inspect=127.0.0.1:0';

/** Runs a full collection in the process whose output (stderr) says where its inspector listens. */
export async function collectGarbage(output: string): Promise<void> {
  const url = /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]+)/.exec(output)?.[1];
  if (!url) throw new Error(`the process did not open its inspector (start it with NODE_OPTIONS=${INSPECTOR_OPTIONS})`);
  const socket = new WebSocket(url);
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    await new Promise<void>((resolve, reject) => {
      socket.on('message', (data) => {
        const answer = JSON.parse(String(data)) as { id?: number; error?: { message: string } };
        if (answer.id !== 1) return;
        if (answer.error) reject(new Error(`HeapProfiler.collectGarbage: ${answer.error.message}`));
        else resolve();
      });
      socket.once('error', reject);
      socket.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' }));
    });
  } finally {
    socket.close();
  }
}
