/**
 * `steward agent`: a node's agent on another machine. It connects to the controller over a
 * WebSocket (`URL` + `agent`), says who it is and what it holds, and runs the steps it is given
 * with the same step runner as the built-in node's launcher process. Each step's output is spooled
 * in the work dir and sent with its offset; after a lost connection the agent keeps its steps
 * running, tries its URLs in turn with exponential backoff and jitter, and resends what the
 * controller lacks. See docs/agents.md.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import {
  CLOSE_PROTOCOL,
  MAX_FRAME_BYTES,
  NETWORK_VERSIONS,
  PROTOCOL_VERSION,
  parseControllerMessage,
  parseJsonFrame,
  type AgentMessage,
  type ControllerMessage,
  type FromAgent,
  type Hello,
  type Unversioned,
} from '../agent-protocol/index.js';
import { AgentFiles } from './agent-files.js';
import { SpooledStep, versioned, type StepLink } from './spooled-step.js';
import { StepRunner } from './step-runner.js';

export interface AgentOptions {
  /** The controllers' URLs (http(s):// or ws(s)://), tried in turn. */
  urls: readonly string[];
  name: string;
  secret: string;
  workDir: string;
  executors: number;
  labels: string;
  version: string;
  logger: Logger;
  /** Unacknowledged output per step past which its pipes are no longer read (default 4 MiB). */
  windowBytes?: number;
  /** The first wait before connecting again; it doubles up to `maxBackoffMs`. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** How often the agent pings the controller; a connection silent for two of these is dropped. */
  pingMs?: number;
}

/** Why the agent stopped for good: the controller refused it for a reason a retry does not change. */
export class AgentRefused extends Error {}

const DEFAULT_WINDOW = 4 * 1024 * 1024;
/** How long steps get between TERM and KILL when the agent stops or a step is dropped. */
const STOP_GRACE_MS = 5_000;

/** The WebSocket address of a controller's agent endpoint: `URL` + `agent`, in ws(s). */
export function agentEndpoint(url: string): string {
  const u = new URL(url);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  else if (u.protocol === 'https:') u.protocol = 'wss:';
  else if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new Error(`${url} is not an http(s) or ws(s) URL`);
  if (!u.pathname.endsWith('/')) u.pathname += '/';
  u.pathname += 'agent';
  u.search = '';
  u.hash = '';
  return u.toString();
}

export class Agent {
  readonly #o: AgentOptions;
  readonly #log: Logger;
  readonly #runner: StepRunner;
  /** Steps held, by the controller's id. */
  readonly #steps = new Map<string, SpooledStep>();
  /** The runner's numbers for the steps held. */
  readonly #numbers = new Map<string, number>();
  readonly #byNumber = new Map<number, SpooledStep>();
  #nextNumber = 1;
  readonly #files: AgentFiles;
  #ws: WebSocket | undefined;
  #link: StepLink | undefined;
  #stopping = false;

  constructor(o: AgentOptions) {
    this.#o = o;
    this.#log = o.logger;
    this.#runner = new StepRunner((m) => this.#fromRunner(m));
    this.#files = new AgentFiles(o.workDir);
  }

  get #spoolDir(): string {
    return path.join(this.#o.workDir, 'spool');
  }

