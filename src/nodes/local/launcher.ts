import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import { PROTOCOL_VERSION, WATCHDOG_EXIT_CODE, parseFromAgent, type FromAgent, type ToAgent, type Unversioned } from '../../agent-protocol/index.js';
import type { RunAs } from '../../agent/step-runner.js';
import { moduleEntry } from '../../process-entry/index.js';
import type { LaunchOptions, StepProcess } from '../channel.js';

/**
 * Starts step processes.
 *
 * On Linux, Node's spawn forks the whole calling process and waits for the exec: several
 * milliseconds, more for a large process, and a fork of the controller holds up its other threads
 * (file system work included) while the kernel copies its memory map. Two things keep that off a
 * build's critical path:
 * - Steps are started by a small launcher process (src/agent/launcher-process.ts: Node with
 *   nothing else loaded but the agent protocol and the step runner), so the forks copy its small memory map, not the controller's, and the controller never blocks.
 * - A few shells are started ahead of time (`/bin/sh -s`, blocked reading their standard input),
 *   and replaced after a step ends.
 *   A step takes one and sends it a short script that sets the step's exact environment, changes
 *   to its directory and `exec`s the step's command with standard input from /dev/null. The step
 *   then costs one exec instead of a fork of the controller. A step whose environment the shell
 *   cannot express (a variable name that is not a shell name) is spawned directly.
 *
 * Each process runs in its own process group, so that a stop reaches its whole tree with one
 * signal. The launcher process relays each process's output and exit in order. When the
 * controller is gone (its IPC channel closes: a crash, a kill -9), the launcher ends the steps it
 * started, TERM to each process group and KILL to what is left after {@link ORPHAN_GRACE_MS},
 * then exits: a build on the built-in node never outlives its controller, so a controller that
 * takes over cannot start the job's next build beside a leftover one. (A process that left its
 * group with setsid escapes this; a stop ends those too, by the build's cookie.)
 *
 * A controller can also be gone without its channel closing: paused (SIGSTOP, a frozen VM) while
 * its steps run on, long enough for its lease to pass to a standby. With a watchdog, the controller
 * sends a heartbeat from a timer of its own event loop, and a launcher that hears nothing for
 * `watchdogMs` ends the steps the same way and exits. Later launches then fail at once with a line
 * in the build's log; the controller, when it runs again, finds its lease lost and stops.
 */

export { ORPHAN_GRACE_MS } from '../../agent-protocol/index.js';
export type { RunAs } from '../../agent/step-runner.js';

/** Heartbeats per watchdog period: a few may come late before the watchdog fires. */
const HEARTBEATS_PER_WATCHDOG = 5;

export interface LauncherOptions {
  /** Shells kept started and waiting; 0 spawns every step directly. */
  poolSize?: number;
  /** The environment the waiting shells start with (each step's own is set exactly on top). */
  poolEnv?: Record<string, string>;
  /**
   * With a value, this process sends the launcher a heartbeat every fifth of it (from an unref'd
   * timer), and a launcher that hears nothing for this long ends every step (TERM, KILL a fifth
   * of it later) and exits; later launches fail. Without, only a closed channel does.
   */
  watchdogMs?: number;
  /** Where the end of the launcher by its watchdog is reported. */
  logger?: Logger;
  /** Called once when the watchdog has ended the launcher: this process can run no step any more. */
  onStopped?: (reason: string) => void;
  /**
   * The user steps run as, when not this process's own. The launcher itself keeps this process's
   * user (root), so that it can end every step's process group; steps and waiting shells get this
   * uid and gid, and no supplementary groups.
   */
  runAs?: RunAs;
}

interface Pending {
  onOutput: (chunk: Buffer) => void;
  resolvePid: (pid: number | undefined) => void;
  resolveExit: (code: number) => void;
}

/** Single-quotes a word for sh. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

const SHELL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The script a waiting shell runs to become the step: the exact environment (variables it started
 * with but the step has not are unset), the directory, then exec with no standard input. Undefined
 * when a variable name cannot be written in sh.
 */
export function stepScript(
  opts: Pick<LaunchOptions, 'command' | 'args' | 'cwd' | 'env'>,
  poolEnv: Record<string, string>,
): string | undefined {
  const names = Object.keys(opts.env);
  if (!names.every((n) => SHELL_NAME.test(n))) return undefined;
  const lines: string[] = [];
  const gone = Object.keys(poolEnv).filter((n) => !(n in opts.env) && SHELL_NAME.test(n));
  if (gone.length > 0) lines.push(`unset ${gone.join(' ')}`);
  for (const n of names) lines.push(`export ${n}=${shellQuote(opts.env[n] as string)}`);
  lines.push(`cd -- ${shellQuote(opts.cwd)} || exit 127`);
  lines.push(`exec ${[opts.command, ...opts.args].map(shellQuote).join(' ')} </dev/null`);
  return `${lines.join('\n')}\n`;
}

