/**
 * What turning stored credentials into the REST wire's JSON costs, per
 * credential: the domain's record → view and the wire writer, timed on a page
 * of 100 read once through the store (the SQL and the row → record step are in
 * the read cases' figures). The mapping runs many times over the same records.
 */

import { writeList } from '../src/features/credentials/doors/rest/wire.js';
import { toView } from '../src/features/credentials/rules/view.js';
import { openStorage } from '../src/wiring/storage.js';

export async function measureMapping(databaseUrl: string, userId: string): Promise<{ rows: number; microsPerRow: number }> {
  const storage = await openStorage(databaseUrl);
  const records = await storage.credentials.findPage({ owner: { kind: 'user', id: userId }, take: 100 });
  await storage.close();
  // Each round maps the records anew, as after a change (the service then keeps the text with the page).
  const round = () => writeList({ items: records.map((record) => ({ credential: toView(record), cursor: '' })), hasNextPage: false }).length;
  for (let i = 0; i < 2000; i++) round(); // warm up (optimised code, as in a running service)
  const best: number[] = [];
  for (let sample = 0; sample < 5; sample++) {
    const rounds = 2000;
    const started = performance.now();
    for (let i = 0; i < rounds; i++) round();
    best.push(((performance.now() - started) * 1000) / (rounds * records.length));
  }
  return { rows: records.length, microsPerRow: Math.min(...best) };
}
