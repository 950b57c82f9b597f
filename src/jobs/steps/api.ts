import { extensionPoint, type Descriptor } from '../../extensions/index.js';
import type { Step } from '../config/index.js';
import type { BuildCredential } from '../build-secrets.js';
import type { Result } from '../result.js';
import type { StepProcess, TempFile } from '../../nodes/index.js';
import type { XmlElementHandle, XmlSpec } from '../../xml/index.js';
import type { RunView } from '../run-actions.js';
import type { NotRunOption } from '../not-run.js';
import type { Cause } from '../config/index.js';

/** What a step sees of the build it runs in. */
export interface BuildContext {
  readonly jobName: string;
  readonly buildNumber: number;
  readonly workspace: string;
  /** The build's environment: Jenkins' variables, parameters, wrappers' additions. Steps may add. */
  readonly env: Record<string, string>;
  /** Aborted when the build is stopped; steps end their work and return. */
  readonly signal: AbortSignal;
  /** Writes a line (or raw text) to the console log. */
  log(text: string): void;
  /**
   * Runs a process on the build's node: its output goes to the log, an abort stops its tree.
   * Resolves with its exit code once the processes it left behind are ended.
   */
  launch(command: string, args: readonly string[], opts?: LaunchStepOptions): Promise<number>;
  /**
   * Writes a file on the build's node, outside the workspace, that only the steps' user can read
   * (a `#!` script, a bound secret file); `mode` is 0400 unless given. Remove it when done.
   */
  tempFile(name: string, content: string | Uint8Array, mode?: number): Promise<TempFile>;
  /**
   * The workspace's regular files matching one of `include` and none of `exclude` (globs), not
   * following links, sorted.
   */
  listFiles(include: readonly string[], exclude: readonly string[]): Promise<string[]>;
  /**
   * Copies the workspace file `relativePath` into the build's archive
   * (builds/N/archive/<relativePath>). The build's processes may be changing the workspace
   * meanwhile, so the file is opened without following a link at any level; `skipped` says why a
   * file was not copied.
   */
  archive(relativePath: string): Promise<{ archived: true } | { archived: false; skipped: string }>;
  /**
   * The workspace file `relativePath`, opened as `archive` opens it, read whole when it is at most
   * `maxBytes`; `skipped` says why it was not (a link, gone, not a regular file, too large).
   */
  readWorkspaceFile(relativePath: string, maxBytes: number): Promise<WorkspaceFile>;
  /** Writes a file of this build's folder (`builds/N/<name>`, a plain name) through the home store. */
  writeBuildFile(name: string, content: string | Buffer): Promise<void>;
  /**
   * Adds an action to the build's record (build.xml's `<actions>`, written with its final record),
   * replacing one of the same element name; a RUN_ACTION descriptor shows it.
   */
  addAction(action: XmlSpec): void;
  /** This build as plugins read it: its record, its files, and the job's builds before it. */
  readonly run: RunView;
  /**
   * `text` with the build's secret values (password parameters, bound credentials) replaced by
   * `****`, as its log masks them: for what a step keeps of the build's output elsewhere (test
   * reports' output and stack traces).
   */
  maskSecrets(text: string): string;
  /**
   * The last `maxLines` lines of the build's console log so far, read from at most its last
   * `maxBytes` bytes (a line cut by that bound is left out), as the log holds them: masked.
   */
  logTail(maxLines: number, maxBytes: number): Promise<string[]>;
  /**
   * A warning in the controller's log, naming the job and build: for what an operator should see
   * besides the build's log (a mail that could not be sent). Never give it a secret.
   */
  warn(message: string): void;
  /** Ends the build as `result` (a timeout uses it); the running step is stopped. */
  interrupt(result: Result, reason: string): void;
  /**
   * The credential `id` as this build may use it (Jenkins' CredentialsProvider.findCredentialById):
   * undefined when there is none. Fails with STW_SECRET_INVALID when a stored value does not
   * decrypt, and STW_INTERNAL when the controller was started without a credentials store.
   */
  credential(id: string): Promise<BuildCredential | undefined>;
  /**
   * Asks for a build of another job, started by this build (Jenkins' UpstreamCause: "Started by
   * upstream project "A" build number 3"), with `parameters` given as a request would give them
   * (the job's defaults fill the rest). Says what became of the request; never throws.
   */
  scheduleDownstream(job: string, parameters: Readonly<Record<string, string>>): DownstreamRequest;
  /**
   * The build a queue item became, once it ended (`cancelled` when it left the queue without a
   * build); the build's stop (`signal`) rejects the wait.
   */
  awaitDownstream(job: string, queueId: number): Promise<DownstreamBuild>;
  /** The step process running now, if any (for tests and the abort path). */
  readonly current: StepProcess | undefined;
}

