/**
 * What the real-server fixtures (Redis, etcd, ZooKeeper, PostgreSQL) share: a temporary directory
 * the fixture owns, and one foreground server process at a time, started as TEST-SERVERS.md says,
 * with the tail of its output kept for error messages. A subclass says what to run and when the
 * server is ready.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface ServerCommand {
  /** A name on PATH or a path. */
  file: string;
  args: string[];
  /** The Debian package that provides `file`, named when it cannot be run. */
  debianPackage: string;
  /** The user to run as (PostgreSQL refuses to run as root). */
  user?: { uid: number; gid: number };
}

export interface ServerOptions {
  /** The server's name in error messages. */
  name: string;
  /** How long a start may take until `isReady()` answers true. */
  readyTimeoutMs: number;
  /** How the server is stopped: `signal`, then `force` if it has not exited after `forceAfterMs`. */
  stop?: { signal: NodeJS.Signals; force: NodeJS.Signals; forceAfterMs: number };
}

/** Keeps this many chunks of the server's stdout and stderr. */
const OUTPUT_CHUNKS = 200;

export function serverDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

export abstract class ServerProcess {
  readonly dir: string;
  /** How long the last start took until the server was ready. */
  startedInMs = 0;
  readonly #options: Required<ServerOptions>;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #output: string[] = [];

  protected constructor(dir: string, options: ServerOptions) {
    this.dir = dir;
    this.#options = { stop: { signal: 'SIGTERM', force: 'SIGKILL', forceAfterMs: 5000 }, ...options };
  }

  /** What to run; the same command at every start, so a restart keeps the ports and the data. */
  protected abstract command(): ServerCommand;

  /** One probe: true once the server accepts clients. */
  protected abstract isReady(): Promise<boolean>;

  /** Writes what the server needs in `dir` before its first start. */
  protected async prepare(): Promise<void> {}

  get running(): boolean {
    return this.#child !== undefined;
  }

  /** The first start: prepare() and launch(); on failure the process is stopped and `dir` removed. */
  protected async open(): Promise<void> {
    try {
      await this.prepare();
      await this.launch();
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Spawns the server and resolves once it is ready; rejects, the process stopped, if it is not. */
  protected async launch(timeoutMs = this.#options.readyTimeoutMs): Promise<void> {
    const { name } = this.#options;
    const { file, args, debianPackage, user } = this.command();
    const started = performance.now();
    const child = spawn(file, args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'], ...user });
    this.#child = child;
    this.#output = [];
    let failure: string | undefined;
    this.#exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        failure ??= `${name} exited (${code ?? signal}) while starting`;
        resolve();
      });
      child.once('error', (err) => {
        failure ??= `cannot run ${file} (apt-get install -y ${debianPackage}): ${err.message}`;
        resolve();
      });
    });
    const keep = (chunk: Buffer) => {
      this.#output.push(String(chunk));
      if (this.#output.length > OUTPUT_CHUNKS) this.#output.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (failure !== undefined) {
        this.#child = undefined;
        throw new Error(`${failure}:\n${this.#output.join('')}`);
      }
      if (await this.isReady()) break;
      if (Date.now() > deadline) {
        await this.kill();
        throw new Error(`${name} is not ready after ${timeoutMs} ms:\n${this.#output.join('')}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    this.startedInMs = performance.now() - started;
  }

  /** Stops the server (by default SIGTERM, then SIGKILL after 5 s); `dir` stays until stop(). */
  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const { signal, force, forceAfterMs } = this.#options.stop;
    child.kill(signal);
    const timer = setTimeout(() => child.kill(force), forceAfterMs);
    await this.#exited;
    clearTimeout(timer);
  }

  /** Stops the server and starts it again with the same command; `downMs` is how long it stays down. */
  async restart(downMs = 0): Promise<void> {
    await this.kill();
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.launch();
  }

  /** Stops the server and removes `dir`. */
  async stop(): Promise<void> {
    await this.kill();
    await rm(this.dir, { recursive: true, force: true });
  }
}
