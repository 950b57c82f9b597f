import { spawn, type ChildProcess } from 'node:child_process';
import { moduleEntry } from '../process-entry/index.js';
import { monotonicMs, type FromWatchdog, type ToWatchdog } from './watchdog-protocol.js';

/** How the watchdog's run ended, as the guard learns it. */
export type WatchdogOutcome =
  | { kind: 'exited'; code: number; stoppedBecause: string | null }
  | { kind: 'failed'; message: string }
  /** The watchdog itself ended without reporting the command's end (killed). */
  | { kind: 'died'; how: string };

/**
 * The guard's side of the watchdog process (watchdog.ts): spawned with the command to run, it
 * starts it on `start()` and is told until when the lease is held by `hold()`.
 */
export class WatchdogProcess {
  readonly #child: ChildProcess;
  /** The command's pid, which is also its process group, once it runs. */
  commandPid: number | undefined;
  /** Resolves once the watchdog has exited and every message it sent has been read. */
  readonly outcome: Promise<WatchdogOutcome>;

  /** With `lockFd`, the watchdog holds a copy of that descriptor until it exits. */
  constructor(opts: { killAfterMs: number; command: string; args: readonly string[]; lockFd: number | undefined; onStarted: (pid: number) => void }) {
    // Out of the guard's process group, as the command is: a Ctrl-Z or Ctrl-C at a terminal
    // reaches the guard alone, which forwards it or, paused, lets the watchdog act.
    this.#child = spawn(process.execPath, [...moduleEntry(import.meta.url, 'watchdog'), String(Math.round(opts.killAfterMs)), opts.command, ...opts.args], {
      stdio: ['inherit', 'inherit', 'inherit', 'ipc', ...(opts.lockFd === undefined ? [] : [opts.lockFd])],
      detached: true,
    });
    const child = this.#child;
    this.outcome = new Promise((resolve) => {
      let said: WatchdogOutcome | undefined;
      let spawnFailed: string | undefined;
      child.on('message', (m: FromWatchdog) => {
        if (m.type === 'started') {
          this.commandPid = m.pid;
          opts.onStarted(m.pid);
        } else if (m.type === 'failed') {
          said = { kind: 'failed', message: m.message };
        } else {
          said = { kind: 'exited', code: m.code, stoppedBecause: m.stoppedBecause };
        }
      });
      // Also a send to a watchdog that has just died; its 'close' says what happened then.
      child.on('error', (err) => {
        if (child.pid === undefined) spawnFailed = `cannot start the watchdog: ${err.message}`;
      });
      // 'close' comes after the exit and after every message on the channel has been read.
      child.once('close', (code, signal) => {
        resolve(spawnFailed !== undefined ? { kind: 'failed', message: spawnFailed } : (said ?? { kind: 'died', how: signal ?? `status ${code}` }));
      });
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Starts the command with STEWARD_LEASE_EPOCH, the lease held for `remainingMs` more. */
  start(epoch: number, remainingMs: number): void {
    this.#send({ type: 'start', epoch, until: untilOf(remainingMs) });
  }

  /** The lease is held for `remainingMs` more (Infinity: as long as this process lives). */
  hold(remainingMs: number): void {
    this.#send({ type: 'hold', until: untilOf(remainingMs) });
  }

  /** Lets a watchdog whose command never started go (it exits when its channel closes). */
  async close(): Promise<void> {
    if (this.#child.connected) this.#child.disconnect();
    await this.outcome;
  }

  #send(m: ToWatchdog): void {
    if (this.#child.connected) this.#child.send(m, () => undefined);
  }
}

function untilOf(remainingMs: number): number | null {
  return remainingMs === Infinity ? null : monotonicMs() + remainingMs;
}
