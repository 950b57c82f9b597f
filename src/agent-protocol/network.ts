/**
 * The agent protocol over the network: what `steward agent` and the controller say to each other
 * over a WebSocket (`/agent` on the controller's HTTP port). Messages are JSON text frames carrying
 * the protocol version `v`; a step's output and a file's bytes travel as binary frames (frames.ts).
 *
 * The IPC protocol of the built-in node's launcher (messages.ts) is the subset that starts, stops
 * and reports processes; over the network a step is named by a string id the controller gives it,
 * and three things are added: the hello that authenticates the agent and tells what it holds,
 * offsets and acknowledgements on output (so that a log is complete and not doubled across a
 * reconnect), and the file operations of a node's channel.
 *
 * The order on one connection: the agent sends `hello`; the controller answers `welcome` or
 * `refused` (then closes). After a welcome, either side may send its messages below at any time.
 */
import { PROTOCOL_VERSION } from './messages.js';

/** Protocol versions this build speaks over the network, newest last. */
export const NETWORK_VERSIONS: readonly number[] = [PROTOCOL_VERSION];

/** The largest frame either side accepts (WebSocket maxPayload); a larger one closes the connection. */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024;

/** The longest step id; ids are the controller's and travel in every output frame's header. */
export const MAX_STEP_ID_LENGTH = 64;

type V = typeof PROTOCOL_VERSION;

/**
 * A step the agent holds: started and not yet released by the controller. `produced` counts the
 * bytes of its (masked) output so far; `exitCode` is set once it has ended.
 */
export interface HeldStep {
  id: string;
  job: string;
  number: number;
  cookie: string;
  produced: number;
  exitCode: number | null;
}

/**
 * Why a controller refused an agent; the agent stops for all but `connected` and `not-ready`.
 * `credentials`: no such node, or a wrong secret (worded alike, so that the answer does not tell
 * which node names exist; the controller's log tells them apart).
 */
export type RefusalCode = 'version' | 'credentials' | 'connected' | 'malformed' | 'not-ready';

/** The first message on a connection, from the agent. */
export interface Hello {
  v: number;
  type: 'hello';
  /** The protocol versions the agent speaks. */
  versions: number[];
  name: string;
  /** The node's secret (as served in /computer/NAME/jenkins-agent.jnlp); never logged. */
  secret: string;
  agentVersion: string;
  os: string;
  arch: string;
  executors: number;
  labels: string;
  /** The steps the agent holds, so that the controller can adopt them after a reconnect. */
  holds: HeldStep[];
}

/** A step held by the agent that the controller takes back: the agent sends its output from `offset`. */
export interface Adoption {
  id: string;
  offset: number;
}

/** Controller to agent over the network. */
export type ControllerMessage =
  /**
   * The agent is accepted. `adopt`: held steps the controller continues (output resent from each
   * offset, then their exit); `drop`: held steps it does not know, which the agent stops and forgets.
   */
  | { v: V; type: 'welcome'; version: number; controller: string; adopt: Adoption[]; drop: string[] }
  /** The agent is refused, with why; the controller closes the connection after it. */
  | { v: V; type: 'refused'; code: RefusalCode; reason: string }
  /** Starts a step. An agent that holds a step of this id already refuses it (launchRefused). */
  | { v: V; type: 'launch'; id: string; job: string; number: number; command: string; args: string[]; cwd: string; env: Record<string, string>; cookie: string; mask: string[] }
  /** Output of step `id` up to `offset` is written to the build's log. */
  | { v: V; type: 'ack'; id: string; offset: number }
  /** Ends step `id`'s whole process tree, TERM then KILL after `graceMs`; its exit follows. */
  | { v: V; type: 'stop'; id: string; graceMs: number }
  /** The controller has step `id`'s whole output and its exit: the agent forgets it. */
  | { v: V; type: 'release'; id: string }
  /** Makes `<work dir>/workspace/<job>` and answers its path. */
  | { v: V; type: 'workspace'; req: number; job: string }
  /** Writes a new file `name` in a new private folder (content in base64) and answers its path. */
  | { v: V; type: 'writeTemp'; req: number; name: string; content: string; mode: number }
  /** Removes a file made by writeTemp, with its folder. */
  | { v: V; type: 'removeTemp'; req: number; path: string }
  /** Lists the regular files beneath `root` matching `include` and none of `exclude`. */
  | { v: V; type: 'listFiles'; req: number; root: string; include: string[]; exclude: string[] }
  /** Reads `path` beneath `root`, without following links: its bytes as file frames, then a reply. */
  | { v: V; type: 'readFile'; req: number; root: string; path: string }
  /** The bytes of readFile `req` up to `offset` are taken: the agent may send more. */
  | { v: V; type: 'fileAck'; req: number; offset: number };

/** Agent to controller over the network (after the hello). */
export type AgentMessage =
  /** Step `id` runs with `pid` (null: it could not start; its exit 127 follows). */
  | { v: V; type: 'started'; id: string; pid: number | null }
  /**
   * Step `id` ended with `code` (128 + signal number when a signal ended it), after `produced` bytes
   * of output. Sent once all its output was sent on this connection; again after a reconnect.
   */
  | { v: V; type: 'exit'; id: string; code: number; produced: number }
  /** The agent would not start step `id` (it holds one of that id already). */
  | { v: V; type: 'launchRefused'; id: string; reason: string }
  /** The answer to request `req`: its value (read by the request's kind), or why it failed. */
  | { v: V; type: 'reply'; req: number; ok: true; value: Record<string, unknown> }
  | { v: V; type: 'reply'; req: number; ok: false; error: string };

/** WebSocket close code after a `refused`: the reason says why. */
export const CLOSE_REFUSED = 4001;
/** WebSocket close code for a frame that breaks the protocol (malformed, or data it may not send). */
export const CLOSE_PROTOCOL = 1008;
/**
 * WebSocket close code of a controller handing over to a standby (RFC 6455's "service restart"):
 * the agent keeps its steps and connects again, to whichever controller is active next.
 */
export const CLOSE_HANDOVER = 1012;
