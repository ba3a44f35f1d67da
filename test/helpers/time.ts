import { loadScale } from './load-scale.js';

/**
 * Time in tests. A test waits for what it needs, never for a fixed moment;
 * where a duration is part of what is tested (a probe's timeout, a deadline),
 * it is scaled by TEST_TIMEOUT_SCALE (default 1; CI sets it from the machine's
 * load): on a loaded machine everything takes longer, the behaviour does not
 * change.
 */
export const TIMEOUT_SCALE = Math.max(1, Number(process.env.TEST_TIMEOUT_SCALE ?? 1) || 1);

/** `ms` scaled by TEST_TIMEOUT_SCALE. */
export const scaled = (ms: number): number => Math.round(ms * TIMEOUT_SCALE);

/**
 * An upper bound on a latency the test has just measured (a health check during a storm, an event's way from one
 * instance to another): `ms` scaled by TEST_TIMEOUT_SCALE, or by the machine's load now when that is higher
 * (`loadScale`, the rule the run's scale comes from). The run's scale is fixed when it starts; a load that rose since
 * slows what was just measured, not what the service does. Only for bounds checked after the fact: a timeout handed
 * to the service stays `scaled` (a later bound must not move under it).
 */
export function latencyLimit(ms: number): number {
  return Math.round(ms * Math.max(TIMEOUT_SCALE, loadScale()));
}

/** Waits until `check` holds (polling), or fails after `withinMs` (scaled) saying what it waited for. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, withinMs = 10_000): Promise<void> {
  const deadline = Date.now() + scaled(withinMs);
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`still not so after ${scaled(withinMs)} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A clock that moves only when the test moves it (token expiry without waiting for it). */
export function testClock(start = Date.now()): { now: () => number; advance(ms: number): void } {
  let time = start;
  return {
    now: () => time,
    advance(ms) {
      time += ms;
    },
  };
}
