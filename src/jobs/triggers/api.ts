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
}

/** A running trigger of one job; stopped when the job is reconfigured or deleted, or the controller stops. */
export interface Trigger {
  stop(): void;
}

export interface TriggerDescriptor extends Descriptor {
  /** Rewrites the names of other jobs in the trigger's element when one is renamed (see RenameJobReferences). */
  renameJob?: RenameJobReferences;
  /** Parses the trigger element when the job loads (errors name file and field); `start` runs it. */
  create(step: Step, file: string, jobName: string): { start(ctx: TriggerContext): Trigger; upstreamProjects?: readonly string[] };
}

export const TRIGGER = extensionPoint<TriggerDescriptor>('Trigger');
