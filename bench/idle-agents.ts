/**
 * Idle agents: what 200 connected, idle agents cost their controller. The controller is a real
 * `steward start` child process with 200 agent nodes configured; the agents are real agent
 * connections made by the agent's own code (src/agent/agent.ts, the `Agent` that `steward agent`
 * runs, with its defaults: WebSocket on the HTTP port, a ping every 10 s), PROCESSES child
 * processes of AGENTS / PROCESSES agents each, since 200 Node processes do not fit on a small
 * machine. Measured on the controller process:
 *
 * - RSS per agent: (RSS with all connected - RSS with the same nodes and none connected) / AGENTS,
 *   each the median of samples taken over SETTLE_S after a full garbage collection of the
 *   controller (asked for over its inspector: it runs with --inspect on a loopback port), so that
 *   garbage left by creating the nodes does not count either way;
 * - CPU over IDLE_S seconds with all connected and nothing building (utime + stime from
 *   /proc/PID/stat), as a share of one core; next to the same with none connected.
 *
 * Goals (issue 9): under 1 MB per agent and under 2 % of a core.
 *
 *   node --import tsx bench/idle-agents.ts                # 200 agents, 60 s idle
 *   BENCH_QUICK=1 node --import tsx bench/idle-agents.ts  # 40 agents, 10 s idle
 *   BENCH_AGENTS=N, BENCH_IDLE_S=S override.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import WebSocket from 'ws';
import { Controller, QUICK, machineLine, mib, scratchDir, sleep } from './lib.js';

// A child process running a share of the agents: `idle-agents.ts --agents URL WORKDIR` with
// "name secret" lines on standard input; prints "connected N" as they are welcomed.
if (process.argv[2] === '--agents') {
  const { Agent } = await import('../src/agent/agent.js');
  const [url, workRoot] = [process.argv[3] as string, process.argv[4] as string];
  const logger = pino({ level: 'warn' });
  const abort = new AbortController();
  // Every agent of this process listens on the one signal.
  setMaxListeners(0, abort.signal);
  process.once('SIGTERM', () => abort.abort());
  const runs: Promise<void>[] = [];
  for await (const line of createInterface({ input: process.stdin })) {
    const [name, secret] = line.split(' ') as [string, string];
    const workDir = path.join(workRoot, name);
    mkdirSync(workDir, { recursive: true });
    const agent = new Agent({ urls: [url], name, secret, workDir, executors: 1, labels: '', version: 'bench', logger });
    runs.push(agent.run(abort.signal));
  }
  await Promise.all(runs);
  process.exit(0);
}

const AGENTS = Number(process.env.BENCH_AGENTS ?? (QUICK ? 40 : 200));
const PROCESSES = 4;
const IDLE_S = Number(process.env.BENCH_IDLE_S ?? (QUICK ? 10 : 60));
const SETTLE_S = QUICK ? 3 : 10;

const dir = scratchDir('idle-agents');
const home = path.join(dir, 'home');
const work = path.join(dir, 'agents');

/**
 * A full garbage collection in the controller, through its inspector (HeapProfiler.collectGarbage);
 * the JS heap in use after it (Runtime.getHeapUsage), in bytes.
 */
async function collectGarbage(c: Controller): Promise<number> {
  const url = /Debugger listening on (ws:\/\/\S+)/.exec(readFileSync(c.logFile, 'utf8'))?.[1];
  if (url === undefined) throw new Error('the controller has no inspector address in its log');
  const ws = new WebSocket(url);
  const used = await new Promise<number>((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' })));
    ws.on('message', (data: Buffer) => {
      const m = JSON.parse(data.toString()) as { id?: number; result?: { usedSize?: number } };
      if (m.id === 1) ws.send(JSON.stringify({ id: 2, method: 'Runtime.getHeapUsage' }));
      if (m.id === 2) resolve(m.result?.usedSize ?? Number.NaN);
    });
  });
  ws.close();
  return used;
}

/** The median of the controller's RSS sampled every 500 ms over `seconds`, after a full collection. */
async function settledRss(c: Controller, seconds: number): Promise<{ rss: number; heap: number }> {
  const heap = await collectGarbage(c);
  await sleep(500);
  const samples: number[] = [];
  for (let i = 0; i < seconds * 2; i++) {
    samples.push(c.rss());
    await sleep(500);
  }
  samples.sort((a, b) => a - b);
  return { rss: samples[Math.floor(samples.length / 2)] as number, heap };
}

