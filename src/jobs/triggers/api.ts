import { extensionPoint, type Descriptor } from '../../extensions/index.js';
import type { Step } from '../config/index.js';

/** What a trigger may do: ask for a build of its job. */
export interface TriggerContext {
  readonly jobName: string;
  /** Queues a build with the job's default parameters; `cause` is the first log line. */
  schedule(cause: { kind: 'timer' | 'scm' | 'other'; shortDescription: string }): void;
}

/** A running trigger of one job; stopped when the job is reconfigured or deleted, or the controller stops. */
export interface Trigger {
  stop(): void;
}

export interface TriggerDescriptor extends Descriptor {
  /** Parses the trigger element when the job loads (errors name file and field); `start` runs it. */
  create(step: Step, file: string, jobName: string): { start(ctx: TriggerContext): Trigger };
}

export const TRIGGER = extensionPoint<TriggerDescriptor>('Trigger');
