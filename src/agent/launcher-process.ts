/**
 * The launcher process: the built-in node's agent, which starts its steps (src/nodes/local/launcher.ts
 * is the controller's side). Run as `node launcher-process.js WATCHDOG_MS [UID GID]` with an IPC
 * channel in advanced serialization. It loads nothing but Node's own modules, the agent protocol
 * and the step runner, so that its forks copy a small memory map and it starts fast.
 *
 * Steps run as UID:GID when given (see step-runner.ts). When the controller is gone (the channel
 * closes, or a send fails because it has), or with WATCHDOG_MS > 0 when no message came for that
 * long, it sends TERM to every process group it started, KILL to what is left after a grace, and
 * exits.
 */
import { ORPHAN_GRACE_MS, PROTOCOL_VERSION, WATCHDOG_EXIT_CODE, WATCHDOG_GRACE_DIVISOR, parseToAgent, type FromAgent, type ToAgent, type Unversioned } from '../agent-protocol/index.js';
import { StepRunner } from './step-runner.js';

const [watchdogArg = '', uidArg, gidArg] = process.argv.slice(2);
const WATCHDOG_MS = Number(watchdogArg) || 0;
const RUN_AS = uidArg !== undefined && gidArg !== undefined ? { uid: Number(uidArg), gid: Number(gidArg) } : undefined;

/** Set once the controller is gone: the exit status this process ends with. */
let orphaned: number | undefined;

// A send can meet the channel's end before 'disconnect' is emitted (EPIPE, ECONNRESET): with a
// callback the error comes here instead of crashing this process, and the controller counts as
// gone, so its steps still end.
function tell(m: Unversioned<FromAgent>): void {
  if (process.connected) process.send?.({ v: PROTOCOL_VERSION, ...m } satisfies FromAgent, undefined, undefined, onSendError);
}

function onSendError(err: Error | null): void {
  if (err) orphan(0, ORPHAN_GRACE_MS);
}

const runner = new StepRunner(tell, RUN_AS);
runner.onIdle = () => {
  if (orphaned !== undefined) process.exit(orphaned);
};

function orphan(code: number, graceMs: number): void {
  if (orphaned !== undefined) return;
  orphaned = code;
  if (runner.size === 0) process.exit(code);
  runner.signalAll('SIGTERM');
  setTimeout(() => {
    runner.signalAll('SIGKILL');
    process.exit(code);
  }, graceMs);
}

/** Answers a launch after the controller went silent: it fails, saying why. */
function refuse(id: number): void {
  tell({ type: 'output', id, chunk: Buffer.from(`ERROR: the launcher is ending every step: it heard nothing from the controller for ${WATCHDOG_MS} ms\n`) });
  tell({ type: 'exit', id, code: 127 });
}

function receive(m: ToAgent): void {
  if (orphaned !== undefined) {
    if (m.type === 'spawn' || m.type === 'go') refuse(m.id);
  } else if (m.type === 'spawn') {
    runner.spawn(m.id, m.command, m.args, m.cwd, m.env, m);
  } else if (m.type === 'prefork') {
    runner.prefork(m.id, m.env);
  } else if (m.type === 'go') {
    runner.go(m.id, m.script, m, m.hold === true);
  } else if (m.type === 'release') {
    runner.release(m.id, m.script);
  } else if (m.type === 'stop') {
    runner.stop(m.id, m.graceMs);
  }
}

process.on('disconnect', () => orphan(0, ORPHAN_GRACE_MS));
if (WATCHDOG_MS > 0) {
  // Unref'd: while connected, the channel keeps this process alive. Any message is a sign of life.
  // A short grace after the watchdog: KILL must come before a standby can take the lease too.
  const watchdog = setTimeout(() => orphan(WATCHDOG_EXIT_CODE, Math.min(ORPHAN_GRACE_MS, WATCHDOG_MS / WATCHDOG_GRACE_DIVISOR)), WATCHDOG_MS);
  watchdog.unref();
  process.on('message', () => {
    if (orphaned === undefined) watchdog.refresh();
  });
}
process.on('message', (input: unknown) => {
  let m: ToAgent;
  try {
    m = parseToAgent(input);
  } catch (err) {
    // Nobody to answer for a message without a valid id: the line goes to the controller's standard
    // error, which this process shares.
    process.stderr.write(`steward launcher: ${err instanceof Error ? err.message : String(err)}\n`);
    return;
  }
  receive(m);
});
