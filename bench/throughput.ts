/**
 * Build throughput: trivial builds (`true`) end to end on the built-in node with 2 executors. N
 * builds are submitted as fast as the API takes them (8 requests in flight), spread over 20 jobs
 * with concurrentBuild true; each build has its own parameter value, so the queue does not merge
 * them. Timed from the first POST until the controller has completed all N (polled on /metrics,
 * steward_builds_completed_total, every 100 ms), then checked against every job's lastCompletedBuild.
 * Over the same span it counts the controller's fsyncs of home files (steward_home_fsyncs_total) and
 * its CPU time (/proc/PID/stat), per build. The ceiling it is compared with is measured in the same
 * run: EXECUTORS loops spawning `sh -xe -c true` straight from Node.
 *
 *   node --import tsx bench/throughput.ts                 # 2,000 builds
 *   BENCH_QUICK=1 node --import tsx bench/throughput.ts   # 200 builds
 *   BENCH_BUILDS=N, BENCH_EXECUTORS=N override; BENCH_CPU_PROF=DIR runs the controller under
 *   node --cpu-prof and leaves the .cpuprofile in DIR.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { createTrivialJobs, jobName, runBuilds } from './build-stream.js';
import { Controller, QUICK, machineLine, mib, ms, scratchDir, summary } from './lib.js';

const BUILDS = Number(process.env.BENCH_BUILDS ?? (QUICK ? 200 : 2000));
const JOBS = 20;
const EXECUTORS = Number(process.env.BENCH_EXECUTORS ?? 2);
const IN_FLIGHT = 8;
const TIMEOUT_MS = 8 * 60_000;
const PROF = process.env.BENCH_CPU_PROF;

const dir = scratchDir('throughput');
const home = path.join(dir, 'home');

const controller = await Controller.start(home, {
  logFile: path.join(dir, 'controller.log'),
  ...(PROF === undefined ? {} : { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${path.resolve(PROF)}`] }),
});
try {
  await controller.setExecutors(EXECUTORS);
  await createTrivialJobs(controller, JOBS);

  let rssMax = 0;
  const sampleRss = () => {
    rssMax = Math.max(rssMax, controller.rss());
  };
  const fsyncs0 = await controller.metric('steward_home_fsyncs_total');
  const cpu0 = controller.cpuMs();
  const t0 = performance.now();
  const { postMs, submittedMs, doneMs } = await runBuilds(controller, { builds: BUILDS, jobs: JOBS, inFlight: IN_FLIGHT, timeoutMs: TIMEOUT_MS, jobName, onPoll: sampleRss });
  const tSubmitted = t0 + submittedMs;
  const tDone = t0 + doneMs;
  const cpuPerBuild = (controller.cpuMs() - cpu0) / BUILDS;
  const fsyncsPerBuild = ((await controller.metric('steward_home_fsyncs_total')) - fsyncs0) / BUILDS;

  // Every build is accounted for, and its recorded duration (start of the build to its end).
  let last = 0;
  const durations: number[] = [];
  const results = new Map<string, number>();
  for (let j = 0; j < JOBS; j++) {
    const job = await controller.json<{ lastCompletedBuild: { number: number } | null; builds: { number: number }[] }>(
      `job/${jobName(j)}/api/json?tree=lastCompletedBuild[number],builds[number]`,
    );
    last += job.lastCompletedBuild?.number ?? 0;
    await Promise.all(
      job.builds.map(async (b) => {
        const r = await controller.json<{ duration: number; result: string }>(`job/${jobName(j)}/${b.number}/api/json?tree=duration,result`);
        durations.push(r.duration);
        results.set(r.result, (results.get(r.result) ?? 0) + 1);
      }),
    );
  }
  if (last !== BUILDS) throw new Error(`the jobs' lastCompletedBuild numbers add up to ${last}, not ${BUILDS}`);

  // The ceiling on this machine: the same number of `sh -xe -c true` processes started straight
  // from Node, EXECUTORS at a time, with nothing else around them.
  const bareStart = performance.now();
  let bareNext = 0;
  const bareLoop = async (): Promise<void> => {
    while (bareNext++ < BUILDS) {
      await new Promise<void>((resolve, reject) => {
        const child = spawn('/bin/sh', ['-xe', '-c', 'true'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
        child.stdout.resume();
        child.stderr.resume();
        child.once('error', reject);
        child.once('close', () => resolve());
      });
    }
  };
  await Promise.all(Array.from({ length: EXECUTORS }, bareLoop));
  const bareRate = BUILDS / ((performance.now() - bareStart) / 1000);

  const wall = (tDone - t0) / 1000;
  const rate = BUILDS / wall;
  const D = summary(durations);
  const P = summary(postMs);
  console.log(`throughput: ${BUILDS} builds of \`true\` over ${JOBS} jobs (concurrentBuild, distinct parameter), ${EXECUTORS} executors, ${IN_FLIGHT} POSTs in flight${PROF === undefined ? '' : ' [under --cpu-prof]'}`);
  const share = rate / bareRate;
  console.log(`  ${rate.toFixed(1)} builds/s; all done in ${wall.toFixed(2)} s; all submitted after ${((tSubmitted - t0) / 1000).toFixed(2)} s`);
  console.log(`  bare ceiling: ${bareRate.toFixed(1)} processes/s for ${BUILDS} \`sh -xe -c true\` spawned from Node, ${EXECUTORS} at a time; Steward reached ${(share * 100).toFixed(0)}% of it (goal: >= 50%) -> ${share >= 0.5 ? 'MET' : 'NOT MET'}`);
  console.log(`  fsyncs of home files per build: ${fsyncsPerBuild.toFixed(2)} (goal: <= 1.5) -> ${fsyncsPerBuild <= 1.5 ? 'MET' : 'NOT MET'}`);
  console.log(`  controller CPU per build: ${ms(cpuPerBuild)} (goal: < 5 ms) -> ${cpuPerBuild < 5 ? 'MET' : 'NOT MET'}`);
  console.log(`  wall time per build ${ms((tDone - t0) / BUILDS)}; executor time per build ${ms(((tDone - t0) * EXECUTORS) / BUILDS)} (wall x executors / builds)`);
  console.log(`  recorded build duration (build.xml): mean ${ms(D.mean)}  p50 ${ms(D.p50, 0)}  p99 ${ms(D.p99, 0)}  max ${ms(D.max, 0)}  (ms resolution)`);
  console.log(`  POST buildWithParameters -> 201: mean ${ms(P.mean)}  p50 ${ms(P.p50)}  p99 ${ms(P.p99)}`);
  console.log(`  controller RSS: max ${mib(rssMax)} while building (sampled every 100 ms), ${mib(controller.rss())} at the end`);
  console.log(`  results: ${[...results].map(([r, n]) => `${r} ${n}`).join(', ')}`);
  console.log(`  ${machineLine()}`);
} finally {
  await controller.stop();
  rmSync(dir, { recursive: true, force: true });
}
