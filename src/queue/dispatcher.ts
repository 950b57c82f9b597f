import type { NodeView, QueueTask } from './types.js';

/** An item as a dispatcher sees it. */
export interface DispatchedItem {
  readonly id: number;
  readonly task: QueueTask;
}

/**
 * Jenkins' QueueTaskDispatcher: a veto on starting an item, whose answer is the reason, in
 * Jenkins' words (its CauseOfBlockage), or undefined. Asked each time the queue looks at an item,
 * so an answer must be cheap and must not call back into the queue.
 *
 * An item `canRun` refuses is blocked, saying why, and looked at again after each build's end,
 * each cancelled or failed start, each job change and `dispatchersChanged()`; a node `canTake`
 * refuses is not offered to the load balancer for it, and the item stays buildable until an
 * executor frees again.
 */
export interface QueueTaskDispatcher {
  /** Why the item may not start on any node now. */
  canRun?(item: DispatchedItem): string | undefined;
  /** Why it may not start on `node` now. */
  canTake?(node: NodeView, item: DispatchedItem): string | undefined;
}