async function onlineCount(c: Controller): Promise<number> {
  const j = await c.json<{ computer: { offline: boolean }[] }>('computer/api/json?tree=computer[offline]');
  return j.computer.filter((x) => !x.offline).length - 1; // less the built-in node
}

const controller = await Controller.start(home, { logFile: path.join(dir, 'controller.log'), nodeArgs: ['--inspect=127.0.0.1:0'] });
const children: ChildProcess[] = [];
try {
  const t0 = performance.now();
  const nodes: string[] = [];
  for (let i = 0; i < AGENTS; i++) {
    const name = `idle-${String(i).padStart(3, '0')}`;
    nodes.push(`${name} ${await controller.createAgentNode(name, { executors: 1, remoteFS: path.join(work, name) })}`);
  }
  const created = (performance.now() - t0) / 1000;
  await sleep(SETTLE_S * 1000);
  const { rss: rss0, heap: heap0 } = await settledRss(controller, SETTLE_S);
  // The same controller's CPU with no agent connected, for comparison.
  const base0 = controller.cpuMs();
  const b0 = performance.now();
  await sleep(IDLE_S * 1000);
  const baseShare = (controller.cpuMs() - base0) / (performance.now() - b0);

  const t1 = performance.now();
  for (let p = 0; p < PROCESSES; p++) {
    const share = nodes.filter((_, i) => i % PROCESSES === p);
    const child = spawn(process.execPath, ['--import', 'tsx', process.argv[1] as string, '--agents', controller.url, work], { stdio: ['pipe', 'inherit', 'inherit'] });
    child.stdin.end(share.map((l) => `${l}\n`).join(''));
    children.push(child);
  }
  for (let i = 0; ; i++) {
    const n = await onlineCount(controller);
    if (n === AGENTS) break;
    if (i > 1200) throw new Error(`only ${n} of ${AGENTS} agents connected`);
    await sleep(100);
  }
  const connected = (performance.now() - t1) / 1000;
  await sleep(SETTLE_S * 1000);
  const { rss: rss1, heap: heap1 } = await settledRss(controller, SETTLE_S);

  const cpu0 = controller.cpuMs();
  const w0 = performance.now();
  await sleep(IDLE_S * 1000);
  const cpu1 = controller.cpuMs();
  const wall = performance.now() - w0;
  const stillOnline = await onlineCount(controller);
  const { rss: rss2 } = await settledRss(controller, SETTLE_S);

  const perAgent = (rss1 - rss0) / AGENTS;
  const cpuShare = (cpu1 - cpu0) / wall;
  console.log(`idle agents: ${AGENTS} agent connections (src/agent/agent.ts, WebSocket on loopback, ${PROCESSES} processes of ${AGENTS / PROCESSES}) to a steward start controller with ${AGENTS} agent nodes; ${created.toFixed(1)} s to create the nodes, ${connected.toFixed(1)} s until all were online`);
  console.log(`  controller RSS, nodes configured, none connected: ${mib(rss0)}; all ${AGENTS} connected: ${mib(rss1)}; after ${IDLE_S} s idle: ${mib(rss2)}; each after a full collection (${stillOnline} online)`);
  console.log(`  RSS per connected agent: ${(perAgent / 1024).toFixed(0)} KiB (goal: under 1 MB) -> ${perAgent < 1e6 ? 'MET' : 'NOT MET'}; JS heap in use after a full collection: ${mib(heap0)} -> ${mib(heap1)}, ${((heap1 - heap0) / AGENTS / 1024).toFixed(0)} KiB per agent`);
  console.log(`  controller CPU over ${(wall / 1000).toFixed(0)} s idle: ${((cpu1 - cpu0)).toFixed(0)} ms = ${(cpuShare * 100).toFixed(2)} % of a core (goal: under 2 %) -> ${cpuShare < 0.02 ? 'MET' : 'NOT MET'}; with none connected, over as long: ${(baseShare * 100).toFixed(2)} %`);
  console.log(`  ${machineLine()}`);
} finally {
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode !== null ? undefined : new Promise((r) => c.once('exit', r)))));
  await controller.stop();
  rmSync(dir, { recursive: true, force: true });
}
