/** The tables of a chaos run: one per backend, a row per fault, the counts summed over its trials. */
import { violations, type BackendRun, type TrialResult } from './chaos.js';

function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const seconds = (ms: number | undefined): string => (ms === undefined ? '-' : (ms / 1000).toFixed(2));

const COLUMNS = [
  'fault',
  'trials',
  'struck',
  'failovers',
  'accepted',
  'completed',
  'queued',
  'not once',
  'dup numbers',
  'agent 2x',
  'built-in 2x',
  'log diff',
  'agent not adopted',
  'deposed writes',
  'not SUCCESS',
  'ready p50/max s',
  'first build p50/max s',
] as const;

function row(fault: string, trials: readonly TrialResult[]): string[] {
  const sum = (f: (t: TrialResult) => number): string => String(trials.reduce((n, t) => n + f(t), 0));
  const ready = trials.flatMap((t) => (t.readyMs === undefined ? [] : [t.readyMs]));
  const first = trials.flatMap((t) => (t.firstBuildMs === undefined ? [] : [t.firstBuildMs]));
  return [
    fault,
    String(trials.length),
    sum((t) => (t.evidence === undefined ? 0 : 1)),
    sum((t) => (t.failedOver ? 1 : 0)),
    sum((t) => t.counts.accepted),
    sum((t) => t.counts.completed),
    sum((t) => t.counts.queued),
    sum((t) => t.counts.notExactlyOnce),
    sum((t) => t.counts.duplicateNumbers),
    sum((t) => t.counts.agentRunTwice),
    sum((t) => t.counts.builtInRunTwice),
    sum((t) => t.counts.agentLogMismatch),
    sum((t) => t.counts.agentNotAdopted),
    sum((t) => t.deposed.length),
    sum((t) => t.counts.notSuccess),
    `${seconds(percentile(ready, 50))}/${seconds(percentile(ready, 100))}`,
    `${seconds(percentile(first, 50))}/${seconds(percentile(first, 100))}`,
  ];
}

/** A Markdown table per backend, then every violation with its trial. */
export function formatReport(runs: readonly BackendRun[]): string {
  const out: string[] = [];
  for (const run of runs) {
    out.push(`### ${run.backend}`, '');
    out.push(`| ${COLUMNS.join(' | ')} |`, `|${COLUMNS.map((c, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
    const faults = [...new Set(run.trials.map((t) => t.fault))];
    for (const fault of faults) out.push(`| ${row(fault, run.trials.filter((t) => t.fault === fault)).join(' | ')} |`);
    out.push('');
    for (const t of run.trials) {
      const v = violations(t);
      if (v.length > 0) out.push(`- ${run.backend} ${t.fault} trial ${t.trial}: ${v.join('; ')}`);
      for (const p of t.counts.problems.slice(0, 10)) out.push(`  - ${p}`);
      const other = Object.entries(t.counts.results).filter(([k]) => !k.endsWith(' SUCCESS'));
      if (other.length > 0) out.push(`- ${run.backend} ${t.fault} trial ${t.trial}, builds not SUCCESS: ${other.map(([k, n]) => `${n} ${k}`).join(', ')}`);
      for (const d of t.deposed.slice(0, 5)) {
        out.push(`  - epoch ${d.epoch} (pid ${d.pid}) ${d.op} ${d.path} ${(d.end - d.deposedAt).toFixed(1)} ms after epoch ${d.deposedBy} took over (started ${(d.start - d.deposedAt).toFixed(1)} ms after)`);
      }
      if (t.evidence === undefined) out.push(`- ${run.backend} ${t.fault} trial ${t.trial}: the fault did not happen`);
      if (t.failoverExpected === 'always' && !t.failedOver) out.push(`- ${run.backend} ${t.fault} trial ${t.trial}: no failover`);
    }
    out.push('');
  }
  return out.join('\n');
}
