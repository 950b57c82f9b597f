/**
 * Signalling process groups and waiting for processes to go, on Linux: used by the guard and its
 * watchdog, the launcher process and the controller's step killing. Node built-ins only, so that
 * the small processes that load it stay small.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Sends a signal to every process of a process group; a group that is gone is no error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // gone
  }
}

/**
 * TERM to the group, then KILL after `graceMs` unless `cancel()` is called first (the command
 * ended).
 */
export function stopGroup(pgid: number, graceMs: number): { cancel(): void } {
  signalGroup(pgid, 'SIGTERM');
  const t = setTimeout(() => signalGroup(pgid, 'SIGKILL'), graceMs);
  return { cancel: () => clearTimeout(t) };
}

/** True once the process has exited (a zombie nobody has reaped yet counts as exited). */
export function processGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2) === 'Z';
  } catch {
    return true;
  }
}

/** Resolves true once the process is gone, false if it is still there after `timeoutMs`. */
export async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!processGone(pid)) {
    if (performance.now() > deadline) return false;
    await sleep(10);
  }
  return true;
}
