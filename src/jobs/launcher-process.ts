/**
 * The launcher process: the program that starts the built-in node's steps (src/jobs/launcher.ts
 * is the controller's side). Run as `node launcher-process.js WATCHDOG_MS [UID GID]` with an IPC
 * channel in advanced serialization. It loads nothing but Node's own modules and the agent
 * protocol, so that its forks copy a small memory map and it starts fast.
 *
 * Every process it starts (a step, or a waiting `/bin/sh -s` that a `go` turns into one) runs in a
 * process group of its own, as UID:GID when given. When the controller is gone (the channel
 * closes, or a send fails because it has), or with WATCHDOG_MS > 0 when no message came for that
 * long, it sends TERM to every group, KILL to what is left after a grace, and exits.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { PROTOCOL_VERSION, parseToAgent, type FromAgent, type ToAgent, type Unversioned } from '../agent-protocol/index.js';
import { signalGroup } from '../process-group/index.js';
import { ORPHAN_GRACE_MS, WATCHDOG_EXIT_CODE, WATCHDOG_GRACE_DIVISOR } from './launcher-exit.js';

const [watchdogArg = '', uidArg, gidArg] = process.argv.slice(2);
const WATCHDOG_MS = Number(watchdogArg) || 0;
const RUN_AS: { uid?: number; gid?: number } = uidArg !== undefined && gidArg !== undefined ? { uid: Number(uidArg), gid: Number(gidArg) } : {};

/** Waiting shells, by id, until a `go` gives them a step. */
const waiting = new Map<number, ChildProcess>();
/** Every process started and not yet closed, whose group gets the signals when the controller is gone. */
const live = new Set<ChildProcess>();
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

function signalAll(signal: NodeJS.Signals): void {
  for (const child of live) {
    if (child.pid !== undefined) signalGroup(child.pid, signal);
  }
}

function orphan(code: number, graceMs: number): void {
  if (orphaned !== undefined) return;
  orphaned = code;
  if (live.size === 0) process.exit(code);
  signalAll('SIGTERM');
  setTimeout(() => {
    signalAll('SIGKILL');
    process.exit(code);
  }, graceMs);
}

/** Answers a launch after the controller went silent: it fails, saying why. */
function refuse(id: number): void {
  tell({ type: 'output', id, chunk: Buffer.from(`ERROR: the launcher is ending every step: it heard nothing from the controller for ${WATCHDOG_MS} ms\n`) });
  tell({ type: 'exit', id, code: 127 });
}

function exitCode(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal === null ? 1 : (osConstants.signals[signal] ?? 1));
}

function start(id: number, command: string, args: readonly string[], options: SpawnOptions): ChildProcess | undefined {
  let child: ChildProcess;
  try {
    child = spawn(command, args, { ...options, ...RUN_AS, detached: true });
  } catch (err) {
    tell({ type: 'spawned', id, pid: undefined });
    tell({ type: 'output', id, chunk: Buffer.from(`ERROR: cannot run ${command}: ${err instanceof Error ? err.message : String(err)}\n`) });
    tell({ type: 'exit', id, code: 127 });
    return undefined;
  }
  let failed = false;
  child.once('error', (err) => {
    failed = true;
    waiting.delete(id);
    tell({ type: 'output', id, chunk: Buffer.from(`ERROR: cannot run ${command}: ${err.message}\n`) });
    tell({ type: 'exit', id, code: 127 });
  });
  tell({ type: 'spawned', id, pid: child.pid });
  if (child.pid !== undefined) live.add(child);
  const relay = (chunk: Buffer): void => tell({ type: 'output', id, chunk });
  child.stdout?.on('data', relay);
  child.stderr?.on('data', relay);
  // 'close' (not 'exit'): every byte of output has been relayed first.
  child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
    waiting.delete(id);
    live.delete(child);
    if (orphaned !== undefined && live.size === 0) process.exit(orphaned);
    if (failed) return;
    tell({ type: 'exit', id, code: exitCode(code, signal) });
  });
  return child;
}

function receive(m: ToAgent): void {
  if (orphaned !== undefined) {
    if (m.type === 'spawn' || m.type === 'go') refuse(m.id);
  } else if (m.type === 'spawn') {
    start(m.id, m.command, m.args, { cwd: m.cwd, env: m.env, stdio: ['ignore', 'pipe', 'pipe'] });
  } else if (m.type === 'prefork') {
    const child = start(m.id, '/bin/sh', ['-s'], { cwd: '/', env: m.env, stdio: ['pipe', 'pipe', 'pipe'] });
    if (child !== undefined) {
      child.stdin?.on('error', () => undefined);
      waiting.set(m.id, child);
    }
  } else if (m.type === 'go') {
    const child = waiting.get(m.id);
    waiting.delete(m.id);
    child?.stdin?.end(m.script);
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