  /** Connects and serves until `signal` aborts (resolves) or a controller refuses it for good (rejects with AgentRefused). */
  async run(signal: AbortSignal): Promise<void> {
    await mkdir(path.join(this.#o.workDir, 'workspace'), { recursive: true });
    await this.#clearOldSpool();
    const urls = this.#o.urls.map(agentEndpoint);
    let failures = 0;
    let i = 0;
    try {
      while (!signal.aborted) {
        const url = urls[i % urls.length] as string;
        i++;
        const outcome = await this.#connection(url, signal);
        if (outcome === 'welcomed') failures = 0;
        else failures++;
        if (signal.aborted) break;
        const delay = this.#backoff(failures);
        this.#log.info({ url: urls[i % urls.length], delayMs: delay }, `connecting again in ${(delay / 1000).toFixed(1)} s`);
        await sleep(delay, signal);
      }
    } finally {
      await this.#stopAll();
    }
  }

  #backoff(failures: number): number {
    const initial = this.#o.initialBackoffMs ?? 500;
    const max = this.#o.maxBackoffMs ?? 15_000;
    const base = Math.min(max, initial * 2 ** Math.min(failures, 20));
    // Jitter: agents that lost one controller together do not all come back at the same instant.
    return Math.round(base * (0.5 + Math.random() / 2));
  }

  async #clearOldSpool(): Promise<void> {
    await mkdir(this.#spoolDir, { recursive: true, mode: 0o700 });
    const old = await readdir(this.#spoolDir);
    if (old.length > 0) {
      this.#log.warn({ files: old.length }, `removing ${old.length} spool files left by an earlier run of this agent; their steps ended with it`);
      for (const f of old) await rm(path.join(this.#spoolDir, f), { force: true });
    }
  }

  /** One connection, from open to close. Rejects with AgentRefused when refused for good. */
  #connection(url: string, signal: AbortSignal): Promise<'welcomed' | 'failed'> {
    return new Promise((resolve, reject) => {
      const log = this.#log.child({ url });
      log.info(`connecting to ${url} as node ${this.#o.name}`);
      const ws = new WebSocket(url, { maxPayload: MAX_FRAME_BYTES, handshakeTimeout: 10_000, perMessageDeflate: false });
      let welcomed = false;
      let refusal: AgentRefused | undefined;
      let alive = true;
      const pingMs = this.#o.pingMs ?? 10_000;
      const pinger = setInterval(() => {
        // Still connecting (the handshake has its own timeout): ws.ping() would throw and end the agent.
        if (ws.readyState !== WebSocket.OPEN) return;
        if (!alive) {
          log.warn(`the controller at ${url} answered no ping for ${(2 * pingMs) / 1000} s; dropping the connection`);
          ws.terminate();
          return;
        }
        alive = false;
        ws.ping();
      }, pingMs);
      const onAbort = (): void => {
        ws.close(1001, 'the agent is stopping');
        // A controller that is gone never answers the close (ws would wait 30 s for it).
        setTimeout(() => ws.terminate(), STOP_CLOSE_WAIT_MS).unref();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      ws.on('pong', () => (alive = true));
      ws.on('ping', () => (alive = true));
      ws.on('open', () => {
        const hello: Hello = {
          v: PROTOCOL_VERSION,
          type: 'hello',
          versions: [...NETWORK_VERSIONS],
          name: this.#o.name,
          secret: this.#o.secret,
          agentVersion: this.#o.version,
          os: os.platform(),
          arch: os.arch(),
          executors: this.#o.executors,
          labels: this.#o.labels,
          holds: [...this.#steps.values()].map((s) => s.held()),
        };
        ws.send(JSON.stringify(hello));
      });
      ws.on('unexpected-response', (_req, res) => {
        log.warn({ status: res.statusCode }, `the controller at ${url} answered HTTP ${res.statusCode} instead of accepting the agent (a standby, or no agent endpoint)`);
        res.resume();
        ws.terminate();
      });
      ws.on('message', (data: Buffer, isBinary) => {
        alive = true;
        if (isBinary) {
          this.#violation(ws, log, 'a binary frame from the controller (it sends none)');
          return;
        }
        let m: ControllerMessage;
        try {
          m = parseControllerMessage(parseJsonFrame(data.toString('utf8')));
        } catch (err) {
          this.#violation(ws, log, err instanceof Error ? err.message : String(err));
          return;
        }
        if (!welcomed) {
          if (m.type === 'refused') {
            log.error({ code: m.code }, `the controller refused this agent: ${m.reason}`);
            if (m.code !== 'connected' && m.code !== 'not-ready') refusal = new AgentRefused(`the controller at ${url} refused this agent: ${m.reason}`);
            return;
          }
          if (m.type !== 'welcome') {
            this.#violation(ws, log, `a ${m.type} message before the welcome`);
            return;
          }
          welcomed = true;
          this.#attach(ws, m, log);
          return;
        }
        this.#receive(ws, m, log);
      });
      ws.on('error', (err) => log.warn({ err: err.message }, `the connection to ${url} failed: ${err.message}`));
      ws.on('close', (code, reason) => {
        clearInterval(pinger);
        signal.removeEventListener('abort', onAbort);
        if (this.#ws === ws) this.#detach();
        if (welcomed && signal.aborted) log.info(`disconnected from ${url}`);
        else if (welcomed) log.warn({ code, reason: reason.toString() }, `lost the connection to ${url}${reason.length > 0 ? `: ${reason.toString()}` : ''} (${code}); the steps go on`);
        if (refusal !== undefined) reject(refusal);
        else resolve(welcomed ? 'welcomed' : 'failed');
      });
    });
  }

  #violation(ws: WebSocket, log: Logger, what: string): void {
    log.error(`closing the connection: the controller sent ${what}`);
    ws.close(CLOSE_PROTOCOL, 'protocol error');
  }

  #attach(ws: WebSocket, welcome: Extract<ControllerMessage, { type: 'welcome' }>, log: Logger): void {
    this.#ws = ws;
    const link: StepLink = {
      sendBinary: (data, done) => ws.send(data, { binary: true }, done),
      sendJson: (m) => ws.send(JSON.stringify(versioned(m))),
    };
    this.#link = link;
    log.info(
      { controller: welcome.controller, adopted: welcome.adopt.length, dropped: welcome.drop.length },
      `connected to the controller as node ${this.#o.name}${welcome.adopt.length > 0 ? `; it continues ${welcome.adopt.length} running steps` : ''}`,
    );
    const adopted = new Set<string>();
    for (const a of welcome.adopt) {
      const step = this.#steps.get(a.id);
      if (step === undefined) continue;
      adopted.add(a.id);
      step.attach(link, a.offset);
    }
    for (const step of [...this.#steps.values()]) {
      if (adopted.has(step.id)) continue;
      // The controller does not know it (not named, or named in drop): it is not run on anyone's behalf.
      log.warn({ step: step.id, job: step.job, build: step.number }, `stopping the step of ${step.job} #${step.number}: the controller does not continue it`);
      this.#drop(step);
    }
  }

  #detach(): void {
    this.#ws = undefined;
    this.#link = undefined;
    for (const step of this.#steps.values()) step.detach();
    this.#files.cancelReads();
  }

  #drop(step: SpooledStep): void {
    const n = this.#numbers.get(step.id);
    if (n !== undefined && this.#runner.has(n)) this.#runner.stop(n, STOP_GRACE_MS);
    this.#forget(step);
  }

  #forget(step: SpooledStep): void {
    this.#steps.delete(step.id);
    const n = this.#numbers.get(step.id);
    this.#numbers.delete(step.id);
    if (n !== undefined) this.#byNumber.delete(n);
    void step.release().catch((err: unknown) => this.#log.warn({ err: String(err) }, `could not remove the spool file of a step of ${step.job} #${step.number}`));
  }

  #send(ws: WebSocket, m: Unversioned<AgentMessage>): void {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(versioned(m)));
  }

  #receive(ws: WebSocket, m: ControllerMessage, log: Logger): void {
    switch (m.type) {
      case 'launch':
        this.#launch(ws, m, log);
        return;
      case 'ack':
        this.#steps.get(m.id)?.ack(m.offset);
        return;
      case 'stop': {
        const n = this.#numbers.get(m.id);
        if (n !== undefined) {
          log.info({ step: m.id }, `stopping the step ${m.id} (TERM, then KILL after ${m.graceMs} ms)`);
          this.#runner.stop(n, m.graceMs);
        }
        return;
      }
      case 'release': {
        const step = this.#steps.get(m.id);
        if (step !== undefined) this.#forget(step);
        return;
      }
      case 'fileAck':
        this.#files.fileAck(m.req, m.offset);
        return;
      case 'welcome':
      case 'refused':
        this.#violation(ws, log, `a second ${m.type}`);
        return;
      default:
        void this.#files.answer(m, (data) => ws.send(data, { binary: true })).then((reply) => this.#send(ws, reply));
    }
  }

  #launch(ws: WebSocket, m: Extract<ControllerMessage, { type: 'launch' }>, log: Logger): void {
    if (this.#steps.has(m.id)) {
      // Never twice: a build's step runs once, whatever the controller asks.
      log.warn({ step: m.id, job: m.job, build: m.number }, `refused to start step ${m.id} of ${m.job} #${m.number} again: it is running or not yet released`);
      this.#send(ws, { type: 'launchRefused', id: m.id, reason: `this agent already holds step ${m.id}` });
      return;
    }
    const n = this.#nextNumber++;
    const spoolName = createHash('sha256').update(m.id).digest('hex').slice(0, 32);
    const step = new SpooledStep({
      id: m.id,
      job: m.job,
      number: m.number,
      cookie: m.cookie,
      spoolPath: path.join(this.#spoolDir, spoolName),
      window: this.#o.windowBytes ?? DEFAULT_WINDOW,
      setReading: (reading) => this.#runner.setReading(n, reading),
      onSpoolError: (err) => {
        log.error({ step: m.id, err: err.message }, `stopping the step of ${m.job} #${m.number}: its output cannot be spooled: ${err.message}`);
        this.#runner.stop(n, STOP_GRACE_MS);
      },
    });
    this.#steps.set(m.id, step);
    this.#numbers.set(m.id, n);
    this.#byNumber.set(n, step);
    if (this.#link !== undefined) step.attach(this.#link, 0);
    log.info({ step: m.id, job: m.job, build: m.number }, `running a step of ${m.job} #${m.number}: ${m.command}`);
    this.#runner.spawn(n, m.command, m.args, m.cwd, m.env, { cookie: m.cookie, mask: m.mask });
  }

  #fromRunner(m: Unversioned<FromAgent>): void {
    const step = this.#byNumber.get(m.id);
    if (step === undefined) return;
    if (m.type === 'spawned') {
      if (this.#ws !== undefined) this.#send(this.#ws, { type: 'started', id: step.id, pid: m.pid ?? null });
    } else if (m.type === 'output') {
      step.output(Buffer.from(m.chunk.buffer, m.chunk.byteOffset, m.chunk.byteLength));
    } else {
      this.#log.info({ step: step.id, job: step.job, build: step.number, code: m.code }, `the step of ${step.job} #${step.number} ended with status ${m.code}`);
      step.exited(m.code);
    }
  }

  /** The agent stops: every step ends (TERM, KILL after a grace) and the temporary files go. */
  async #stopAll(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    const running = this.#runner.size;
    if (running > 0) {
      this.#log.info({ steps: running }, `stopping ${running} running steps`);
      const idle = new Promise<void>((resolve) => (this.#runner.onIdle = resolve));
      this.#runner.signalAll('SIGTERM');
      const kill = setTimeout(() => this.#runner.signalAll('SIGKILL'), STOP_GRACE_MS);
      await idle;
      clearTimeout(kill);
    }
    for (const step of [...this.#steps.values()]) this.#forget(step);
    await this.#files.close();
  }
}

/** How long a stopping agent waits for the controller to answer its close. */
const STOP_CLOSE_WAIT_MS = 2_000;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
