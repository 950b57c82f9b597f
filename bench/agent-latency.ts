/**
 * Build start latency on an agent: from POST /job/NAME/build to the job's shell step running on an
 * idle remote node, whose agent is a real `steward agent` process connected over WebSocket on
 * loopback, next to a bare spawn of the same shell command from this process, measured in the same
 * run and interleaved. The step (and the bare spawn) writes a token to a FIFO that this process
 * reads, so both are timed to the moment the shell ran, the same way (as bench/build-latency.ts).
 *
 * One build at a time: after a build has completed the controller is left idle IDLE_MS before the
 * next POST. Goal (issue 9): p50 within 3 ms of the bare spawn.
 *
 *   node --import tsx bench/agent-latency.ts               # 300 builds
 *   BENCH_QUICK=1 node --import tsx bench/agent-latency.ts # 30 builds
 *   BENCH_BUILDS=N overrides the count.
 *
 * The split of each sample (printed too): POST -> the agent receiving its `launch` (the controller's
 * set-up and dispatch, the workspace and script requests to the agent, the WebSocket), and `launch`
 * received -> step running (the agent's spawn), from the agent's log line for the launch (ms
 * resolution, the same clock).
 */
import { spawn, spawnSync } from 'node:child_process';
import { constants, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Controller, QUICK, STEWARD_BIN, freestyleXml, machineLine, ms, scratchDir, sleep, summary } from './lib.js';

const BUILDS = Number(process.env.BENCH_BUILDS ?? (QUICK ? 30 : 300));
const WARMUP = QUICK ? 5 : 20;
const IDLE_MS = 200;
const JOB = 'agent-latency';
const NODE = 'bench-agent';

const dir = scratchDir('agent-latency');
const home = path.join(dir, 'home');
const work = path.join(dir, 'agent');
mkdirSync(work, { recursive: true });
const fifo = path.join(dir, 'signal.fifo');
const mk = spawnSync('mkfifo', ['-m', '0666', fifo]);
if (mk.status !== 0) throw new Error(`mkfifo failed: ${mk.stderr.toString()}`);

// O_RDWR: the FIFO always has a writer (us), so it never reads EOF between steps.
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

async function lastCompleted(c: Controller): Promise<number> {
  const j = await c.json<{ lastCompletedBuild: { number: number } | null }>(`job/${JOB}/api/json?tree=lastCompletedBuild[number]`);
  return j.lastCompletedBuild?.number ?? 0;
}

const controller = await Controller.start(home, { logFile: path.join(dir, 'controller.log') });
const secret = await controller.createAgentNode(NODE, { executors: 1, remoteFS: work, labels: 'bench' });
const agent = spawn(process.execPath, [STEWARD_BIN, 'agent', '--url', controller.url, '--name', NODE, '--secret', secret, '--work-dir', work], {
  stdio: ['ignore', openSync(path.join(dir, 'agent.log'), 'w'), 'inherit'],
  env: { ...process.env, STEWARD_LOG_LEVEL: 'info' },
});
try {
  for (let i = 0; ; i++) {
    const c = await controller.json<{ offline: boolean }>(`computer/${NODE}/api/json?tree=offline`);
    if (!c.offline) break;
    if (i > 600 || agent.exitCode !== null) throw new Error('the agent did not connect');
    await sleep(50);
  }
  await controller.createJob(JOB, freestyleXml({ command: `echo b$BUILD_NUMBER > ${q(fifo)}`, quietPeriod: 0, assignedNode: NODE }));

  const bare: number[] = [];
  const build: number[] = [];
  const post: number[] = [];
  /** Date.now() at each POST and at each step running, by build number, for the split. */
  const posted = new Map<number, number>();
  const ran = new Map<number, number>();
  const t = performance.now();
  for (let i = 1; i <= WARMUP + BUILDS; i++) {
    const warm = i <= WARMUP;
    const b = await bareSpawn(`s${i}`);
    await sleep(IDLE_MS);

    const got = signalled(`b${i}`);
    const t0 = process.hrtime.bigint();
    posted.set(i, Date.now());
    const res = await controller.fetch(`job/${JOB}/build`, { method: 'POST' });
    const tPost = process.hrtime.bigint();
    await res.arrayBuffer();
    if (res.status !== 201) throw new Error(`POST build: ${res.status}`);
    const t1 = await got;
    ran.set(i, Date.now());
    // Back to idle before the next sample: the build's end (log, build.xml) is not part of it.
    while ((await lastCompleted(controller)) < i) await sleep(2);
    await sleep(IDLE_MS);
    if (!warm) {
      bare.push(b);
      build.push(elapsedMs(t0, t1));
      post.push(elapsedMs(t0, tPost));
    }
  }
  const wall = (performance.now() - t) / 1000;
  const toLaunch: number[] = [];
  const toRun: number[] = [];
  for (const line of readFileSync(path.join(dir, 'agent.log'), 'utf8').split('\n')) {
    const m = /"time":(\d+).*"build":(\d+).*running a step/.exec(line);
    if (m === null) continue;
    const n = Number(m[2]);
    const p = posted.get(n);
    const r = ran.get(n);
    if (n <= WARMUP || p === undefined || r === undefined) continue;
    toLaunch.push(Number(m[1]) - p);
    toRun.push(r - Number(m[1]));
  }

  const B = summary(build);
  const S = summary(bare);
  const P = summary(post);
  const row = (name: string, s: ReturnType<typeof summary>) =>
    `  ${name.padEnd(40)} p50 ${ms(s.p50).padStart(9)}  p90 ${ms(s.p90).padStart(9)}  p99 ${ms(s.p99).padStart(9)}  mean ${ms(s.mean).padStart(9)}  max ${ms(s.max).padStart(9)}`;
  console.log(`agent latency: POST /job/${JOB}/build -> shell step running on an idle agent (steward agent over WebSocket on loopback, quiet period 0, controller idle ${IDLE_MS} ms between builds), ${BUILDS} builds after ${WARMUP} warm-up, interleaved with bare spawns (${wall.toFixed(1)} s)`);
  console.log(row('POST build -> step running on the agent', B));
  console.log(row('  of which POST -> 201 response', P));
  console.log(row('  of which POST -> launch at the agent', summary(toLaunch)));
  console.log(row('  of which launch at the agent -> running', summary(toRun)));
  console.log(row('bare spawn: sh -c (stdio ignored)', S));
  const gap = B.p50 - S.p50;
  console.log(`  p50 over bare spawn: ${ms(gap)} (goal: within 3 ms) -> ${gap <= 3 ? 'MET' : 'NOT MET'}; p99 over bare spawn: ${ms(B.p99 - S.p99)}`);
  console.log(`  ${machineLine()}`);
} finally {
  agent.kill('SIGTERM');
  await new Promise((r) => (agent.exitCode !== null ? r(undefined) : agent.once('exit', r)));
  await controller.stop();
  reader.destroy();
  rmSync(dir, { recursive: true, force: true });
}
