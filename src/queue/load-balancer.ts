/**
 * Where a buildable item runs, after Jenkins' LoadBalancer extension point
 * (hudson.model.LoadBalancer): the queue finds the nodes that can take an item now and asks the
 * load balancer to pick one of them.
 */
import { extensionPoint, type Descriptor, type ExtensionRegistry } from '../extensions/index.js';
import type { NodeView, QueueTask } from './types.js';

/** What the load balancer is told of the item it places. */
export interface BalancedItem {
  /** The queue item's id. */
  readonly id: number;
  readonly task: QueueTask;
  /**
   * The node the job's last build started on, when known: remembered by the queue for builds it
   * dispatched since it started, else what the host knows without reading the home
   * (`QueueHost.lastBuiltOn`). Undefined when neither knows.
   */
  readonly lastBuiltOn: string | undefined;
}

/**
 * Picks the node a buildable item runs on.
 *
 * REQUIRED: `choose` is called synchronously on the queue's hot path, once per item placed. It
 * must not block, and must not keep `candidates`: the queue reuses that array.
 */
export interface LoadBalancer {
  /**
   * One of `candidates` (the same object), or undefined to leave the item buildable: it is asked
   * about again at the next event that could place it (an executor freeing, an item or a node
   * arriving). `candidates` is never empty and holds the online nodes that have an idle executor
   * and whose labels and mode let them take the item; a node in EXCLUSIVE mode is among them only
   * for a job whose label expression it matches. A load balancer that answers anything else is a
   * bug: the queue logs it and takes the first candidate.
   */
  choose(item: BalancedItem, candidates: readonly NodeView[]): NodeView | undefined;
}

export interface LoadBalancerDescriptor extends Descriptor {
  create(): LoadBalancer;
}

/** The load balancers installed; the queue uses the first (highest ordinal). */
export const LOAD_BALANCER = extensionPoint<LoadBalancerDescriptor>('LoadBalancer');

/**
 * The node with the most idle executors; on a tie, the node the job last built on, whose
 * workspace is likely still there (warm); on a further tie, the first candidate.
 */
export class DefaultLoadBalancer implements LoadBalancer {
  choose(item: BalancedItem, candidates: readonly NodeView[]): NodeView | undefined {
    let best: NodeView | undefined;
    let bestIdle = -1;
    for (const node of candidates) {
      const idle = node.idleExecutors();
      if (idle > bestIdle || (idle === bestIdle && node.name === item.lastBuiltOn)) {
        best = node;
        bestIdle = idle;
      }
    }
    return best;
  }
}

export const DEFAULT_LOAD_BALANCER: LoadBalancerDescriptor = {
  id: 'steward.DefaultLoadBalancer',
  displayName: 'Most idle executors, then the node that built the job last',
  create: () => new DefaultLoadBalancer(),
};

/** Registers the default load balancer; the composition root calls this once per registry. */
export function registerDefaultLoadBalancer(registry: ExtensionRegistry): void {
  registry.register(LOAD_BALANCER, DEFAULT_LOAD_BALANCER);
}
