/**
 * Runs build steps on the machine of a node: the part of an agent that starts processes, whichever
 * way it talks to its controller (the built-in node's launcher process over IPC, an agent over the
 * network). It loads Node's own modules, the process-group part and the secret masker only, so
 * that the processes that use it stay small.
 *
 * Every process it starts (a step, or a waiting `/bin/sh -s` that a `go` turns into one) runs in a
 * process group of its own, as the given user when there is one. Output is masked, then told in
 * order; `exit` comes after every byte of output and once the processes the step left behind
 * (found by its build's cookie) are ended.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import type { FromAgent, StepBuild, Unversioned } from '../agent-protocol/index.js';
import { signalGroup } from '../process-group/index.js';
import { reapLeftovers, terminateTree } from '../process-group/tree.js';
import { SecretMasker, type ChunkMasker } from '../security/secrets/secret-masker.js';

/** The user and group steps run as, when not this process's own. */
export interface RunAs {
  readonly uid: number;
  readonly gid: number;
}

interface Running {
  readonly child: ChildProcess;
  /** Set by `go` for a waiting shell; from the start for a spawned step. */
  build: StepBuild | undefined;
  masker: ChunkMasker | undefined;
  /** Resolves once the process has closed (exited, its output read). */
  readonly closed: Promise<void>;
}

export function exitCode(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal === null ? 1 : (osConstants.signals[signal] ?? 1));
}

export class StepRunner {
  readonly #tell: (m: Unversioned<FromAgent>) => void;
  readonly #runAs: RunAs | Record<string, never>;
  readonly #running = new Map<number, Running>();
  /** Called when the last process has closed. */
  onIdle: (() => void) | undefined;

  constructor(tell: (m: Unversioned<FromAgent>) => void, runAs?: RunAs) {
    this.#tell = tell;
    this.#runAs = runAs ?? {};
  }

  /** Processes started and not yet closed. */
  get size(): number {
    return this.#running.size;
  }

  has(id: number): boolean {
    return this.#running.has(id);
  }

  /** Starts a step directly. */
  spawn(id: number, command: string, args: readonly string[], cwd: string, env: Record<string, string>, build: StepBuild): void {
    this.#start(id, command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] }, build);
  }

  /** Starts a waiting shell that a later `go` makes a step. */
  prefork(id: number, env: Record<string, string>): void {
    const r = this.#start(id, '/bin/sh', ['-s'], { cwd: '/', env, stdio: ['pipe', 'pipe', 'pipe'] }, undefined);
    r?.child.stdin?.on('error', () => undefined);
  }

  /** Gives the waiting shell `id` its step; false when there is no such shell waiting. */
  go(id: number, script: string, build: StepBuild, hold = false): boolean {
    const r = this.#running.get(id);
    if (r === undefined || r.build !== undefined) return false;
    r.build = build;
    r.masker = maskerFor(build);
    // Held: the shell runs what it was given (the environment, the directory) and waits for the rest.
    if (hold) r.child.stdin?.write(script);
    else r.child.stdin?.end(script);
    return true;
  }

  /** The rest of a held step's script; its standard input ends after it. */
  release(id: number, script: string): void {
    this.#running.get(id)?.child.stdin?.end(script);
  }

  /** Ends the step's whole process tree (TERM, KILL after `graceMs`); its exit is told as usual. */
  stop(id: number, graceMs: number): void {
    const r = this.#running.get(id);
    if (r === undefined) return;
    const pid = r.child.pid;
    if (r.build === undefined) {
      if (pid !== undefined) signalGroup(pid, 'SIGKILL');
      return;
    }
    void terminateTree({ pid, exited: r.closed }, r.build.cookie, graceMs);
  }

  /**
   * Stops reading the step's output pipes (backpressure: once the pipes fill, its writes block),
   * or reads them again.
   */
  setReading(id: number, reading: boolean): void {
    const child = this.#running.get(id)?.child;
    for (const pipe of [child?.stdout, child?.stderr]) {
      if (reading) pipe?.resume();
      else pipe?.pause();
    }
  }

  /** Sends `signal` to the process group of everything started (the controller is gone). */
  signalAll(signal: NodeJS.Signals): void {
    for (const r of this.#running.values()) {
      if (r.child.pid !== undefined) signalGroup(r.child.pid, signal);
    }
  }

  #start(id: number, command: string, args: readonly string[], options: SpawnOptions, build: StepBuild | undefined): Running | undefined {
    let child: ChildProcess;
    try {
      child = spawn(command, args, { ...options, ...this.#runAs, detached: true });
    } catch (err) {
      this.#tell({ type: 'spawned', id, pid: undefined });
      this.#tell({ type: 'output', id, chunk: Buffer.from(`ERROR: cannot run ${command}: ${err instanceof Error ? err.message : String(err)}\n`) });
      this.#tell({ type: 'exit', id, code: 127 });
      return undefined;
    }
    let failed = false;
    let resolveClosed!: () => void;
    const r: Running = { child, build, masker: build === undefined ? undefined : maskerFor(build), closed: new Promise((resolve) => (resolveClosed = resolve)) };
    child.once('error', (err) => {
      failed = true;
      this.#tell({ type: 'output', id, chunk: Buffer.from(`ERROR: cannot run ${command}: ${err.message}\n`) });
      this.#tell({ type: 'exit', id, code: 127 });
    });
    this.#tell({ type: 'spawned', id, pid: child.pid });
    if (child.pid !== undefined) this.#running.set(id, r);
    const relay = (chunk: Buffer): void => {
      const masked = r.masker === undefined ? chunk : r.masker.write(chunk);
      if (masked.length > 0) this.#tell({ type: 'output', id, chunk: masked });
    };
    child.stdout?.on('data', relay);
    child.stderr?.on('data', relay);
    // 'close' (not 'exit'): every byte of output has been relayed first.
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
      resolveClosed();
      const rest = r.masker?.end();
      if (rest !== undefined && rest.length > 0) this.#tell({ type: 'output', id, chunk: rest });
      const cookie = r.build?.cookie;
      void (cookie === undefined ? Promise.resolve() : reapLeftovers(child.pid, cookie)).finally(() => {
        this.#running.delete(id);
        if (!failed) this.#tell({ type: 'exit', id, code: exitCode(code, signal) });
        if (this.#running.size === 0) this.onIdle?.();
      });
    });
    return r;
  }
}

function maskerFor(build: StepBuild): ChunkMasker | undefined {
  const masker = new SecretMasker(build.mask);
  return masker.isEmpty ? undefined : masker.stream();
}
