/**
 * Gives the heap's memory back to the system once the service goes quiet after a busy stretch.
 *
 * V8 does this itself: its memory reducer runs a memory-reducing collection when the allocation rate falls. On
 * Node 24 (V8 13.6) it judges the rate from samples taken at garbage collections, and a process that stops
 * allocating has no further collection to sample: after a load the heap stayed at its peak for good (measured: RSS
 * 206 MB at the end of a mixed load and still after 45 s idle, the reducer answering "high alloc" every 8 s; Node 20
 * gave it back). So every interval this looks at the event loop's utilisation over the interval and at the heap's
 * size: when the loop was quiet throughout and the heap has grown by `growthBytes` since the last collection (or
 * since the start), it asks V8 for the collection its reducer would have run — once, until the heap grows again.
 * A busy or an idle-from-the-start service is never collected.
 */
import { performance } from 'node:perf_hooks';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** V8's `gc` function (the --expose-gc extension): a memory-reducing major collection, run as a task of its own. */
type Collect = (options: { type: 'major'; execution: 'async'; flavor: 'last-resort' }) => Promise<void>;

export interface IdleCollectionOptions {
  /** How often the loop and the heap are looked at (and how long "quiet" must last). */
  intervalMs?: number;
  /** The event loop's utilisation (0–1) over an interval below which the interval counts as quiet. */
  quietUtilization?: number;
  /** How far the heap must have grown since the last collection (bytes) for a quiet interval to collect. */
  growthBytes?: number;
  /** After each collection: the heap's size before and after (bytes), and how long it took. */
  onCollect?: (collection: { beforeBytes: number; afterBytes: number; ms: number }) => void;
}

/** What one look finds: the loop's utilisation over the interval, and the heap's size now. */
export interface Sample {
  utilization: number;
  heapBytes: number;
}

/** Whether a look should collect: the loop quiet and the heap grown enough since `baselineBytes`. */
export function shouldCollect(
  sample: Sample,
  baselineBytes: number,
  options: Required<Pick<IdleCollectionOptions, 'quietUtilization' | 'growthBytes'>>,
): boolean {
  return sample.utilization < options.quietUtilization && sample.heapBytes - baselineBytes >= options.growthBytes;
}

/** V8's `gc`, taken from a context made while the flag was on; the service's own global scope never has it. */
function v8Collect(): Collect {
  setFlagsFromString('--expose-gc');
  try {
    return runInNewContext('gc') as Collect;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

/** Starts looking every interval (the timer does not keep the process alive); `stop` ends it. */
export function collectWhenIdle({ intervalMs = 10_000, quietUtilization = 0.05, growthBytes = 32 * 1024 * 1024, onCollect }: IdleCollectionOptions = {}): {
  stop(): void;
} {
  const collect = v8Collect();
  const heapBytes = () => getHeapStatistics().total_heap_size;
  let baseline = heapBytes();
  let last = performance.eventLoopUtilization();
  let collecting = false;
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const sample = { utilization: performance.eventLoopUtilization(now, last).utilization, heapBytes: heapBytes() };
    last = now;
    // A heap that shrank by itself (V8's own reducer) is the new baseline.
    baseline = Math.min(baseline, sample.heapBytes);
    if (collecting || !shouldCollect(sample, baseline, { quietUtilization, growthBytes })) return;
    collecting = true;
    const started = performance.now();
    const done = () => {
      collecting = false;
      baseline = heapBytes();
    };
    Promise.resolve()
      .then(() => collect({ type: 'major', execution: 'async', flavor: 'last-resort' }))
      .then(() => {
        done();
        onCollect?.({ beforeBytes: sample.heapBytes, afterBytes: baseline, ms: performance.now() - started });
      }, done);
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