/** What became of a request for a downstream build ({@link BuildContext.scheduleDownstream}). */
export type DownstreamRequest =
  /** `ignored`: parameters given that the job does not define, left out as Jenkins leaves them out. */
  | { outcome: 'scheduled' | 'merged'; queueId: number; ignored: readonly string[] }
  /** No such job, or one the build may not see: Jenkins says nothing of those in the log. */
  | { outcome: 'not-found' }
  | { outcome: 'disabled' }
  /** The queue or the home refused it (full, not writable, not active): `reason` says why. */
  | { outcome: 'refused'; reason: string };

/** A downstream build a step waited for. */
export type DownstreamBuild = { cancelled: false; number: number; result: Result } | { cancelled: true; reason: string };

/**
 * What a controller gives builds to start others: Jenkins' Job.scheduleBuild with an UpstreamCause
 * and the wait for a queue item's build (the parameterized trigger's blocking builder).
 */
export interface DownstreamHost {
  schedule(job: string, parameters: Readonly<Record<string, string>>, cause: Cause): DownstreamRequest;
  awaitBuild(job: string, queueId: number, signal: AbortSignal): Promise<DownstreamBuild>;
}

/** How {@link BuildContext.launch} runs a process, besides its command. */
export interface LaunchStepOptions {
  /** Variables added to the build's environment for this process. */
  env?: Record<string, string>;
  /**
   * Takes the process's output (masked) instead of the log: what a step reads back, such as
   * `git rev-parse`'s answer.
   */
  output?: (chunk: Buffer) => void;
  /**
   * Stops the process's tree after this many milliseconds; it then resolves with 143 and the log
   * says why.
   */
  timeoutMs?: number;
}

/** A workspace file read by {@link BuildContext.readWorkspaceFile}. */
export type WorkspaceFile = { read: true; bytes: Buffer } | { read: false; tooLarge: boolean; skipped: string };

export interface Builder {
  readonly displayName: string;
  /** Settings of this step that do not run here (see NotRunOption); none when undefined. */
  readonly notRun?: readonly NotRunOption[];
  perform(ctx: BuildContext): Promise<Result>;
  /** Jobs this builder starts builds of, for the dependency graph (Jenkins' DependencyDeclarer). */
  readonly downstreamProjects?: readonly string[];
}

export interface BuildWrapper {
  /** Settings of this wrapper that do not run here (see NotRunOption); none when undefined. */
  readonly notRun?: readonly NotRunOption[];
  /**
   * Runs before the job's SCM checks out (Jenkins' SimpleBuildWrapper.runPreCheckout), such as a
   * workspace clean-up; a throw fails the build before the checkout.
   */
  preCheckout?(ctx: BuildContext): Promise<void>;
  /**
   * Runs before the builders; may add environment, values to mask in the log from now on
   * (`secrets`, as the credentials binding does), and a tear-down run after them.
   */
  setUp(ctx: BuildContext): Promise<{ env?: Record<string, string>; secrets?: readonly string[]; tearDown?: () => Promise<void> }>;
}

export interface Publisher {
  /**
   * A notifier (Jenkins' Notifier, such as the Mailer), as opposed to a recorder (the archiver,
   * JUnit): it runs after every other publisher, whatever its place in the job, so that it sees the
   * result they leave.
   */
  readonly notifier?: boolean;
  /** Settings of this publisher that do not run here (see NotRunOption); none when undefined. */
  readonly notRun?: readonly NotRunOption[];
  /** Runs after the builders with the result so far; returns a worse result or undefined. */
  perform(ctx: BuildContext, result: Result): Promise<Result | undefined>;
  /** Jobs this publisher starts builds of, for the dependency graph (Jenkins' DependencyDeclarer). */
  readonly downstreamProjects?: readonly string[];
  /**
   * Runs after the other publishers, with the build's result as they left it, as Jenkins triggers
   * downstream builds once the build's result is final.
   */
  readonly runsLast?: boolean;
}

/**
 * What a step element that names other jobs does when one of them is renamed (Jenkins'
 * ItemListener.onLocationChanged): rewrites the names in `element`, a fresh copy of the job's
 * config.xml, and says whether it changed anything.
 */
export type RenameJobReferences = (element: XmlElementHandle, from: string, to: string) => boolean;

/**
 * Descriptors turn a config.xml step element into a runnable step when the job loads, so a bad
 * step is reported then (with file and field), not when a build runs.
 */
export interface BuilderDescriptor extends Descriptor {
  create(step: Step, file: string): Builder;
  renameJob?: RenameJobReferences;
}
export interface BuildWrapperDescriptor extends Descriptor {
  create(step: Step, file: string): BuildWrapper;
}
export interface PublisherDescriptor extends Descriptor {
  create(step: Step, file: string): Publisher;
  renameJob?: RenameJobReferences;
}

export const BUILDER = extensionPoint<BuilderDescriptor>('Builder');
export const BUILD_WRAPPER = extensionPoint<BuildWrapperDescriptor>('BuildWrapper');
export const PUBLISHER = extensionPoint<PublisherDescriptor>('Publisher');
