/**
 * The build queue, after Jenkins' hudson.model.Queue. Pure in-memory logic: the caller persists
 * (`persistable()`, `restore()`, `QueueHost.changed`) and runs builds (`QueueHost.dispatch`,
 * then `started` / `startFailed`), and tells the queue about every event that can unblock work.
 */
export { Queue, type QueueOptions, type ScheduleRequest } from './queue.js';
/**
 * The queue's limits (1,000 items per job and 10,000 in all unless configured) and the error a
 * request past them gets: STW_QUEUE_FULL, with the seconds to wait before trying again.
 */
export {
  DEFAULT_MAX_QUEUED,
  DEFAULT_MAX_QUEUED_PER_JOB,
  QUEUE_FULL_RETRY_AFTER_SECONDS,
  QueueFullError,
  type QueueLimits,
} from './queue-full.js';
export type {
  Blockage,
  BlockedItem,
  BuildableItem,
  LeftItem,
  PendingItem,
  QueueItem,
  WaitingItem,
} from './items.js';
/** Identical causes kept once with a count, as Jenkins' CauseAction keeps its causeBag. */
export { addCause, countOf, foldCauses, requestCount, sameCause } from './causes.js';
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
/** Where an item runs: Jenkins' LoadBalancer extension point and the default (most idle, then warm). */
export {
  DEFAULT_LOAD_BALANCER,
  DefaultLoadBalancer,
  LOAD_BALANCER,
  registerDefaultLoadBalancer,
  type BalancedItem,
  type LoadBalancer,
  type LoadBalancerDescriptor,
} from './load-balancer.js';
export { labelWarning } from './label-warning.js';
/** Jenkins' QueueTaskDispatcher: a veto on starting an item, anywhere (canRun) or on a node (canTake). */
export type { DispatchedItem, QueueTaskDispatcher } from './dispatcher.js';
export { LEFT_ITEM_RETENTION_MS } from './left-items.js';
