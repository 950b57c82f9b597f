import { extensionPoint, type Descriptor } from '../../extensions/index.js';
import type { Cause, Step } from '../config/index.js';
import type { Result } from '../result.js';
import type { RenameJobReferences } from '../steps/api.js';

/** A build that ended, as triggers hear of it (Jenkins' RunListener.onCompleted). */
export interface CompletedBuild {
  readonly job: string;
  readonly number: number;
  readonly result: Result;
  /** Why it was started (for the UpstreamCause of a build it starts). */
  readonly causes: readonly Cause[];
}

/** What a trigger may do: ask for a build of its job, and hear of other builds' ends. */
export interface TriggerContext {
  readonly jobName: string;
  /** Queues a build with the job's default parameters; `cause` is the first log line. */
  schedule(cause: Cause): void;
  /** Calls `listener` after each build of any job ends, its record written; returns the unsubscription. */
  onCompleted(listener: (build: CompletedBuild) => void): () => void;
  /**
   * Asks for a poll of the job's SCM (Jenkins' SCMTrigger.run): a build is queued when it finds
   * changes. A poll asked while one of the job waits or runs is not asked twice.
   */
  poll(): void;
}

/** A trigger that polls the job's SCM, as push notifications see it (Jenkins' SCMTrigger). */
export interface PollingTrigger {
  /** Jenkins' "Ignore post-commit hooks": push notifications do not poll this job. */
  readonly ignorePostCommitHooks: boolean;
}

/** A running trigger of one job; stopped when the job is reconfigured or deleted, or the controller stops. */
export interface Trigger {
  stop(): void;
}

export interface TriggerDescriptor extends Descriptor {
  /** Rewrites the names of other jobs in the trigger's element when one is renamed (see RenameJobReferences). */
  renameJob?: RenameJobReferences;
  /** Parses the trigger element when the job loads (errors name file and field); `start` runs it. */
  create(step: Step, file: string, jobName: string): CreatedTrigger;
}

/** A job's trigger as its configuration made it; `polling` when it polls the SCM. */
export interface CreatedTrigger {
  start(ctx: TriggerContext): Trigger;
  readonly polling?: PollingTrigger;
  /** The jobs whose builds start this one (ReverseBuildTrigger), for the job's upstreamProjects. */
  readonly upstreamProjects?: readonly string[];
}

export const TRIGGER = extensionPoint<TriggerDescriptor>('Trigger');
