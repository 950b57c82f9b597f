import type { Readable } from 'node:stream';

/**
 * What the controller asks of the machine a node's builds run on, after Jenkins' VirtualChannel as
 * a build sees it: a workspace, processes, and the files steps need. The built-in node answers
 * through its launcher process (src/nodes/local/); an agent through its connection. Nothing in a
 * build assumes the node is this machine: paths given and returned are paths on the node.
 */
export interface NodeChannel {
  /**
   * True when the node's steps outlive this controller (an agent): a build records each step on
   * it before it starts, so that the controller that comes next can adopt the step.
   */
  readonly keepsSteps?: boolean;
  /**
   * Takes a launch before the build's set-up is durable (`LaunchOptions.release`): the step's
   * process gets ready meanwhile and runs its command once released (the built-in node).
   */
  readonly launchesEarly?: boolean;
  /** Makes the job's workspace on the node (the steps' user's) and returns its absolute path there. */
  workspace(job: string): Promise<string>;
  /**
   * Starts making the job's workspace ahead of its build, which asks for it with `workspace`
   * (the built-in node does this while the build's set-up is made durable).
   */
  prepareWorkspace?(job: string): void;
  /** Starts a build step's process on the node. */
  launch(opts: LaunchOptions): StepProcess;
  /**
   * Writes `content` to a new file called `name`, in a new folder of its own outside any workspace
   * that only the steps' user can read (a `#!` script, a bound secret file). `mode` is the file's
   * (0400 by default).
   */
  writeTempFile(name: string, content: string | Uint8Array, mode?: number): Promise<TempFile>;
  /**
   * The regular files beneath `root` whose relative paths match one of `include` and none of
   * `exclude` (globs; `**` crosses folders; names starting with a dot are not matched), found
   * without following links, sorted.
   */
  listFiles(root: string, include: readonly string[], exclude: readonly string[]): Promise<string[]>;
  /**
   * Opens `relativePath` beneath `root` without following a link at any level (the build's
   * processes may be changing the folder meanwhile) and hands its bytes to `consume`, which must
   * read the stream to its end. `refused` says why the file was not read.
   */
  readFile(root: string, relativePath: string, consume: (bytes: Readable) => Promise<void>): Promise<{ read: true } | { read: false; refused: RefusedFile }>;
}

/** Why a file was not read: a link on the way, gone, or not a regular file. */
export type RefusedFile = 'link' | 'missing' | 'not-a-file';

/** A file made by {@link NodeChannel.writeTempFile}. */
export interface TempFile {
  /** Its absolute path on the node. */
  readonly path: string;
  /** Removes it and its folder (without following a link the steps put there). */
  remove(): Promise<void>;
}

/** The build a step process belongs to. */
export interface StepOwner {
  readonly job: string;
  readonly number: number;
  /**
   * Put in the environment of the step's processes (JENKINS_NODE_COOKIE, STEWARD_BUILD_COOKIE):
   * processes that left the step's process group are found by it when the step ends or is stopped.
   */
  readonly cookie: string;
}

export interface LaunchOptions {
  build: StepOwner;
  /** The step's id, unique (an agent's channel names the step by it); one is made when not given. */
  stepId?: string;
  command: string;
  args: readonly string[];
  /** The folder it starts in, on the node. */
  cwd: string;
  /** Its whole environment. */
  env: Record<string, string>;
  /**
   * Values replaced by `****` in its output before onOutput sees it (passwords, bound
   * credentials), where the step runs: what travels back and what the log holds is masked alike.
   */
  mask: readonly string[];
  /**
   * Its standard output and error, masked, in the order written, each chunk once. A promise returned
   * resolves once the chunk is in the build's log: an agent's channel acknowledges output then.
   */
  onOutput: (chunk: Buffer) => void | Promise<void>;
  /**
   * When given, the step may be made ready (its process, environment and directory) before this
   * resolves, and runs its command only once it has; rejected, the step ends without running it.
   * Only a channel with `launchesEarly` takes it; the others are launched after it resolved.
   */
  release?: Promise<void>;
}

/** A build step's process, on whichever node runs it. */
export interface StepProcess {
  /** Resolves with the pid on its node once it runs (undefined if it could not start). */
  readonly pid: Promise<number | undefined>;
  /**
   * Resolves with the exit code (128 + signal number when a signal ended it; 127 when it could not
   * start), after every byte of its output was given to onOutput and the processes it left behind
   * were ended (those marked dontKillMe excepted, as in Jenkins).
   */
  readonly exited: Promise<number>;
  /**
   * Ends the step's whole process tree on its node: TERM to its process group and to every
   * process carrying its build's cookie, KILL after `graceMs` to what is left. Resolves once the
   * step has exited.
   */
  stop(graceMs: number): Promise<void>;
}
