/**
 * The messages between the controller and a node's agent. The built-in node's agent is the
 * launcher process (src/agent/launcher-process.ts), reached over an IPC channel with Node's
 * advanced serialization, so that output chunks travel as bytes.
 *
 * Every message carries the protocol version `v`; a side refuses a message of another version
 * rather than guess at its meaning.
 */

/** The version of the messages below. */
export const PROTOCOL_VERSION = 1;

/**
 * What the agent needs to know of a step's build: `cookie` is in the environment of the step's
 * processes (the agent ends those left behind when the step ends, and all of them on a stop);
 * every occurrence of a `mask` value in the step's output is sent as `****`.
 */
export interface StepBuild {
  cookie: string;
  mask: readonly string[];
}

/** Controller to agent. */
export type ToAgent =
  /** Start `command` directly, in a process group of its own, with exactly `env`. */
  | ({ v: typeof PROTOCOL_VERSION; type: 'spawn'; id: number; command: string; args: readonly string[]; cwd: string; env: Record<string, string> } & StepBuild)
  /** Start a waiting shell (`/bin/sh -s`) with `env`, to be given a step by a later `go`. */
  | { v: typeof PROTOCOL_VERSION; type: 'prefork'; id: number; env: Record<string, string> }
  /**
   * Give the waiting shell `id` the script that makes it the step. With `hold`, its standard input
   * stays open after the script, and the shell waits there for the rest (`release`).
   */
  | ({ v: typeof PROTOCOL_VERSION; type: 'go'; id: number; script: string; hold?: boolean } & StepBuild)
  /** The rest of a held step's script (the line that execs its command), and the end of its input. */
  | { v: typeof PROTOCOL_VERSION; type: 'release'; id: number; script: string }
  /**
   * End the step `id`'s whole process tree: TERM to its group and every process with its cookie,
   * KILL after `graceMs` to what is left. Its `exit` follows as usual.
   */
  | { v: typeof PROTOCOL_VERSION; type: 'stop'; id: number; graceMs: number }
  /** The controller's event loop still runs (see the launcher's watchdog). */
  | { v: typeof PROTOCOL_VERSION; type: 'heartbeat' };

/**
 * Agent to controller, for the process `id` in this order: `spawned` (pid undefined when it could
 * not start), any `output` (masked), then one `exit` (128 + signal number when a signal ended it,
 * 127 when it could not start) after every byte of its output and once the processes it left
 * behind are ended.
 */
export type FromAgent =
  | { v: typeof PROTOCOL_VERSION; type: 'spawned'; id: number; pid: number | undefined }
  | { v: typeof PROTOCOL_VERSION; type: 'output'; id: number; chunk: Uint8Array }
  | { v: typeof PROTOCOL_VERSION; type: 'exit'; id: number; code: number };

/** A message of either direction without its version, as a side composes it. */
export type Unversioned<M> = M extends unknown ? Omit<M, 'v'> : never;
