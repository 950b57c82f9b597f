import type { Logger } from 'pino';
import { extensionPoint, type Descriptor } from '../../extensions/index.js';
import type { HomeStore } from '../../home/index.js';
import type { QueueTaskDispatcher } from '../../queue/index.js';
import type { Jobs } from '../jobs.js';

/** What a queue task dispatcher may look at to decide (Jenkins' QueueTaskDispatcher sees Jenkins whole). */
export interface DispatcherContext {
  readonly jobs: Jobs;
  /** Reads the home's files (a plugin's global configuration); writes go elsewhere. */
  readonly store: HomeStore;
  readonly logger: Logger;
  /** Every build started or being started, with its node, from the executors that hold them. */
  building(): Iterable<{ readonly job: string; readonly node: string }>;
  /** Whether the job has a queue item about to start: buildable, or handed to an executor (Jenkins' unblocked tasks). */
  queuedUnblocked(job: string): boolean;
  /** Tells the queue that answers may have changed for reasons of the dispatcher's own (its configuration). */
  changed(): void;
}

/**
 * A kind of veto on starting queue items, registered under {@link QUEUE_TASK_DISPATCHER}; the
 * controller makes one of each before its queue starts and asks them in ordinal order.
 */
export interface QueueTaskDispatcherDescriptor extends Descriptor {
  create(ctx: DispatcherContext): Promise<QueueTaskDispatcher & { close?(): void }>;
}

export const QUEUE_TASK_DISPATCHER = extensionPoint<QueueTaskDispatcherDescriptor>('QueueTaskDispatcher');
