/**
 * The heap given back once the service is quiet after a load (src/infra/idle-memory.ts): the decision, and a real
 * collection of a real heap's garbage by V8.
 */
import { describe, expect, it } from 'vitest';
import { collectWhenIdle, shouldCollect } from '../../src/infra/idle-memory.js';
import { scaled } from '../helpers/time.js';

const MB = 1024 * 1024;
const options = { quietUtilization: 0.05, growthBytes: 32 * MB };

describe('collection when quiet after a load', () => {
  it('collects only when the loop was quiet through the interval and the heap grew enough since the last collection', () => {
    expect(shouldCollect({ utilization: 0.01, heapBytes: 100 * MB }, 60 * MB, options)).toBe(true);
    expect(shouldCollect({ utilization: 0.01, heapBytes: 92 * MB }, 60 * MB, options)).toBe(true);
    // Busy: never, however large the heap.
    expect(shouldCollect({ utilization: 0.4, heapBytes: 500 * MB }, 60 * MB, options)).toBe(false);
    expect(shouldCollect({ utilization: 0.05, heapBytes: 500 * MB }, 60 * MB, options)).toBe(false);
    // Quiet, but the heap has not grown by the threshold (an idle service, or one already collected).
    expect(shouldCollect({ utilization: 0, heapBytes: 91 * MB }, 60 * MB, options)).toBe(false);
    expect(shouldCollect({ utilization: 0, heapBytes: 60 * MB }, 60 * MB, options)).toBe(false);
  });

  it("has V8 collect the garbage a load left once the loop is quiet, without putting gc in the process's global scope", async () => {
    let collected: { beforeBytes: number; afterBytes: number } | undefined;
    const seen = new Promise<void>((resolve) => {
      const collector = collectWhenIdle({
        intervalMs: 50,
        growthBytes: 16 * MB,
        onCollect: (collection) => {
          collected = collection;
          collector.stop();
          resolve();
        },
      });
      // A load's garbage: about 60 MB of objects no one holds once the loop ends.
      let garbage: { n: number; text: string }[] | null = [];
      for (let n = 0; n < 600_000; n++) garbage.push({ n, text: `value ${n}` });
      garbage = null;
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([seen, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('no collection once quiet')), scaled(10_000))))]);
    clearTimeout(timer);
    expect(collected!.afterBytes).toBeLessThan(collected!.beforeBytes - 16 * MB);
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });
});
