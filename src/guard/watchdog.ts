/**
 * The watchdog between `steward guard` and its command: a small process of its own, so that the
 * command stops whatever happens to the guard.
 *
 * `node watchdog.js KILL_AFTER_MS COMMAND ARGS...` is started by the guard before the lease is
 * acquired where it can be (so that starting Node does not eat into the lease), waits for the
 * guard's `start` message, then starts the command in a process group of its own with
 * STEWARD_LEASE_EPOCH and reports its pid. It stops the group (TERM,
 * then KILL) when:
 * - the IPC channel to the guard closes: the guard died, even by SIGKILL;
 * - the deadline of the guard's last `hold` passes: the guard stopped saying it still holds the
 *   lease (paused by SIGSTOP, a frozen VM, a stuck event loop). The deadline is the moment the
 *   guard itself would stop counting on the lease, a safety margin before its service can expire
 *   it; TERM comes then and KILL KILL_AFTER_MS later, as the guard does when it loses the lease.
 *   A command whose lease has run out before the watchdog could start it is not started.
 * When the command has ended, whatever it left in its group is killed, the guard is told the
 * status, and the watchdog exits with it. It runs in a process group of its own, so a terminal's
 * signals do not reach it; signals meant for the command are the guard's to forward, and the
 * watchdog ignores any sent to it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { signalGroup } from '../process-group/index.js';
import { isToWatchdog, monotonicMs, type FromWatchdog } from './watchdog-protocol.js';

const [killAfterArg = '', command = '', ...args] = process.argv.slice(2);
const killAfterMs = Number(killAfterArg);
if (!(killAfterMs >= 0) || command === '' || process.send === undefined) {
  process.stderr.write('usage: watchdog.js KILL_AFTER_MS COMMAND [ARGS...], started by steward guard with an IPC channel\n');
  process.exit(2);
}

for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'] as const) process.on(s, () => undefined);

let child: ChildProcess | undefined;
/** Deadline of the guard's last hold (monotonic ms); null: none. */
let until: number | null = null;
let deadlineTimer: NodeJS.Timeout | undefined;
let stoppedBecause: string | null = null;

function tell(m: FromWatchdog, then?: () => void): void {
  if (process.connected) process.send?.(m, undefined, {}, () => then?.());
  else then?.();
}

function signalCommand(signal: NodeJS.Signals): void {
  if (child?.pid !== undefined) signalGroup(child.pid, signal);
}

function stop(reason: string): void {
  if (stoppedBecause !== null) return;
  stoppedBecause = reason;
  if (deadlineTimer !== undefined) clearTimeout(deadlineTimer);
  if (child === undefined) process.exit(0);
  signalCommand('SIGTERM');
  setTimeout(() => signalCommand('SIGKILL'), killAfterMs);
}

function hold(next: number | null): void {
  if (stoppedBecause !== null) return;
  until = next;
  if (deadlineTimer !== undefined) clearTimeout(deadlineTimer);
  deadlineTimer = undefined;
  if (next === null) return;
  deadlineTimer = setTimeout(
    () => stop('the guard has not confirmed its lease in time (stopped or stuck)'),
    Math.max(0, next - monotonicMs()),
  );
}

function start(epoch: number): void {
  if (stoppedBecause !== null) return;
  if (until !== null && until <= monotonicMs()) {
    stoppedBecause = 'the lease ran out before the command could start';
    tell({ type: 'failed', message: `${command} was not started: ${stoppedBecause}` }, () => process.exit(0));
    return;
  }
  // Its own process group, so that a stop reaches everything the command started.
  const started = spawn(command, args, { stdio: 'inherit', detached: true, env: { ...process.env, STEWARD_LEASE_EPOCH: String(epoch) } });
  child = started;
  started.once('error', (err) => {
    tell({ type: 'failed', message: `cannot start ${command}: ${err.message}` }, () => process.exit(127));
  });
  started.once('spawn', () => {
    if (started.pid !== undefined) tell({ type: 'started', pid: started.pid });
  });
  started.once('exit', (code, signal) => {
    const status = code ?? 128 + (signal === null ? 1 : (osConstants.signals[signal] ?? 1));
    signalCommand('SIGKILL');
    tell({ type: 'exited', code: status, stoppedBecause }, () => process.exit(status));
  });
}

let starting = false;
process.on('message', (m: unknown) => {
  if (!isToWatchdog(m)) return;
  hold(m.until);
  if (m.type === 'start' && !starting) {
    starting = true;
    // After every message already read: a watchdog slow to read finds several, the last freshest.
    const epoch = m.epoch;
    setImmediate(() => start(epoch));
  }
});
process.on('disconnect', () => stop('the guard is gone'));
