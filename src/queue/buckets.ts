/**
 * Buildable items bucketed by label expression, each bucket a heap in sorter order, and the caches
 * that let an executor freeing on a node consult only the buckets whose expression the node
 * matches. All caches depend on nodes only and are dropped by `invalidate()` (on nodesChanged).
 */
import type { LabelExpression } from '../nodes/label/index.js';
import { IndexedHeap } from './heap.js';
import { bySortKey, type Entry } from './items.js';
import type { NodeView } from './types.js';

/** Whether any node could ever take an item of a label. */
export type LabelStatus = 'ok' | 'offline' | 'none';

export class Bucket {
  readonly heap = new IndexedHeap<Entry>(bySortKey);
  /** node name -> matches; cleared with the node caches. */
  readonly matchesNode = new Map<string, boolean>();

  constructor(
    /** The expression's normalised text; '' for items that may run anywhere. */
    readonly key: string,
    readonly label: LabelExpression | undefined,
  ) {}

  /** Items without a label run on any node in NORMAL mode; a node in EXCLUSIVE mode waits for a label. */
  matches(node: NodeView): boolean {
    let m = this.matchesNode.get(node.name);
    if (m === undefined) {
      m = this.label === undefined ? node.mode === 'NORMAL' : this.label.matches(node.labels);
      this.matchesNode.set(node.name, m);
    }
    return m;
  }
}

export class Buckets {
  readonly #byKey = new Map<string, Bucket>();
  /** node name -> the buckets it matches, in creation order. */
  readonly #byNode = new Map<string, Bucket[]>();
  readonly #labelStatus = new Map<string, LabelStatus>();
  #nodes: Map<string, NodeView> | undefined;

  constructor(private readonly loadNodes: () => Iterable<NodeView>) {}

  /** Drops every cache that depends on nodes; the node list is read again on next use. */
  invalidate(): void {
    this.#nodes = undefined;
    this.#byNode.clear();
    this.#labelStatus.clear();
    for (const [key, bucket] of this.#byKey) {
      // Forget buckets of expressions no item uses any more, so the per-node lists stay short.
      if (bucket.heap.size === 0) this.#byKey.delete(key);
      else bucket.matchesNode.clear();
    }
  }

  nodes(): ReadonlyMap<string, NodeView> {
    if (this.#nodes === undefined) {
      this.#nodes = new Map();
      for (const node of this.loadNodes()) this.#nodes.set(node.name, node);
    }
    return this.#nodes;
  }

  node(name: string): NodeView | undefined {
    return this.nodes().get(name);
  }

  all(): IterableIterator<Bucket> {
    return this.#byKey.values();
  }

  bucketFor(label: LabelExpression | undefined): Bucket {
    const key = label?.text ?? '';
    let bucket = this.#byKey.get(key);
    if (bucket === undefined) {
      bucket = new Bucket(key, label);
      this.#byKey.set(key, bucket);
      for (const [nodeName, list] of this.#byNode) {
        const node = this.node(nodeName);
        if (node !== undefined && bucket.matches(node)) list.push(bucket);
      }
    }
    return bucket;
  }

  /** The buckets whose expression `node` matches. */
  bucketsFor(node: NodeView): readonly Bucket[] {
    let list = this.#byNode.get(node.name);
    if (list === undefined) {
      list = [];
      for (const bucket of this.#byKey.values()) if (bucket.matches(node)) list.push(bucket);
      this.#byNode.set(node.name, list);
    }
    return list;
  }

  labelStatus(label: LabelExpression | undefined): LabelStatus {
    if (label === undefined) return 'ok';
    let status = this.#labelStatus.get(label.text);
    if (status === undefined) {
      status = 'none';
      for (const node of this.nodes().values()) {
        if (!label.matches(node.labels)) continue;
        if (node.online) {
          status = 'ok';
          break;
        }
        status = 'offline';
      }
      this.#labelStatus.set(label.text, status);
    }
    return status;
  }
}
