/**
 * The build queue, after Jenkins' hudson.model.Queue. Pure in-memory logic: the caller persists
 * (`persistable()`, `restore()`, `QueueHost.changed`) and runs builds (`QueueHost.dispatch`,
 * then `started` / `startFailed`), and tells the queue about every event that can unblock work.
 */
export { Queue, type QueueOptions, type ScheduleRequest } from './queue.js';
export type {
  Blockage,
  BlockedItem,
  BuildableItem,
  LeftItem,
  PendingItem,
  QueueItem,
  WaitingItem,
} from './items.js';
export type { Cause, NodeView, ParameterValue, PersistedQueueItem, QueueHost, QueueTask } from './types.js';
export {
  DEFAULT_QUEUE_SORTER,
  DefaultQueueSorter,
  PRIORITY_STEP_MS,
  QUEUE_SORTER,
  registerDefaultQueueSorter,
  type QueueSorter,
  type QueueSorterDescriptor,
} from './sorter.js';
export { LEFT_ITEM_RETENTION_MS } from './left-items.js';
