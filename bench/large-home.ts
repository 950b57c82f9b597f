/**
 * A large home for the benchmarks that start a controller on one: JOBS jobs with BUILDS_PER_JOB
 * builds each (build.xml + log), written directly with fs in Jenkins' layout (build.xml by
 * serializeBuildRecord, builds/permalinks by Permalinks as a build's end updates it). Generated
 * once into a cache folder under the OS temp dir (named by the caller, so that a benchmark that
 * writes to its home does not change another's) and reused by later runs; BENCH_REGENERATE=1
 * writes it again.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serializeBuildRecord, type BuildRecord } from '../src/jobs/config/index.js';
import { Permalinks, type Result } from '../src/jobs/index.js';
import { freestyleXml } from './lib.js';

const MARKER = '.bench-generated';

/** The result of build `n` of job number `j`, as generated. */
export const resultOf = (j: number, n: number): Result =>
  (j + n) % 17 === 0 ? 'FAILURE' : (j + n) % 29 === 0 ? 'UNSTABLE' : (j + n) % 97 === 0 ? 'ABORTED' : 'SUCCESS';

/** The job names are `job-0000`...; the job number of one. */
export const jobNumber = (name: string): number => Number(name.slice('job-'.length));

/**
 * The path of a generated home of `jobs` x `buildsPerJob` under the OS temp dir, named `name`,
 * generated first if it is not there.
 */
export function largeHome(name: string, jobs: number, buildsPerJob: number): string {
  const cache = path.join(os.tmpdir(), `steward-bench-${name}-home-${jobs}x${buildsPerJob}-v2`);
  if (process.env.BENCH_REGENERATE === '1' || !existsSync(path.join(cache, MARKER))) generate(cache, jobs, buildsPerJob);
  else console.log(`  reusing the generated home ${cache}`);
  return cache;
}

function generate(target: string, JOBS: number, BUILDS_PER_JOB: number): void {
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
  console.log(`  generated ${JOBS} jobs x ${BUILDS_PER_JOB} builds in ${target} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