export class Launcher {
  #server: ChildProcess | undefined;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  readonly #poolSize: number;
  readonly #poolEnv: Record<string, string>;
  /** Waiting shells: id -> pid (undefined until the launcher says it runs). */
  readonly #waiting = new Map<number, number | undefined>();
  readonly #watchdogMs: number | undefined;
  readonly #log: Logger | undefined;
  readonly #onStopped: ((reason: string) => void) | undefined;
  readonly #runAs: RunAs | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #closed = false;
  /**
   * Why launches fail, once the watchdog has ended the launcher. It is not started again: this
   * controller went silent long enough for its lease to pass to a standby, whose builds may now
   * run in the same workspaces.
   */
  #stopped: string | undefined;

  constructor(opts: LauncherOptions = {}) {
    this.#poolSize = opts.poolSize ?? 0;
    // Waiting shells only ever hold names sh can unset.
    this.#poolEnv = Object.fromEntries(Object.entries(opts.poolEnv ?? {}).filter(([k]) => SHELL_NAME.test(k)));
    this.#watchdogMs = opts.watchdogMs;
    this.#log = opts.logger;
    this.#onStopped = opts.onStopped;
    this.#runAs = opts.runAs;
  }

  #ensureServer(): ChildProcess {
    if (this.#server !== undefined) return this.#server;
    const watchdogMs = this.#watchdogMs;
    const runAs = this.#runAs === undefined ? [] : [String(this.#runAs.uid), String(this.#runAs.gid)];
    const server = spawn(process.execPath, [...moduleEntry(import.meta.url, '../../agent/launcher-process'), String(watchdogMs ?? 0), ...runAs], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    server.on('message', (input: unknown) => {
      let m: FromAgent;
      try {
        m = parseFromAgent(input);
      } catch (err) {
        this.#log?.error({ err }, 'a message from the launcher was refused');
        return;
      }
      this.#onMessage(m);
    });
    server.on('error', (err) => this.#failAll(`the launcher stopped: ${err.message}`));
    server.on('exit', (code) => {
      if (this.#server === server) {
        this.#server = undefined;
        this.#stopHeartbeat();
      }
      this.#waiting.clear();
      if (code === WATCHDOG_EXIT_CODE && watchdogMs !== undefined) {
        this.#stopped = `the launcher ended every step and stopped: it heard nothing from the controller for ${watchdogMs} ms (the controller was paused or blocked; its lease may have passed to a standby)`;
        this.#log?.error({ watchdogMs }, this.#stopped);
      }
      this.#failAll(this.#stopped ?? 'the launcher stopped');
      if (this.#stopped !== undefined && !this.#closed) this.#onStopped?.(this.#stopped);
    });
    this.#server = server;
    this.#setRef(false);
    if (watchdogMs !== undefined) {
      // From a timer of this process's own event loop, so that they stop when it is paused or blocked.
      this.#heartbeat = setInterval(() => {
        if (server.connected) server.send({ v: PROTOCOL_VERSION, type: 'heartbeat' } satisfies ToAgent, () => undefined);
      }, watchdogMs / HEARTBEATS_PER_WATCHDOG);
      this.#heartbeat.unref();
    }
    return server;
  }

  #stopHeartbeat(): void {
    if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }

