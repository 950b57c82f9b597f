/**
 * npm run chaos [-- --trials N --backends redis,etcd --faults kill,stop]
 *
 * Runs the chaos harness (bench/chaos/chaos.ts, docs/reliability.md) and prints a table per
 * backend. Exits 1 when a count that must be 0 is not, a fault did not happen, or a failover that
 * a fault calls for did not occur; 2 on a bad argument.
 */
import { parseArgs } from 'node:util';
import { BACKEND_NAMES, type BackendName } from './backends.js';
import { runChaos, violations } from './chaos.js';
import { machine } from './cluster.js';
import { FAULT_NAMES } from './faults.js';
import { formatReport } from './report.js';

function list<T extends string>(value: string | undefined, known: readonly T[], what: string): T[] {
  if (value === undefined) return [...known];
  const names = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const unknown = names.filter((n) => !(known as readonly string[]).includes(n));
  if (unknown.length > 0) {
    console.error(`unknown ${what}: ${unknown.join(', ')}; there are ${known.join(', ')}`);
    process.exit(2);
  }
  return names as T[];
}

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '3' },
    backends: { type: 'string' },
    faults: { type: 'string' },
  },
});
const trials = Number(values.trials);
if (!Number.isSafeInteger(trials) || trials < 1) {
  console.error(`--trials must be a whole number of at least 1, not ${values.trials}`);
  process.exit(2);
}
const backends: BackendName[] = list(values.backends, BACKEND_NAMES, 'backend');
const faults = list(values.faults, FAULT_NAMES, 'fault');

const command = `npm run chaos -- --trials ${trials} --backends ${backends.join(',')} --faults ${faults.join(',')}`;
console.log(`${command}\nmachine: ${machine()}\n`);
const t0 = performance.now();
const runs = await runChaos({
  backends,
  faults,
  trials,
  onProgress: (line) => console.log(line),
  onTrial: (t) => {
    const v = violations(t);
    console.log(
      `${t.backend} ${t.fault} #${t.trial}: ${t.counts.accepted} accepted, ${t.counts.completed} completed` +
        `${t.readyMs === undefined ? '' : `, ready after ${(t.readyMs / 1000).toFixed(2)} s`}${t.failedOver ? ', failed over' : ''}` +
        `${v.length > 0 ? `; ${v.join('; ')}` : ''}${t.evidence === undefined ? '; THE FAULT DID NOT HAPPEN' : ''}`,
    );
  },
});
console.log(`\n${formatReport(runs)}`);
console.log(`${((performance.now() - t0) / 1000).toFixed(0)} s; machine load ${machine().split('load ')[1]}`);
const bad = runs.flatMap((r) => r.trials).filter((t) => violations(t).length > 0 || t.evidence === undefined || (t.failoverExpected === 'always' && !t.failedOver));
process.exit(bad.length > 0 ? 1 : 0);
