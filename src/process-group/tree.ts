/**
 * Ending a build step's whole process tree, where the step runs (the built-in node's launcher
 * process, an agent).
 *
 * Each step runs in its own process group (detached), so that a stop reaches its whole tree with
 * one signal. Processes that left the group (setsid, daemonising) are found the way Jenkins'
 * ProcessTreeKiller finds them: by a cookie in their environment (JENKINS_NODE_COOKIE, and
 * STEWARD_BUILD_COOKIE), which children inherit. Setting JENKINS_NODE_COOKIE=dontKillMe (or
 * BUILD_ID=dontKillMe) keeps a process alive past its build, as in Jenkins.
 */
import { readdir, readFile } from 'node:fs/promises';
import { signalGroup } from './index.js';

/** Pids of processes (other than this one) whose environment carries the cookie. Linux only. */
export async function processesWithCookie(cookie: string): Promise<number[]> {
  const needle = `STEWARD_BUILD_COOKIE=${cookie}\0`;
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  await Promise.all(
    entries.map(async (name) => {
      const pid = Number(name);
      if (!Number.isInteger(pid) || pid === process.pid) return;
      try {
        const env = await readFile(`/proc/${pid}/environ`, 'latin1');
        if ((env + '\0').includes(needle) && !env.includes('JENKINS_NODE_COOKIE=dontKillMe') && !env.includes('BUILD_ID=dontKillMe')) {
          found.push(pid);
        }
      } catch {
        // Gone, or not ours to read.
      }
    }),
  );
  return found;
}

function killPids(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/** A step's process as the tree functions need it: its group leader's pid and its end. */
export interface TreeRoot {
  /** The step's pid, which is its process group's id; undefined when it never started. */
  readonly pid: number | undefined;
  /** Resolves once the step process has exited and its output is read. */
  readonly exited: Promise<unknown>;
}

/**
 * Stops a step's whole process tree: TERM to the group and to every process carrying the build's
 * cookie, then KILL after `graceMs` to whatever is left. Resolves when the step process has exited.
 */
export async function terminateTree(root: TreeRoot, cookie: string, graceMs: number): Promise<void> {
  if (root.pid !== undefined) signalGroup(root.pid, 'SIGTERM');
  killPids(await processesWithCookie(cookie), 'SIGTERM');
  const exitedInTime = await Promise.race([
    root.exited.then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), graceMs).unref()),
  ]);
  if (!exitedInTime && root.pid !== undefined) signalGroup(root.pid, 'SIGKILL');
  // Stragglers that ignored TERM or left the group.
  const left = await processesWithCookie(cookie);
  if (left.length > 0) {
    await new Promise((resolve) => setTimeout(resolve, exitedInTime ? Math.min(graceMs, 200) : 0));
    killPids(await processesWithCookie(cookie), 'SIGKILL');
  }
  await root.exited;
}

function groupAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * After a step ends normally, processes it left running in the background end with the build, as
 * in Jenkins; those marked dontKillMe survive. The /proc scan runs only when the step's process
 * group still has members, so a step that cleaned up after itself costs one kill(0).
 */
export async function reapLeftovers(pid: number | undefined, cookie: string): Promise<void> {
  if (!groupAlive(pid)) return;
  killPids(await processesWithCookie(cookie), 'SIGKILL');
}
