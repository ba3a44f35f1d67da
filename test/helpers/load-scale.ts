import { availableParallelism, loadavg } from 'node:os';

/**
 * How much slower the machine is now, by its load: 1 on an idle machine, +1 for each load of the cores' number, at
 * most 4. vitest.config.ts sets TEST_TIMEOUT_SCALE from it when a run starts (unless it is set); `latencyLimit`
 * (time.ts) reads it again when a measured latency is checked. (.ci/run computes the same in awk, to print it.)
 */
export function loadScale(): number {
  return Math.min(4, 1 + Math.floor(loadavg()[0]! / Math.max(1, availableParallelism())));
}
