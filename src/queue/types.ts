/** What the queue knows of the world outside it: tasks (jobs), nodes, and the host's callbacks. */
import type { NodeMode } from '../nodes/index.js';
import type { LabelExpression } from '../nodes/label/index.js';
import type { PendingItem } from './items.js';

/** Why a build was requested (Jenkins' hudson.model.Cause, as shown in a CauseAction). */
export type Cause = {
  kind: 'user' | 'timer' | 'scm' | 'remote' | 'upstream' | 'other';
  shortDescription: string;
  userId?: string;
  userName?: string;
  /** For an upstream cause, the job whose build started this one (answers hide it from who may not read it). */
  upstreamProject?: string;
  /** For an upstream cause, the number of the build that started this one. */
  upstreamBuild?: number;
  /** For an upstream cause, the upstream job's URL relative to the root (`job/A/`), as Jenkins keeps it. */
  upstreamUrl?: string;
  /**
   * For an upstream cause, the causes of the build that started this one, nested as far as
   * Jenkins keeps them (10 levels, 25 causes; past that one "(deeply nested causes)").
   */
  upstreamCauses?: Cause[];
  /** For a remote cause ("Started by remote host ADDR with note: NOTE"): the caller's address and the `cause` text it gave. */
  addr?: string;
  note?: string;
  /**
   * How many identical requests this cause stands for (Jenkins' causeBag count); absent means 1.
   * A list of causes holds each distinct cause once (see causes.ts).
   */
  count?: number;
};

/**
 * A build parameter's value. `type` is the Jenkins class of the value
 * (`hudson.model.BooleanParameterValue`...); a string value when not given. A sensitive value is
 * sealed (encrypted with a fresh IV each time), so the queue compares it by `digest`, a keyed
 * digest of its clear text; it is kept in memory only, never written.
 */
export type ParameterValue = { name: string; value: string; sensitive: boolean; type?: string; digest?: string };

/** What the queue needs to know of a job. Asked through the host each time it matters. */
export interface QueueTask {
  readonly name: string;
  /** Lower number = more urgent (PrioritySorter convention); the caller picks the default (3). */
  readonly priority: number;
  /** Where builds may run; undefined: any node. */
  readonly label: LabelExpression | undefined;
  readonly concurrentBuild: boolean;
  readonly disabled: boolean;
}

export interface NodeView {
  readonly name: string;
  /** The node's labels, including its own name. */
  readonly labels: ReadonlySet<string>;
  /**
   * NORMAL: the node takes any build its labels allow. EXCLUSIVE: only builds whose job has a label
   * expression that matches it ("Only build jobs with label expressions matching this node").
   */
  readonly mode: NodeMode;
  idleExecutors(): number;
  readonly online: boolean;
}

/**
 * The queue's view of its owner. The queue never polls: the host tells it about every change that
 * can unblock work by calling `executorFreed`, `taskFinished`, `nodesChanged` and `taskChanged`.
 */
export interface QueueHost {
  /** undefined: the job was deleted; its items are cancelled. */
  task(name: string): QueueTask | undefined;
  /** A build of the job is running or pending start. */
  isBuilding(name: string): boolean;
  /** Every node, online or not. Read again only after `nodesChanged()`. */
  nodes(): Iterable<NodeView>;
  /**
   * Hands a buildable item to an idle executor of `node`. Called synchronously from inside queue
   * processing. The host must take an executor at once (so `idleExecutors()` drops) and later call
   * `queue.started(item.id, buildNumber)` or `queue.startFailed(item.id, reason)`; it may do so
   * synchronously, and may call any other queue method from here too.
   */
  dispatch(item: PendingItem, node: NodeView): void;
  /**
   * The node the job's last build ran on, when the host knows it cheaply (a record already in
   * memory); it must not read the home. Asked only for jobs none of whose builds this queue saw
   * start, such as after a restart, to tell the load balancer where a warm workspace may be.
   */
  lastBuiltOn?(task: string): string | undefined;
  /** The queue's persistent contents changed (for queue.xml); the host debounces writes. */
  changed(): void;
  /** Milliseconds clock. */
  now(): number;
  setTimer(ms: number, fn: () => void): { cancel(): void };
}

/** One queue item as written to queue.xml: enough to bring it back after a restart. */
export type PersistedQueueItem = {
  id: number;
  job: string;
  inQueueSince: number;
  dueAt: number;
  parameters: ParameterValue[];
  causes: Cause[];
};
