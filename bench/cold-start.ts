/**
 * Cold start on a large home: 1,000 jobs with 100 builds each (100,000 build.xml + log), written
 * directly with fs in Jenkins' layout (build.xml by serializeBuildRecord, builds/permalinks by
 * Permalinks as a build's end updates it). The home is generated once into a cache folder under
 * the OS temp dir and reused by later runs.
 *
 * Each run spawns `steward start` on it and measures the wall time from spawn to GET /health/ready
 * answering 200, and the controller's RSS (/proc/PID/status VmRSS) at that moment; then one GET
 * /api/json (which computes every job's colour, reading each job's builds folder and
 * builds/permalinks), its time, and the RSS after it.
 *
 *   node --import tsx bench/cold-start.ts                 # 1,000 jobs x 100 builds, 3 runs
 *   BENCH_QUICK=1 node --import tsx bench/cold-start.ts   # 100 jobs x 100 builds, 2 runs
 *   BENCH_RUNS=N overrides the runs; BENCH_REGENERATE=1 rewrites the cached home.
 *
 * The page cache is warm (the generation, or the previous run, just read or wrote the files); a
 * cold-disk start is slower and is not measured here.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serializeBuildRecord, type BuildRecord } from '../src/jobs/config/index.js';
import { Permalinks, colorOf, type Result } from '../src/jobs/index.js';
import { Controller, QUICK, freePort, freestyleXml, machineLine, mib, ms, scratchDir, sleep, summary } from './lib.js';

const JOBS = QUICK ? 100 : 1000;
const BUILDS_PER_JOB = 100;
const RUNS = Number(process.env.BENCH_RUNS ?? (QUICK ? 2 : 3));
const cache = path.join(os.tmpdir(), `steward-bench-cold-start-home-${JOBS}x${BUILDS_PER_JOB}-v2`);
const MARKER = '.bench-generated';

const resultOf = (j: number, n: number): Result =>
  (j + n) % 17 === 0 ? 'FAILURE' : (j + n) % 29 === 0 ? 'UNSTABLE' : (j + n) % 97 === 0 ? 'ABORTED' : 'SUCCESS';

function generate(target: string): void {
  const partial = `${target}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  const t0 = performance.now();
  const start = Date.UTC(2024, 0, 1);
  for (let j = 0; j < JOBS; j++) {
    const name = `job-${String(j).padStart(4, '0')}`;
    const jobDir = path.join(partial, 'jobs', name);
    mkdirSync(path.join(jobDir, 'builds'), { recursive: true });
    const withParam = j % 10 === 0;
    writeFileSync(
      path.join(jobDir, 'config.xml'),
      freestyleXml({
        command: `echo building ${name}\nmake -j4 test\n./scripts/package.sh "$BUILD_NUMBER"`,
        concurrent: j % 4 === 0,
        ...(withParam ? { parameter: 'BRANCH' } : {}),
        description: `Generated job ${j} for the cold-start benchmark`,
      }),
    );
    writeFileSync(path.join(jobDir, 'nextBuildNumber'), `${BUILDS_PER_JOB + 1}\n`);
    const permalinks = Permalinks.none();
    for (let n = 1; n <= BUILDS_PER_JOB; n++) {
      const bDir = path.join(jobDir, 'builds', String(n));
      mkdirSync(bDir);
      const ts = start + (j * BUILDS_PER_JOB + n) * 60_000;
      const result = resultOf(j, n);
      const record: BuildRecord = {
        number: n,
        queueId: j * BUILDS_PER_JOB + n,
        timestamp: ts,
        startTime: ts + 3,
        result,
        duration: 1_000 + ((j * 7919 + n * 104_729) % 300_000),
        builtOn: '',
        workspace: `/var/lib/steward/workspace/${name}`,
        causes: [
          n % 3 === 0
            ? { kind: 'timer', shortDescription: 'Started by timer' }
            : { kind: 'user', shortDescription: 'Started by user alice', userId: 'alice', userName: 'Alice' },
        ],
        parameters: withParam ? [{ name: 'BRANCH', value: n % 2 === 0 ? 'main' : `feature/${n}`, sensitive: false }] : [],
        keepLog: false,
      };
      writeFileSync(path.join(bDir, 'build.xml'), serializeBuildRecord(record));
      permalinks.completed(n, result, true);
      writeFileSync(
        path.join(bDir, 'log'),
        `Started by user alice\nRunning as SYSTEM\nBuilding on the built-in node in workspace /var/lib/steward/workspace/${name}\n` +
          `+ echo building ${name}\nbuilding ${name}\n+ make -j4 test\nok 1 - everything\n+ ./scripts/package.sh ${n}\nFinished: ${result}\n`,
      );
    }
    writeFileSync(path.join(jobDir, 'builds', 'permalinks'), permalinks.serialize());
  }
  writeFileSync(path.join(partial, MARKER), `${JOBS} jobs x ${BUILDS_PER_JOB} builds\n`);
  rmSync(target, { recursive: true, force: true });
  renameSync(partial, target);
  console.log(`  generated ${JOBS} jobs x ${BUILDS_PER_JOB} builds in ${cache} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

if (process.env.BENCH_REGENERATE === '1' || !existsSync(path.join(cache, MARKER))) generate(cache);
else console.log(`  reusing the generated home ${cache}`);

// The controller writes only .steward/ (lock, epoch) and queue.xml on a start; drop them between runs.
const resetHome = () => {
  rmSync(path.join(cache, '.steward'), { recursive: true, force: true });
  rmSync(path.join(cache, 'queue.xml'), { force: true });
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
      const wrong = root.jobs.find((j) => j.color !== colorOf(resultOf(Number(j.name.slice('job-'.length)), BUILDS_PER_JOB)));
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
console.log(`cold start: ${JOBS} jobs x ${BUILDS_PER_JOB} builds (${JOBS * BUILDS_PER_JOB} build records), ${RUNS} runs, warm page cache`);
for (const [i, r] of runs.entries()) {
  console.log(
    `  run ${i + 1}: spawn -> /health/ready 200 in ${ms(r.readyMs, 0)} (controller start-up ${r.internalMs} ms of it), RSS ${mib(r.rssReady)}; ` +
      `GET /api/json ${ms(r.apiMs, 0)} (again: ${ms(r.apiWarmMs, 0)}), RSS after ${mib(r.rssAfterApi)}`,
  );
}
console.log(`  ready: median ${ms(R.p50, 0)}, max ${ms(R.max, 0)} (goal: < 2000 ms) -> ${R.max < 2000 ? 'MET' : 'NOT MET'}`);
console.log(`  RSS at ready: max ${mib(rssMax)} (goal: < 300 MB) -> ${rssMax < 300e6 ? 'MET' : 'NOT MET'}; RSS after GET /api/json: max ${mib(Math.max(...runs.map((r) => r.rssAfterApi)))}`);
console.log(`  ${machineLine()}`);
