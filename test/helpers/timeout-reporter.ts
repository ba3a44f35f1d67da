/**
 * A reporter that adds one hint when tests failed on a time limit: the
 * machine's load and the scale in force. On a loaded machine,
 * TEST_TIMEOUT_SCALE gives every time limit of the tests room (CI sets it from
 * the load) without changing what they check.
 */
import { availableParallelism, loadavg } from 'node:os';
import type { Reporter, TestCase } from 'vitest/node';

const TIME_LIMIT = /timed? ?out|within \d+ ?ms|still not so after|did not start within/i;

export default class TimeoutReporter implements Reporter {
  readonly #timedOut: string[] = [];

  onTestCaseResult(testCase: TestCase): void {
    const result = testCase.result();
    if (result.state === 'failed' && result.errors?.some((e) => TIME_LIMIT.test(e.message ?? ''))) this.#timedOut.push(testCase.fullName);
  }

  onTestRunEnd(): void {
    if (this.#timedOut.length === 0) return;
    const scale = process.env.TEST_TIMEOUT_SCALE ?? '1';
    process.stderr.write(
      `\n${this.#timedOut.length} test(s) failed on a time limit (${this.#timedOut.slice(0, 5).join('; ')}${this.#timedOut.length > 5 ? '; …' : ''}).\n` +
        `TEST_TIMEOUT_SCALE is ${scale}; the load is ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores. ` +
        'On a loaded machine, run again with a larger TEST_TIMEOUT_SCALE (2, 3…): every time limit of the tests grows by it.\n',
    );
  }
}
