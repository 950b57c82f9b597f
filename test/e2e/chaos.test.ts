/**
 * A small chaos run in the suite (the full one is `npm run chaos`, docs/reliability.md): per lock
 * service, two controllers on one home, two agents and a stream of builds, and trials of each
 * fault; every count that must be 0 is 0, and every fault happened and was followed by a failover
 * where it calls for one, so that the test cannot pass without faults.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BackendName } from '../../bench/chaos/backends.js';
import { runChaos, violations, type TrialResult } from '../../bench/chaos/chaos.js';
import { formatReport } from '../../bench/chaos/report.js';

/** Trials of each fault per backend in the suite. */
const TRIALS = 1;

const PLAN: { backend: BackendName; faults: string[] }[] = [
  { backend: 'redis', faults: ['kill', 'stop', 'partition', 'lock-restart', 'agent-link'] },
];

describe('chaos: faults while builds stream in never give two writers nor lose an accepted build', () => {
  for (const { backend, faults } of PLAN) {
    test(`${backend}: ${faults.join(', ')}`, { timeout: 600_000 }, async () => {
      const runs = await runChaos({ backends: [backend], faults, trials: TRIALS });
      const trials: TrialResult[] = runs.flatMap((r) => r.trials);
      const report = formatReport(runs);
      assert.equal(trials.length, faults.length * TRIALS, report);
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
});
