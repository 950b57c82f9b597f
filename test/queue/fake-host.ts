/** An in-memory QueueHost with a fake clock and timers, for the queue's unit tests. */
import { parseLabelExpression } from '../../src/nodes/label/index.js';
import type { NodeView, PendingItem, Queue, QueueHost, QueueTask } from '../../src/queue/index.js';

export class FakeNode implements NodeView {
  readonly labels: Set<string>;
  busy = 0;
  online = true;
  mode: 'NORMAL' | 'EXCLUSIVE' = 'NORMAL';
  constructor(
    readonly name: string,
    public executors: number,
    labels: string[] = [],
  ) {
    this.labels = new Set([name, ...labels]);
  }
  idleExecutors(): number {
    return this.online ? this.executors - this.busy : 0;
  }
}

type Timer = { at: number; seq: number; fn: () => void; cancelled: boolean };

export class FakeHost implements QueueHost {
  readonly tasks = new Map<string, QueueTask>();
  readonly building = new Set<string>();
  nodeList: FakeNode[] = [];
  readonly dispatched: { item: PendingItem; node: string }[] = [];
  clock = 1_000_000;
  changes = 0;
  timersSet = 0;
  #timers: Timer[] = [];
  #seq = 0;
  /** What the host knows of where a job last built (QueueHost.lastBuiltOn); nothing by default. */
  lastBuiltOn?: (task: string) => string | undefined;
  /** What dispatch does besides taking an executor; by default nothing (the build is pending). */
  onDispatch: (item: PendingItem, node: FakeNode) => void = () => {};

  addTask(name: string, opts: { priority?: number; label?: string; concurrentBuild?: boolean; disabled?: boolean } = {}): QueueTask {
    const task: QueueTask = {
      name,
      priority: opts.priority ?? 3,
      label: opts.label === undefined ? undefined : parseLabelExpression(opts.label),
      concurrentBuild: opts.concurrentBuild ?? false,
      disabled: opts.disabled ?? false,
    };
    this.tasks.set(name, task);
    return task;
  }

  addNode(name: string, executors: number, labels: string[] = []): FakeNode {
    const node = new FakeNode(name, executors, labels);
    this.nodeList.push(node);
    return node;
  }

  task(name: string): QueueTask | undefined {
    return this.tasks.get(name);
  }
  isBuilding(name: string): boolean {
    return this.building.has(name);
  }
  nodes(): Iterable<NodeView> {
    return this.nodeList;
  }
  dispatch(item: PendingItem, node: NodeView): void {
    const n = this.nodeList.find((x) => x.name === node.name);
    if (n === undefined) throw new Error(`unknown node ${node.name}`);
    n.busy += 1;
    this.building.add(item.task);
    this.dispatched.push({ item, node: node.name });
    this.onDispatch(item, n);
  }
  changed(): void {
    this.changes += 1;
  }
  now(): number {
    return this.clock;
  }
  setTimer(ms: number, fn: () => void): { cancel(): void } {
    this.timersSet += 1;
    const timer: Timer = { at: this.clock + ms, seq: this.#seq++, fn, cancelled: false };
    this.#timers.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  }

  /** Timers not yet fired nor cancelled. */
  activeTimers(): number {
    return this.#timers.filter((t) => !t.cancelled).length;
  }

  /** Moves the clock forward, firing due timers in order. */
  advance(ms: number): void {
    const end = this.clock + ms;
    for (;;) {
      const due = this.#timers
        .filter((t) => !t.cancelled && t.at <= end)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (due === undefined) break;
      due.cancelled = true;
      this.clock = Math.max(this.clock, due.at);
      due.fn();
    }
    this.clock = end;
    this.#timers = this.#timers.filter((t) => !t.cancelled);
  }

  /** The build of a dispatched item ends: the executor frees and the job stops building. */
  finish(queue: Queue, item: PendingItem, node: string): void {
    const n = this.nodeList.find((x) => x.name === node);
    if (n === undefined) throw new Error(`unknown node ${node}`);
    n.busy -= 1;
    this.building.delete(item.task);
    queue.taskFinished(item.task);
    queue.executorFreed(node);
  }
}

export const user = { kind: 'user', shortDescription: 'Started by user admin', userId: 'admin' } as const;
