/**
 * Build start latency: from POST /job/NAME/build to the job's shell step running, for a job with a
 * quiet period of 0 on an idle controller, next to the cost of spawning the same shell command
 * directly from this process. The step (and the bare spawn) writes a token to a FIFO that this
 * process reads, so both are timed to the moment the shell actually ran, the same way.
 *
 * One build at a time: the next POST goes out after the previous build has completed and the
 * controller has then been left idle for 200 ms (BENCH_IDLE_MS), so every sample starts from an
 * idle controller whose caches and thread pool have gone cold. Bare spawns and builds are
 * interleaved. The controller's fsyncs (steward_home_fsyncs_total) are counted over the run.
 *
 *   node --import tsx bench/build-latency.ts        # 1,000 builds
 *   BENCH_QUICK=1 node --import tsx bench/build-latency.ts   # 50 builds
 *   BENCH_BUILDS=N overrides the count.
 */
import { spawn, spawnSync } from 'node:child_process';
import { constants, openSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Controller, QUICK, freestyleXml, machineLine, ms, scratchDir, sleep, summary } from './lib.js';

const BUILDS = Number(process.env.BENCH_BUILDS ?? (QUICK ? 50 : 1000));
const WARMUP = QUICK ? 5 : 20;
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 200);
const GOAL_MS = 2;
const JOB = 'latency';

const dir = scratchDir('build-latency');
const home = path.join(dir, 'home');
const fifo = path.join(dir, 'signal.fifo');
// Writable by everyone: as root, steps run as the build user, not as this process.
const mk = spawnSync('mkfifo', ['-m', '0666', fifo]);
if (mk.status !== 0) throw new Error(`mkfifo failed: ${mk.stderr.toString()}`);

// O_RDWR: the FIFO always has a writer (us), so it never reads EOF between steps and opening it
// for writing never blocks the step. Non-blocking, read through libuv like a socket.
const fd = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
const reader = new net.Socket({ fd, readable: true, writable: false });
const waiting = new Map<string, (t: bigint) => void>();
let pending = '';
reader.on('data', (chunk: Buffer) => {
  const t = process.hrtime.bigint();
  pending += chunk.toString('latin1');
  let nl: number;
  while ((nl = pending.indexOf('\n')) >= 0) {
    const token = pending.slice(0, nl).trim();
    pending = pending.slice(nl + 1);
    const w = waiting.get(token);
    if (w !== undefined) {
      waiting.delete(token);
      w(t);
    }
  }
});

function signalled(token: string, timeoutMs = 30_000): Promise<bigint> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      waiting.delete(token);
      reject(new Error(`no signal ${token} within ${timeoutMs} ms`));
    }, timeoutMs);
    waiting.set(token, (t) => {
      clearTimeout(timer);
      resolve(t);
    });
  });
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const elapsedMs = (a: bigint, b: bigint) => Number(b - a) / 1e6;

/** `sh -c 'echo TOKEN > fifo'` spawned directly; ms to the FIFO read. */
async function bareSpawn(token: string): Promise<number> {
  const got = signalled(token);
  const t0 = process.hrtime.bigint();
  const child = spawn('/bin/sh', ['-c', `echo ${token} > ${q(fifo)}`], { stdio: 'ignore' });
  const exited = new Promise((r) => child.once('close', r));
  const t1 = await got;
  await exited;
  return elapsedMs(t0, t1);
}

/** The same, spawned the way Steward spawns a step: detached, piped stdout/stderr, -xe, a build-sized env. */
const stewardLikeEnv = { ...process.env, BUILD_NUMBER: '1', BUILD_ID: '1', BUILD_TAG: 'jenkins-x-1', JOB_NAME: 'x', WORKSPACE: dir, CI: 'true', JENKINS_NODE_COOKIE: 'c', STEWARD_BUILD_COOKIE: 'c' };
async function stewardLikeSpawn(token: string): Promise<number> {
  const got = signalled(token);
  const t0 = process.hrtime.bigint();
  const child = spawn('/bin/sh', ['-xe', '-c', `echo ${token} > ${q(fifo)}`], { stdio: ['ignore', 'pipe', 'pipe'], detached: true, cwd: dir, env: stewardLikeEnv });
  child.stdout.resume();
  child.stderr.resume();
  const exited = new Promise((r) => child.once('close', r));
  const t1 = await got;
  await exited;
  return elapsedMs(t0, t1);
}

