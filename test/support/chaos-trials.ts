/**
 * A small chaos run as a test (the full one is `npm run chaos`, docs/reliability.md): the trials
 * of one fault on one backend, asserting that every count that must be 0 is 0, and that every
 * fault happened and was followed by a failover where it calls for one, so that the test cannot
 * pass without faults. One file per backend and fault (test/e2e/chaos/) keeps each file within
 * the suite's time limit of a file (two minutes, which a loaded machine needs for the start of a
 * cluster and three trials) and lets the files run beside the others.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BackendName } from '../../bench/chaos/backends.js';
import { runChaos, violations } from '../../bench/chaos/chaos.js';
import { formatReport } from '../../bench/chaos/report.js';

/**
 * Trials of each fault in the suite: three (a trial takes about 10 s, one with a restart of the
 * lock service about 15 s); `npm run chaos -- --trials N` runs more.
 */
export const SUITE_TRIALS = 3;

export function chaosTest(backend: BackendName, fault: string): void {
  test(`${backend}: ${fault} while builds stream in, ${SUITE_TRIALS} times: no deposed write, every accepted build built once, agent builds adopted with their logs whole`, { timeout: 115_000 }, async () => {
    // Shorter than the full run's 2.5 s and 2 s, still with builds running when the fault strikes.
    const runs = await runChaos({ backends: [backend], faults: [fault], trials: SUITE_TRIALS, warmUpMs: 1500, afterMs: 1000 });
    const trials = runs.flatMap((r) => r.trials);
    const report = formatReport(runs);
    assert.equal(trials.length, SUITE_TRIALS, report);
    for (const t of trials) {
      const what = `${t.backend} ${t.fault} #${t.trial}`;
      assert.ok(t.evidence !== undefined, `${what}: the fault happened\n${report}`);
      if (t.failoverExpected === 'always') assert.ok(t.failedOver, `${what}: another controller took over\n${report}`);
      if (t.failoverExpected === 'never') assert.ok(!t.failedOver, `${what}: the active controller stayed\n${report}`);
      assert.ok(t.counts.accepted > 0 && t.counts.completed > 0, `${what}: builds were accepted and completed\n${report}`);
      assert.deepEqual(violations(t), [], `${what}\n${report}`);
    }
  });
}
