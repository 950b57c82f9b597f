/**
 * Shared helpers of the end-to-end benchmarks: the machine line, a `steward start` child process on
 * a home, config.xml text, percentiles. Not a benchmark itself (bench/run.ts skips it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ControllerClient } from '../test/support/controller-client.js';
import { freestyleXml as fixtureXml, stringParam } from '../test/support/steward-process.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const STEWARD_BIN = path.join(REPO, 'bin', 'steward.js');

/** Clock ticks per second (getconf CLK_TCK): 100 on Linux. */
const CLOCK_TICKS = 100;

/** BENCH_QUICK=1: a smoke-sized run that takes seconds. */
export const QUICK = process.env.BENCH_QUICK === '1' || process.env.BENCH_QUICK === 'true';

export function machineLine(): string {
  const cpus = os.cpus();
  const gib = (os.totalmem() / 2 ** 30).toFixed(1);
  return `machine: ${cpus[0]?.model.trim() ?? 'unknown cpu'}, ${cpus.length} cores, ${gib} GiB RAM, node ${process.version}, ${os.type()} ${os.release()} ${os.arch()}, load ${os.loadavg()[0]?.toFixed(2)} (1 min)`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface StartOptions {
  /** A fixed port; 0 (default) lets the controller pick and reads it from the ready line. */
  port?: number;
  /** Extra node flags for the controller (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** Where the controller's log goes (a file, so that the bench process does not pay for reading it). */
  logFile: string;
  env?: Record<string, string>;
  /** Do not wait for the ready line (the caller measures readiness itself). */
  noWait?: boolean;
  /** More `steward start` options (e.g. `--lock URL --lease-ttl 2s`). */
  args?: string[];
}

/**
 * A `steward start` child process logging to a file; once ready, its requests (ControllerClient's)
 * go as `admin` with an API token.
 */
export class Controller extends ControllerClient {
  readonly exited: Promise<void>;
  readyLine: Record<string, unknown> | undefined;

  private constructor(
    readonly child: ChildProcess,
    readonly logFile: string,
    port: number,
    home: string,
  ) {
    super(home, port);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  get pid(): number {
    return this.child.pid as number;
  }

  static async start(home: string, o: StartOptions): Promise<Controller> {
    mkdirSync(path.dirname(o.logFile), { recursive: true });
    const fd = openSync(o.logFile, 'w');
    const port = o.port ?? 0;
    const child = spawn(process.execPath, [...(o.nodeArgs ?? []), STEWARD_BIN, 'start', '--home', home, '--port', String(port), '--host', '127.0.0.1', '--agent-port', '-1', ...(o.args ?? [])], {
      stdio: ['ignore', fd, fd],
      env: { ...process.env, STEWARD_LOG_LEVEL: 'info', ...(o.env ?? {}) },
    });
    closeSync(fd);
    const c = new Controller(child, o.logFile, port, home);
    if (o.noWait !== true) await c.waitReadyLine();
    return c;
  }

  /** Waits for the "Steward is ready" log line, takes the port from it and signs in. */
  async waitReadyLine(timeoutMs = 60_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = readFileSync(this.logFile, 'utf8');
      for (const line of text.split('\n')) {
        if (!line.includes('Steward is ready')) continue;
        const j = JSON.parse(line) as Record<string, unknown>;
        this.readyLine = j;
        this.port = Number(j.port);
        await this.signIn('bench');
        return j;
      }
      if (this.child.exitCode !== null) throw new Error(`steward exited with ${this.child.exitCode}:\n${text.slice(-4000)}`);
      if (Date.now() > deadline) throw new Error(`steward did not become ready:\n${text.slice(-4000)}`);
      await sleep(10);
    }
  }

  /** Resident set size of the controller process, in bytes (Linux: /proc/PID/status VmRSS). */
  rss(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m === null ? Number.NaN : Number(m[1]) * 1024;
  }

  /** Creates an agent node (POST computer/doCreateItem, as `steward node create` does) and returns its agent's secret. */
  async createAgentNode(name: string, o: { executors: number; remoteFS: string; labels?: string }): Promise<string> {
    const fields = {
      nodeDescription: '',
      numExecutors: o.executors,
      remoteFS: o.remoteFS,
      labelString: o.labels ?? '',
      mode: 'NORMAL',
      retentionStrategy: { 'stapler-class': 'hudson.slaves.RetentionStrategy$Always' },
      nodeProperties: { 'stapler-class-bag': 'true' },
      launcher: { 'stapler-class': 'hudson.slaves.JNLPLauncher' },
    };
    const form = new URLSearchParams({ name, type: 'hudson.slaves.DumbSlave', json: JSON.stringify(fields) });
    const res = await this.fetch('computer/doCreateItem', { method: 'POST', body: form });
    await res.arrayBuffer();
    if (res.status >= 400) throw new Error(`create node ${name}: ${res.status}`);
    const jnlp = await (await this.fetch(`computer/${encodeURIComponent(name)}/jenkins-agent.jnlp`)).text();
    const secret = /<application-desc[^>]*><argument>([0-9a-f]+)<\/argument>/.exec(jnlp)?.[1];
    if (secret === undefined) throw new Error(`no secret for node ${name}`);
    return secret;
  }

  /** The sum of a metric's samples on /metrics (every label together); 0 when it has none. */
  async metric(name: string): Promise<number> {
    const text = await (await this.fetch('metrics')).text();
    let n = 0;
    for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})?\\s+([0-9.e+]+)$`, 'gm'))) n += Number(m[1]);
    return n;
  }

  /** CPU time (user + system) the controller process has used, in ms (Linux: /proc/PID/stat). */
  cpuMs(): number {
    const fields = readFileSync(`/proc/${this.pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    // After "pid (comm) ": state is field 0, utime 11, stime 12 (fields 14 and 15 of proc(5)), in clock ticks.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await this.exited;
    clearTimeout(t);
  }
}

/** A freestyle config.xml the way Jenkins writes it (test/support's, with a benchmark's options). */
export function freestyleXml(opts: { command: string; concurrent?: boolean; quietPeriod?: number; parameter?: string; description?: string; assignedNode?: string }): string {
  return fixtureXml({
    command: opts.command,
    ...(opts.assignedNode === undefined ? {} : { assignedNode: opts.assignedNode }),
    ...(opts.concurrent === undefined ? {} : { concurrent: opts.concurrent }),
    ...(opts.quietPeriod === undefined ? {} : { quietPeriod: opts.quietPeriod }),
    ...(opts.parameter === undefined ? {} : { parameters: stringParam(opts.parameter, '') }),
    ...(opts.description === undefined ? {} : { description: opts.description }),
  });
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] as number;
}

export function summary(values: readonly number[]): { n: number; mean: number; p50: number; p90: number; p99: number; min: number; max: number } {
  const s = [...values].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / Math.max(1, s.length);
  return { n: s.length, mean, p50: percentile(s, 0.5), p90: percentile(s, 0.9), p99: percentile(s, 0.99), min: s[0] ?? NaN, max: s.at(-1) ?? NaN };
}

export const ms = (x: number, digits = 2): string => `${x.toFixed(digits)} ms`;
export const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** Where a benchmark keeps its scratch homes and logs. */
export function scratchDir(name: string): string {
  const dir = path.join(os.tmpdir(), `steward-bench-${name}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}
