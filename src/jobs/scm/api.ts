import { extensionPoint, type Descriptor } from '../../extensions/index.js';
import type { Step } from '../config/index.js';
import type { BuildContext, LaunchStepOptions } from '../steps/api.js';
import type { XmlSpec } from '../../xml/index.js';

/**
 * What a checkout sees of its build: the build's context (its node, workspace, log and
 * environment) and what Jenkins' SCM.checkout is given besides: the earlier builds' records, a
 * place in this build's record for what was built, and its changelog file.
 */
export interface ScmContext extends BuildContext {
  /**
   * The actions recorded by the newest earlier build that ended (Jenkins'
   * getPreviousBuiltBuild), or by the newest that ended SUCCESS or UNSTABLE (`successful`);
   * undefined when there is none.
   */
  previousActions(which: 'built' | 'successful'): Promise<readonly XmlSpec[] | undefined>;
  /** Adds an action to this build's record (build.xml), as Jenkins' Run.addAction. */
  addAction(action: XmlSpec): void;
  /** Writes the build's `changelog.xml` (builds/N/changelog.xml). */
  writeChangelog(text: string): Promise<void>;
  /** Values to mask in the build's log from now on (a password given in a repository URL). */
  mask(values: readonly string[]): void;
}

/** How a checkout ended: the environment it adds to the build's, or why it failed. */
export type CheckoutResult =
  | { readonly ok: true; readonly env: Readonly<Record<string, string>> }
  | { readonly ok: false; readonly reason: string };

/**
 * Jenkins' SCM: the source a freestyle job's builds check out into the workspace before its
 * build wrappers and builders run, on the node that runs the build.
 */
export interface SCM {
  readonly displayName: string;
  /**
   * The parts of its configuration this controller does not run (an SCM extension it does not
   * know, `hudson.plugins.git.extensions.impl.UserIdentity`): the job loads and runs without them,
   * and each checkout's log says so.
   */
  readonly unsupported: readonly string[];
  /** Checks out into `ctx.workspace`; never throws for a failure a user can mend. */
  checkout(ctx: ScmContext): Promise<CheckoutResult>;
  /**
   * The variables a checkout set, from the actions it recorded: for a build taken back after a
   * failover, whose checkout an earlier controller ran.
   */
  environment(actions: readonly XmlSpec[]): Record<string, string>;
  /**
   * The actions this SCM recorded in a build's record (`actions`), as Jenkins' JSON API shows
   * them among the build's `actions` (the git plugin's BuildData with `lastBuiltRevision`).
   */
  actionsJson(actions: readonly XmlSpec[]): Record<string, unknown>[];
  /**
   * A build's change set as Jenkins' JSON API shows it (`changeSet`), from the build's
   * changelog.xml (undefined when it has none).
   */
  changeSet(changelog: string | undefined): Record<string, unknown>;
  /**
   * Asks the remote whether it has changes the job has not built (Jenkins' SCM.compareRemoteRevisionWith):
   * what the SCM trigger and push notifications call. An SCM without it is never polled.
   */
  poll?(ctx: PollContext): Promise<PollResult>;
}

/**
 * What a poll sees: the job's last built build's record, the polling log, and processes run on
 * the built-in node (never a fork of the controller), as a build's git commands are.
 */
export interface PollContext extends Pick<BuildContext, 'log' | 'credential' | 'tempFile'> {
  readonly jobName: string;
  /**
   * The actions of the newest build that ended (Jenkins' getLastBuiltBuild); with `holding`, of the
   * newest that ended and recorded an action of that element name (the git plugin's BuildData, which
   * a build whose checkout failed lacks). Undefined when there is none.
   */
  lastBuiltActions(holding?: string): Promise<readonly XmlSpec[] | undefined>;
  /** Runs a process on the built-in node; its output goes to `output` (never to a build's log). Resolves with its exit code (143 when stopped at its timeout). */
  launch(command: string, args: readonly string[], opts?: LaunchStepOptions): Promise<number>;
  /** Polling has no build log to mask; accepted so that credential code reads the same as a build's. */
  mask(values: readonly string[]): void;
  /**
   * The answer of `compute` shared by every poll of this cycle that asks for the same `key` (one
   * `git ls-remote` per remote URL and credentials, however many jobs poll it): an answer made
   * before this poll was asked for (a push notification) is not reused.
   */
  shared<T>(key: string, compute: () => Promise<T>): Promise<T>;
  /** The longest a process of the poll may run before it is stopped. */
  readonly timeoutMs: number;
  /** What an authenticated push notification said the remote now holds, when one asked for this poll. */
  readonly pushed: PushedHead | undefined;
}

/**
 * A branch head a push notification vouches for (a webhook whose signature was checked): a poll
 * may take it as the remote's answer for that branch instead of asking the remote.
 */
export interface PushedHead {
  /** The repository's URL as the notification names it. */
  readonly url: string;
  /** `refs/heads/main`. */
  readonly ref: string;
  readonly sha1: string;
}

/** What a poll found (Jenkins' PollingResult): changes start a build; `reason` ends the polling log. */
export type PollResult =
  | { readonly kind: 'changes'; readonly reason: string }
  | { readonly kind: 'none'; readonly reason: string }
  | { readonly kind: 'failed'; readonly reason: string };

/** Turns a job's `<scm class="...">` into its SCM when the job loads; throws naming file and field. */
export interface ScmDescriptor extends Descriptor {
  create(scm: Step, file: string): SCM;
}

/** The SCM extension point; descriptors are found by the `<scm>` element's class attribute. */
export const SCM_POINT = extensionPoint<ScmDescriptor>('SCM');

/** The change set of a build without an SCM, as Jenkins shows it. */
export const EMPTY_CHANGE_SET: Readonly<Record<string, unknown>> = { _class: 'hudson.scm.EmptyChangeLogSet', items: [], kind: null };