  /** The launcher keeps the controller alive only while a step runs. */
  #setRef(on: boolean): void {
    const w = this.#server;
    if (w === undefined) return;
    const channel = w.channel as { ref(): void; unref(): void } | undefined;
    if (on) {
      w.ref();
      channel?.ref();
    } else {
      w.unref();
      channel?.unref();
    }
  }

  #post(m: Unversioned<ToAgent>): void {
    // A launcher whose channel is closed is exiting: its 'exit' fails what it had, with the reason.
    this.#ensureServer().send({ v: PROTOCOL_VERSION, ...m } satisfies ToAgent, () => undefined);
  }

  #onMessage(m: FromAgent): void {
    if (this.#waiting.has(m.id)) {
      // A waiting shell: it reports its pid, and exits only if something killed it before use.
      if (m.type === 'spawned') this.#waiting.set(m.id, m.pid);
      else if (m.type === 'exit') {
        this.#waiting.delete(m.id);
        this.#refill();
      }
      return;
    }
    const p = this.#pending.get(m.id);
    if (p === undefined) return;
    if (m.type === 'spawned') p.resolvePid(m.pid);
    else if (m.type === 'output') p.onOutput(Buffer.from(m.chunk.buffer, m.chunk.byteOffset, m.chunk.byteLength));
    else {
      this.#pending.delete(m.id);
      p.resolvePid(undefined);
      p.resolveExit(m.code);
      if (this.#pending.size === 0) this.#setRef(false);
      // Replacements are started once a step has ended: a fork blocks the launcher for milliseconds,
      // and would hold up the exit of the step it replaces if started right after it.
      this.#refill();
    }
  }

  #failAll(reason: string): void {
    for (const [id, p] of this.#pending) {
      this.#pending.delete(id);
      p.onOutput(Buffer.from(`ERROR: ${reason}\n`));
      p.resolvePid(undefined);
      p.resolveExit(127);
    }
  }

  /** Starts waiting shells until the pool is full. */
  #refill(): void {
    if (this.#closed || this.#stopped !== undefined) return;
    while (this.#waiting.size < this.#poolSize) {
      const id = this.#nextId++;
      this.#waiting.set(id, undefined);
      this.#post({ type: 'prefork', id, env: this.#poolEnv });
    }
  }

  /** Starts the pool ahead of the first step. */
  warm(): void {
    this.#refill();
  }

  spawn(opts: LaunchOptions): StepProcess {
    if (this.#closed) throw new Error('the launcher is closed');
    const stopped = this.#stopped;
    if (stopped !== undefined) {
      const exited = new Promise<number>((resolve) =>
        queueMicrotask(() => {
          void opts.onOutput(Buffer.from(`ERROR: cannot run ${opts.command}: ${stopped}; restart the controller to run builds on the built-in node again\n`));
          resolve(127);
        }),
      );
      return { pid: Promise.resolve(undefined), exited, stop: async () => void (await exited) };
    }
    let resolvePid!: (pid: number | undefined) => void;
    let resolveExit!: (code: number) => void;
    const pid = new Promise<number | undefined>((r) => (resolvePid = r));
    const exited = new Promise<number>((r) => (resolveExit = r));
    const pending: Pending = { onOutput: opts.onOutput, resolvePid, resolveExit };
    const ready = [...this.#waiting].find(([, p]) => p !== undefined);
    const script = ready === undefined ? undefined : stepScript(opts, this.#poolEnv);
    const build = { cookie: opts.build.cookie, mask: opts.mask };
    this.#ensureServer();
    this.#setRef(true);
    let id: number;
    if (ready !== undefined && script !== undefined) {
      const [shell, shellPid] = ready;
      id = shell;
      this.#waiting.delete(id);
      this.#pending.set(id, pending);
      resolvePid(shellPid);
      const release = opts.release;
      if (release === undefined) {
        this.#post({ type: 'go', id, script, ...build });
      } else {
        // The shell sets the environment and the directory now, and execs the command once
        // released: the exec is all that is left on the build's critical path.
        // The script's last line (stepScript) is the one that execs the command.
        const last = script.lastIndexOf('\nexec ') + 1;
        this.#post({ type: 'go', id, script: script.slice(0, last), hold: true, ...build });
        const shellId = id;
        release.then(
          () => this.#post({ type: 'release', id: shellId, script: script.slice(last) }),
          () => {
            if (this.#pending.has(shellId)) this.#post({ type: 'stop', id: shellId, graceMs: 0 });
          },
        );
      }
    } else {
      id = this.#nextId++;
      this.#pending.set(id, pending);
      const spawnId = id;
      const spawn = (): void => this.#post({ type: 'spawn', id: spawnId, command: opts.command, args: opts.args, cwd: opts.cwd, env: opts.env, ...build });
      if (opts.release === undefined) spawn();
      else {
        opts.release.then(spawn, () => {
          // Never started: it ends as a process that could not start.
          if (!this.#pending.delete(spawnId)) return;
          resolvePid(undefined);
          resolveExit(127);
          if (this.#pending.size === 0) this.#setRef(false);
        });
      }
    }
    const stop = async (graceMs: number): Promise<void> => {
      if (this.#pending.has(id)) this.#post({ type: 'stop', id, graceMs });
      await exited;
    };
    return { pid, exited, stop };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#stopHeartbeat();
    const server = this.#server;
    // Waiting shells end when their standard input closes with the launcher; kill them to be sure.
    for (const pid of this.#waiting.values()) {
      if (pid === undefined) continue;
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    this.#waiting.clear();
    if (server !== undefined && server.exitCode === null && server.signalCode === null) {
      const gone = new Promise((resolve) => server.once('exit', resolve));
      // Referenced again, so that the wait for its exit keeps this process alive.
      server.ref();
      // Not connected: it is exiting by itself (its watchdog, or it died) and 'exit' is on its way.
      if (server.connected) server.disconnect();
      await gone;
    }
    this.#server = undefined;
  }
}
