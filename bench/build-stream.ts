/**
 * A stream of trivial builds, as bench/throughput.ts and bench/ha-cost.ts submit them: JOBS jobs of
 * `true` with concurrentBuild and a parameter N, each build with its own N so that the queue does
 * not merge them, submitted `inFlight` POSTs at a time, and waited for on /metrics
 * (steward_builds_completed_total, polled every 100 ms).
 */
import { Controller, freestyleXml, sleep } from './lib.js';

export const jobName = (j: number): string => `tp-${String(j).padStart(2, '0')}`;

export async function createTrivialJobs(controller: Controller, jobs: number): Promise<void> {
  for (let j = 0; j < jobs; j++) await controller.createJob(jobName(j), freestyleXml({ command: 'true', concurrent: true, quietPeriod: 0, parameter: 'N' }));
}

/** Builds completed since the controller started, by /metrics. */
export async function completed(c: Controller): Promise<number> {
  const text = await (await c.fetch('metrics')).text();
  let n = 0;
  for (const m of text.matchAll(/^steward_builds_completed_total\{[^}]*\}\s+(\d+)/gm)) n += Number(m[1]);
  return n;
}

export interface StreamOptions {
  builds: number;
  jobs: number;
  inFlight: number;
  timeoutMs: number;
  jobName?: (j: number) => string;
  /** Called at each poll of /metrics while builds run. */
  onPoll?: () => void;
}

/**
 * Submits `builds` builds and waits until the controller has completed them all; the POST -> 201
 * times and, from the first POST, when all were submitted and when all were done (ms).
 */
export async function runBuilds(controller: Controller, o: StreamOptions): Promise<{ postMs: number[]; submittedMs: number; doneMs: number }> {
  const name = o.jobName ?? jobName;
  const base = await completed(controller);
  const postMs: number[] = [];
  let next = 0;
  const t0 = performance.now();
  const submitter = async (): Promise<void> => {
    while (next < o.builds) {
      const i = next++;
      const s = performance.now();
      const res = await controller.fetch(`job/${name(i % o.jobs)}/buildWithParameters?N=${base + i}`, { method: 'POST' });
      await res.arrayBuffer();
      postMs.push(performance.now() - s);
      if (res.status !== 201) throw new Error(`POST build ${i}: ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: o.inFlight }, submitter));
  const submittedMs = performance.now() - t0;
  for (;;) {
    const done = (await completed(controller)) - base;
    if (done >= o.builds) break;
    if (performance.now() - t0 > o.timeoutMs) throw new Error(`only ${done} of ${o.builds} builds completed in ${o.timeoutMs / 1000} s`);
    o.onPoll?.();
    await sleep(100);
  }
  return { postMs, submittedMs, doneMs: performance.now() - t0 };
}
