import { Worker } from 'node:worker_threads';

/**
 * Starts step processes from a worker thread. On Linux, Node's spawn forks the whole controller
 * and waits for the exec on the calling thread (several milliseconds, more for a large process);
 * in a worker that wait leaves the controller's event loop free to answer requests and schedule.
 * The worker relays each process's output and exit in order.
 */
export interface StepProcess {
  /** Resolves with the pid once the process runs (undefined if it could not start). */
  readonly pid: Promise<number | undefined>;
  /** Resolves with the exit code (128+signal when killed by a signal; 127 if it could not start). */
  readonly exited: Promise<number>;
}

export interface LaunchOptions {
  command: string;
  args: readonly string[];
  cwd: string;
  env: Record<string, string>;
  onOutput: (chunk: Buffer) => void;
}

type FromWorker =
  | { type: 'spawned'; id: number; pid: number | undefined }
  | { type: 'output'; id: number; chunk: Uint8Array }
  | { type: 'exit'; id: number; code: number };

// Plain JavaScript: the worker runs without the TypeScript loader.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { spawn } = require('node:child_process');
const SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
parentPort.on('message', (m) => {
  let child;
  try {
    // Its own process group (detached), so that a stop reaches the whole tree with one signal.
    child = spawn(m.command, m.args, { cwd: m.cwd, env: m.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    parentPort.postMessage({ type: 'spawned', id: m.id, pid: undefined });
    parentPort.postMessage({ type: 'output', id: m.id, chunk: Buffer.from(String(err && err.message) + '\\n') });
    parentPort.postMessage({ type: 'exit', id: m.id, code: 127 });
    return;
  }
  let failed = false;
  child.once('error', (err) => {
    failed = true;
    parentPort.postMessage({ type: 'output', id: m.id, chunk: Buffer.from('ERROR: cannot run ' + m.command + ': ' + err.message + '\\n') });
    parentPort.postMessage({ type: 'exit', id: m.id, code: 127 });
  });
  parentPort.postMessage({ type: 'spawned', id: m.id, pid: child.pid });
  const relay = (chunk) => parentPort.postMessage({ type: 'output', id: m.id, chunk });
  child.stdout.on('data', relay);
  child.stderr.on('data', relay);
  // 'close' (not 'exit'): every byte of output has been relayed first.
  child.once('close', (code, signal) => {
    if (failed) return;
    parentPort.postMessage({ type: 'exit', id: m.id, code: code !== null ? code : 128 + (SIGNALS[signal] || 1) });
  });
});
`;

interface Pending {
  onOutput: (chunk: Buffer) => void;
  resolvePid: (pid: number | undefined) => void;
  resolveExit: (code: number) => void;
}

export class Launcher {
  #worker: Worker | undefined;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();

  #ensureWorker(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.on('message', (m: FromWorker) => {
      const p = this.#pending.get(m.id);
      if (p === undefined) return;
      if (m.type === 'spawned') p.resolvePid(m.pid);
      else if (m.type === 'output') p.onOutput(Buffer.from(m.chunk.buffer, m.chunk.byteOffset, m.chunk.byteLength));
      else {
        this.#pending.delete(m.id);
        p.resolvePid(undefined);
        p.resolveExit(m.code);
        if (this.#pending.size === 0) worker.unref();
      }
    });
    worker.on('error', (err) => this.#failAll(`the launcher stopped: ${err.message}`));
    worker.on('exit', () => {
      this.#worker = undefined;
      this.#failAll('the launcher stopped');
    });
    this.#worker = worker;
    return worker;
  }

  #failAll(reason: string): void {
    for (const [id, p] of this.#pending) {
      this.#pending.delete(id);
      p.onOutput(Buffer.from(`ERROR: ${reason}\n`));
      p.resolvePid(undefined);
      p.resolveExit(127);
    }
  }

  spawn(opts: LaunchOptions): StepProcess {
    const id = this.#nextId++;
    let resolvePid!: (pid: number | undefined) => void;
    let resolveExit!: (code: number) => void;
    const pid = new Promise<number | undefined>((r) => (resolvePid = r));
    const exited = new Promise<number>((r) => (resolveExit = r));
    this.#pending.set(id, { onOutput: opts.onOutput, resolvePid, resolveExit });
    const worker = this.#ensureWorker();
    // Keep the process alive while a step runs; let it exit when only an idle worker is left.
    worker.ref();
    worker.postMessage({ id, command: opts.command, args: opts.args, cwd: opts.cwd, env: opts.env });
    return { pid, exited };
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker !== undefined) await worker.terminate();
  }
}
