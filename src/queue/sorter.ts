/**
 * Queue ordering, after Jenkins' QueueSorter extension point (hudson.model.queue.QueueSorter) and
 * the PrioritySorter plugin's convention that a lower priority number is more urgent.
 */
import { extensionPoint, type Descriptor, type ExtensionRegistry } from '../extensions/index.js';
import type { QueueTask } from './types.js';

/**
 * Orders buildable items: the lowest key runs first, ties go to the older item (lower id).
 *
 * REQUIRED: the key must be time-invariant, a pure function of the task's configuration and the
 * item's `inQueueSince`. The queue computes it once when an item becomes buildable (and again on
 * `taskChanged`) and keeps buildable items in heaps by it; a key that drifts with the clock would
 * silently break the heaps. Express ageing as an offset of `inQueueSince`, as the default does.
 */
export interface QueueSorter {
  sortKey(item: { readonly task: QueueTask; readonly inQueueSince: number }): number;
}

export interface QueueSorterDescriptor extends Descriptor {
  create(): QueueSorter;
}

export const QUEUE_SORTER = extensionPoint<QueueSorterDescriptor>('QueueSorter');

/** How long an item must wait to gain one priority step under the default sorter. */
export const PRIORITY_STEP_MS = 60_000;

/**
 * Job priority, then age, with anti-starvation: `priority * 60_000 + inQueueSince`. Waiting one
 * minute longer is worth exactly one priority step, so a priority-5 item queued 3 minutes ago
 * (key t+120000) runs before a priority-3 item queued now (t+180000) and after a priority-1 item
 * queued now (t+60000). Time-invariant, as the heaps require.
 */
export class DefaultQueueSorter implements QueueSorter {
  sortKey(item: { readonly task: QueueTask; readonly inQueueSince: number }): number {
    return item.task.priority * PRIORITY_STEP_MS + item.inQueueSince;
  }
}

export const DEFAULT_QUEUE_SORTER: QueueSorterDescriptor = {
  id: 'steward.DefaultQueueSorter',
  displayName: 'Job priority, then time in queue (one priority step per minute waited)',
  create: () => new DefaultQueueSorter(),
};

/** Registers the default sorter; the composition root calls this once per registry. */
export function registerDefaultQueueSorter(registry: ExtensionRegistry): void {
  registry.register(QUEUE_SORTER, DEFAULT_QUEUE_SORTER);
}
