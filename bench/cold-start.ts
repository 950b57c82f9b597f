/**
 * Cold start on a large home: 1,000 jobs with 100 builds each (100,000 build.xml + log; see
 * large-home.ts), generated once into a cache folder under the OS temp dir and reused by later runs.
 *
 * Each run spawns `steward start` on it and measures the wall time from spawn to GET /health/ready
 * answering 200, and the controller's RSS (/proc/PID/status VmRSS) at that moment; then one GET
 * /api/json (which computes every job's colour, reading each job's builds folder and
 * builds/permalinks), its time, and the RSS after it.
 *
 *   node --import tsx bench/cold-start.ts                 # 1,000 jobs x 100 builds, 3 runs
 *   BENCH_QUICK=1 node --import tsx bench/cold-start.ts   # 100 jobs x 100 builds, 2 runs
 *   BENCH_RUNS=N overrides the runs; BENCH_REGENERATE=1 rewrites the cached home; BENCH_NO_QUEUE=1
 *   starts without queue.xml.
 *
 * The page cache is warm (the generation, or the previous run, just read or wrote the files); a
 * cold-disk start is slower and is not measured here.
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { colorOf, serializeQueueFile } from '../src/jobs/index.js';
import { jobNumber, largeHome, resultOf } from './large-home.js';
import { Controller, QUICK, freePort, machineLine, mib, ms, scratchDir, sleep, summary } from './lib.js';

const JOBS = QUICK ? 100 : 1000;
const BUILDS_PER_JOB = 100;
const RUNS = Number(process.env.BENCH_RUNS ?? (QUICK ? 2 : 3));

const cache = largeHome('cold-start', JOBS, BUILDS_PER_JOB);

// The controller writes only .steward/ (lock, epoch) and queue.xml on a start; both are put back
// between runs as a Jenkins home has them: no .steward/, and an empty queue.xml whose counter is
// past the builds' queue ids. BENCH_NO_QUEUE=1 starts without queue.xml instead, where start-up
// reads the newest build records of every job to carry on the queue ids past theirs.
const NO_QUEUE = process.env.BENCH_NO_QUEUE === '1';
const resetHome = () => {
  rmSync(path.join(cache, '.steward'), { recursive: true, force: true });
  rmSync(path.join(cache, 'queue.xml'), { force: true });
  if (!NO_QUEUE) writeFileSync(path.join(cache, 'queue.xml'), serializeQueueFile([], JOBS * BUILDS_PER_JOB + 1));
};

const scratch = scratchDir('cold-start');
interface Run {
  readyMs: number;
  internalMs: number;
  rssReady: number;
  apiMs: number;
  apiWarmMs: number;
  rssAfterApi: number;
  jobs: number;
}
const runs: Run[] = [];
try {
  for (let i = 0; i < RUNS; i++) {
    resetHome();
    const port = await freePort();
    const t0 = performance.now();
    const c = await Controller.start(cache, { port, logFile: path.join(scratch, `controller-${i}.log`), noWait: true });
    try {
      let readyMs: number | undefined;
      while (readyMs === undefined) {
        if (performance.now() - t0 > 120_000) throw new Error('not ready within 120 s');
        if (c.child.exitCode !== null) throw new Error(`steward exited with ${c.child.exitCode}; see ${c.logFile}`);
        try {
          const res = await fetch(`http://127.0.0.1:${port}/health/ready`);
          await res.arrayBuffer();
          if (res.status === 200) readyMs = performance.now() - t0;
        } catch {
          // not listening yet
        }
        if (readyMs === undefined) await sleep(2);
      }
      const rssReady = c.rss();
      const line = await c.waitReadyLine();
      const a0 = performance.now();
      const root = await c.json<{ jobs: { name: string; color: string }[] }>('api/json');
      const apiMs = performance.now() - a0;
      const rssAfterApi = c.rss();
      const a1 = performance.now();
      await c.json('api/json');
      const apiWarmMs = performance.now() - a1;
      if (root.jobs.length !== JOBS) throw new Error(`api/json lists ${root.jobs.length} jobs, not ${JOBS}`);
      const wrong = root.jobs.find((j) => j.color !== colorOf(resultOf(jobNumber(j.name), BUILDS_PER_JOB)));
      if (wrong !== undefined) throw new Error(`job ${wrong.name} is ${wrong.color}, not the colour of its last build`);
      runs.push({ readyMs, internalMs: Number(line.ms), rssReady, apiMs, apiWarmMs, rssAfterApi, jobs: root.jobs.length });
    } finally {
      await c.stop();
    }
  }
} finally {
  resetHome();
  rmSync(scratch, { recursive: true, force: true });
}

const R = summary(runs.map((r) => r.readyMs));
const rssMax = Math.max(...runs.map((r) => r.rssReady));
console.log(`cold start: ${JOBS} jobs x ${BUILDS_PER_JOB} builds (${JOBS * BUILDS_PER_JOB} build records), ${NO_QUEUE ? 'no queue.xml' : 'an empty queue.xml'}, ${RUNS} runs, warm page cache`);
for (const [i, r] of runs.entries()) {
  console.log(
    `  run ${i + 1}: spawn -> /health/ready 200 in ${ms(r.readyMs, 0)} (controller start-up ${r.internalMs} ms of it), RSS ${mib(r.rssReady)}; ` +
      `GET /api/json ${ms(r.apiMs, 0)} (again: ${ms(r.apiWarmMs, 0)}), RSS after ${mib(r.rssAfterApi)}`,
  );
}
console.log(`  ready: median ${ms(R.p50, 0)}, max ${ms(R.max, 0)} (goal: < 2000 ms) -> ${R.max < 2000 ? 'MET' : 'NOT MET'}`);
console.log(`  RSS at ready: max ${mib(rssMax)} (goal: < 300 MB) -> ${rssMax < 300e6 ? 'MET' : 'NOT MET'}; RSS after GET /api/json: max ${mib(Math.max(...runs.map((r) => r.rssAfterApi)))}`);
console.log(`  ${machineLine()}`);
