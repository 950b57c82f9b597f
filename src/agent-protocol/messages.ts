/**
 * The messages between the controller and a node's agent. The built-in node's agent is the
 * launcher process (src/jobs/launcher-process.ts), reached over an IPC channel with Node's
 * advanced serialization, so that output chunks travel as bytes.
 *
 * Every message carries the protocol version `v`; a side refuses a message of another version
 * rather than guess at its meaning.
 */

/** The version of the messages below. */
export const PROTOCOL_VERSION = 1;

/** Controller to agent. */
export type ToAgent =
  /** Start `command` directly, in a process group of its own, with exactly `env`. */
  | { v: typeof PROTOCOL_VERSION; type: 'spawn'; id: number; command: string; args: readonly string[]; cwd: string; env: Record<string, string> }
  /** Start a waiting shell (`/bin/sh -s`) with `env`, to be given a step by a later `go`. */
  | { v: typeof PROTOCOL_VERSION; type: 'prefork'; id: number; env: Record<string, string> }
  /** Give the waiting shell `id` the script that makes it the step. */
  | { v: typeof PROTOCOL_VERSION; type: 'go'; id: number; script: string }
  /** The controller's event loop still runs (see the launcher's watchdog). */
  | { v: typeof PROTOCOL_VERSION; type: 'heartbeat' };

/**
 * Agent to controller, for the process `id` in this order: `spawned` (pid undefined when it could
 * not start), any `output`, then one `exit` (128 + signal number when a signal ended it, 127 when
 * it could not start) after every byte of its output.
 */
export type FromAgent =
  | { v: typeof PROTOCOL_VERSION; type: 'spawned'; id: number; pid: number | undefined }
  | { v: typeof PROTOCOL_VERSION; type: 'output'; id: number; chunk: Uint8Array }
  | { v: typeof PROTOCOL_VERSION; type: 'exit'; id: number; code: number };

/** A message of either direction without its version, as a side composes it. */
export type Unversioned<M> = M extends unknown ? Omit<M, 'v'> : never;
