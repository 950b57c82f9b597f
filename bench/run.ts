/**
 * Runs every benchmark in sequence, each in its own process, and prints their output as it comes.
 *
 *   npm run bench                        # full size (several minutes)
 *   BENCH_QUICK=1 npm run bench          # smoke size (seconds each)
 *   npm run bench -- throughput latency  # only the benchmarks whose name contains one of the words
 *
 * Exits non-zero when a benchmark fails (crashes or times out); a missed goal is reported, not a failure.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { QUICK, machineLine } from './lib.js';

const here = path.dirname(fileURLToPath(import.meta.url));

interface Bench {
  name: string;
  args: string[];
  /** Killed after this long. */
  timeoutMs: number;
}

const BENCHES: Bench[] = [
  // Its size is its first argument (decisions).
  { name: 'queue-scheduling', args: QUICK ? ['20000'] : [], timeoutMs: 5 * 60_000 },
  { name: 'build-latency', args: [], timeoutMs: 10 * 60_000 },
  { name: 'throughput', args: [], timeoutMs: 10 * 60_000 },
  { name: 'cold-start', args: [], timeoutMs: 10 * 60_000 },
  { name: 'lease', args: [], timeoutMs: 15 * 60_000 },
  { name: 'auth', args: [], timeoutMs: 10 * 60_000 },
  { name: 'xml-parse', args: [], timeoutMs: 10 * 60_000 },
  { name: 'junit-report', args: [], timeoutMs: 10 * 60_000 },
  { name: 'scm-polling', args: [], timeoutMs: 15 * 60_000 },
  { name: 'log-streams', args: [], timeoutMs: 10 * 60_000 },
  { name: 'agent-log', args: [], timeoutMs: 10 * 60_000 },
  { name: 'agent-latency', args: [], timeoutMs: 10 * 60_000 },
  { name: 'idle-agents', args: [], timeoutMs: 10 * 60_000 },
  { name: 'failover', args: [], timeoutMs: 30 * 60_000 },
  { name: 'ha-cost', args: [], timeoutMs: 20 * 60_000 },
];

const filters = process.argv.slice(2);
const selected = BENCHES.filter((b) => filters.length === 0 || filters.some((f) => b.name.includes(f)));
if (selected.length === 0) {
  console.error(`no benchmark matches ${filters.join(' ')}; there are: ${BENCHES.map((b) => b.name).join(', ')}`);
  process.exit(2);
}

function run(b: Bench): Promise<{ code: number | null; signal: NodeJS.Signals | null; seconds: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, `${b.name}.ts`), ...b.args], { stdio: 'inherit', env: process.env });
  const timer = setTimeout(() => {
    console.error(`${b.name}: still running after ${b.timeoutMs / 1000} s; stopping it`);
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  }, b.timeoutMs);
  return new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, seconds: (performance.now() - t0) / 1000 });
    }),
  );
}

console.log(`Steward benchmarks${QUICK ? ' (BENCH_QUICK: smoke size)' : ''}: ${selected.map((b) => b.name).join(', ')}`);
console.log(machineLine());
const failed: string[] = [];
for (const b of selected) {
  console.log(`\n=== ${b.name} ===`);
  const r = await run(b);
  if (r.code !== 0) failed.push(b.name);
  console.log(`--- ${b.name}: ${r.code === 0 ? 'done' : `FAILED (${r.signal ?? `exit ${r.code}`})`} in ${r.seconds.toFixed(1)} s`);
}
if (failed.length > 0) {
  console.error(`\nfailed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