async function lastCompleted(c: Controller): Promise<number> {
  const j = await c.json<{ lastCompletedBuild: { number: number } | null }>(`job/${JOB}/api/json?tree=lastCompletedBuild[number]`);
  return j.lastCompletedBuild?.number ?? 0;
}

const controller = await Controller.start(home, { logFile: path.join(dir, 'controller.log') });
try {
  await controller.createJob(JOB, freestyleXml({ command: `echo b$BUILD_NUMBER > ${q(fifo)}`, quietPeriod: 0 }));

  const bare: number[] = [];
  const like: number[] = [];
  const build: number[] = [];
  const post: number[] = [];
  const t = performance.now();
  let fsyncs = 0;
  for (let i = 1; i <= WARMUP + BUILDS; i++) {
    const warm = i <= WARMUP;
    if (i === WARMUP + 1) fsyncs = await controller.metric('steward_home_fsyncs_total');
    const b = await bareSpawn(`s${i}`);
    const l = await stewardLikeSpawn(`l${i}`);

    const got = signalled(`b${i}`);
    const t0 = process.hrtime.bigint();
    const res = await controller.fetch(`job/${JOB}/build`, { method: 'POST' });
    const tPost = process.hrtime.bigint();
    await res.arrayBuffer();
    if (res.status !== 201) throw new Error(`POST build: ${res.status}`);
    const t1 = await got;
    // Back to idle before the next sample: the build's end (log, build.xml) is not part of it.
    while ((await lastCompleted(controller)) < i) await sleep(1);
    await sleep(IDLE_MS);
    if (!warm) {
      bare.push(b);
      like.push(l);
      build.push(elapsedMs(t0, t1));
      post.push(elapsedMs(t0, tPost));
    }
  }
  const wall = (performance.now() - t) / 1000;
  const fsyncsPerBuild = ((await controller.metric('steward_home_fsyncs_total')) - fsyncs) / BUILDS;

  const B = summary(build);
  const S = summary(bare);
  const L = summary(like);
  const P = summary(post);
  const row = (name: string, s: ReturnType<typeof summary>) =>
    `  ${name.padEnd(44)} p50 ${ms(s.p50).padStart(9)}  p90 ${ms(s.p90).padStart(9)}  p99 ${ms(s.p99).padStart(9)}  mean ${ms(s.mean).padStart(9)}  max ${ms(s.max).padStart(9)}`;
  console.log(`build latency: POST /job/${JOB}/build -> shell step running (quiet period 0, controller idle ${IDLE_MS} ms before each), ${BUILDS} builds after ${WARMUP} warm-up, interleaved with bare spawns (${wall.toFixed(1)} s)`);
  console.log(row('POST build -> step running', B));
  console.log(row('  of which POST -> 201 response', P));
  console.log(row('bare spawn: sh -c (stdio ignored)', S));
  console.log(row('bare spawn as Steward does (detached, pipes, -xe)', L));
  const gap = B.p50 - S.p50;
  console.log(`  p50 over bare spawn: ${ms(gap)} (goal: within ${GOAL_MS} ms) -> ${gap <= GOAL_MS ? 'MET' : 'NOT MET'}; p99 over bare spawn: ${ms(B.p99 - S.p99)}`);
  console.log(`  fsyncs of home files per build: ${fsyncsPerBuild.toFixed(2)}`);
  console.log(`  ${machineLine()}`);
} finally {
  await controller.stop();
  reader.destroy();
  rmSync(dir, { recursive: true, force: true });
}
