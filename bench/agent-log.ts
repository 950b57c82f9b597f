/**
 * Log throughput from an agent: a step on a real `steward agent` process prints a file of random
 * bytes; the controller's side of its connection (src/nodes/remote, over WebSocket on loopback)
 * writes what arrives to a file and acknowledges it. Against the same bytes copied raw in the same
 * run: a process pipes the same `cat` into a TCP socket, and this process writes what arrives to a
 * file. Goal: the agent's log at least 50 % of the raw copy's throughput.
 *
 *   node --import tsx bench/agent-log.ts [MiB]
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { open, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import websocket from '@fastify/websocket';
import Fastify from 'fastify';
import { pino } from 'pino';
import { AgentConnections, Computer, defineNode } from '../src/nodes/index.js';
import { QUICK, STEWARD_BIN, machineLine, scratchDir, sleep } from './lib.js';

const MIB = Number(process.argv[2] ?? (QUICK ? 32 : 200));
const BYTES = MIB * 1024 * 1024;
const RUNS = QUICK ? 2 : 3;
const dir = scratchDir('agent-log');
const source = path.join(dir, 'source.bin');

/** A file that appends in order, as a build's log does. */
async function appender(file: string): Promise<{ write(b: Buffer): Promise<void>; close(): Promise<void> }> {
  const fh = await open(file, 'w');
  let tail: Promise<void> = Promise.resolve();
  return {
    write: (b) => (tail = tail.then(async () => void (await fh.write(b)))),
    close: async () => {
      await tail;
      await fh.close();
    },
  };
}

async function rawCopy(): Promise<number> {
  const out = await appender(path.join(dir, 'raw.out'));
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const t0 = performance.now();
  const received = new Promise<number>((resolve) => {
    server.once('connection', (socket) => {
      let n = 0;
      socket.on('data', (d: Buffer) => {
        n += d.length;
        // As the agent's side does: what is written is taken; the socket is paused while writes wait.
        socket.pause();
        void out.write(d).then(() => socket.resume());
      });
      socket.on('end', () => resolve(n));
    });
  });
  const sender = spawn(process.execPath, ['-e', `const s=require('net').connect(${port},'127.0.0.1');const c=require('child_process').spawn('cat',[${JSON.stringify(source)}]);c.stdout.pipe(s);`], { stdio: 'inherit' });
  const n = await received;
  await out.close();
  const seconds = (performance.now() - t0) / 1000;
  await new Promise((r) => sender.once('exit', r));
  server.close();
  if (n !== BYTES) throw new Error(`the raw copy moved ${n} bytes, not ${BYTES}`);
  return BYTES / seconds;
}

async function agentCopy(computer: Computer): Promise<number> {
  const out = await appender(path.join(dir, 'agent.out'));
  const channel = computer.channel;
  if (channel === undefined) throw new Error('the agent is not connected');
  let n = 0;
  const t0 = performance.now();
  const step = channel.launch({
    build: { job: 'bench', number: 1, cookie: 'bench-cookie' },
    command: 'cat',
    args: [source],
    cwd: dir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    mask: [],
    onOutput: (chunk) => {
      n += chunk.length;
      return out.write(chunk);
    },
  });
  const code = await step.exited;
  await out.close();
  const seconds = (performance.now() - t0) / 1000;
  if (code !== 0 || n !== BYTES) throw new Error(`the agent's step ended with ${code} after ${n} bytes, not 0 after ${BYTES}`);
  return BYTES / seconds;
}

async function main(): Promise<void> {
  console.log(`agent-log: a step printing ${MIB} MiB on a steward agent over WebSocket vs a raw TCP copy, ${RUNS} runs each`);
  const chunk = randomBytes(1024 * 1024);
  const fh = await open(source, 'w');
  for (let i = 0; i < MIB; i++) await fh.write(chunk);
  await fh.close();

  const computer = new Computer(defineNode({ name: 'bench', numExecutors: 1, launcher: 'inbound', remoteFS: dir }), {
    state: 'offline',
    cause: { kind: 'disconnected', reason: 'not yet', since: Date.now() },
  });
  const connections = new AgentConnections({
    authenticate: () => ({ ok: true, computer }),
    controllerId: 'bench',
    logger: pino({ level: 'warn' }),
    abortBuild: () => undefined,
    abortBuildsOn: () => undefined,
    nodesChanged: () => undefined,
  });
  const app = Fastify();
  await app.register(websocket, { options: { ...AgentConnections.socketOptions } });
  app.get('/agent', { websocket: true }, (socket, req) => connections.accept(socket, req.ip));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as net.AddressInfo).port;
  await writeFile(path.join(dir, 'secret'), 'x');
  const agent = spawn(process.execPath, [STEWARD_BIN, 'agent', '--url', `http://127.0.0.1:${port}/`, '--name', 'bench', '--secret', 'x', '--work-dir', path.join(dir, 'agent')], {
    stdio: 'ignore',
    env: { ...process.env, STEWARD_LOG_LEVEL: 'warn' },
  });
  try {
    for (let i = 0; !computer.online; i++) {
      if (i > 600) throw new Error('the agent did not connect');
      await sleep(50);
    }
    const raw: number[] = [];
    const viaAgent: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      raw.push(await rawCopy());
      viaAgent.push(await agentCopy(computer));
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    const r = median(raw);
    const a = median(viaAgent);
    const ratio = a / r;
    console.log(`  raw TCP copy:   median ${(r / 1024 / 1024).toFixed(0)} MiB/s (${raw.map((x) => (x / 1024 / 1024).toFixed(0)).join(', ')})`);
    console.log(`  agent over WS:  median ${(a / 1024 / 1024).toFixed(0)} MiB/s (${viaAgent.map((x) => (x / 1024 / 1024).toFixed(0)).join(', ')})`);
    console.log(`  agent / raw: ${(ratio * 100).toFixed(0)} % (goal: at least 50 %) -> ${ratio >= 0.5 ? 'MET' : 'NOT MET'}`);
    console.log(`  ${machineLine()}`);
  } finally {
    agent.kill('SIGTERM');
    await new Promise((r) => agent.once('exit', r));
    await connections.close();
    await app.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
