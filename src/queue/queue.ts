/**
 * The build queue, after Jenkins' hudson.model.Queue: items move waiting (quiet period) -> blocked
 * -> buildable -> pending (handed to an executor) -> left.
 *
 * Scheduling is event driven and its cost per decision does not grow with the number of items:
 * - waiting items sit in one heap by due time behind one timer (QuietPeriods);
 * - buildable items sit in buckets by label expression, each a heap in sorter order; an executor
 *   freeing on node N looks only at the tops of the buckets N matches (Buckets);
 * - blocked items sit where the event that releases them finds them: per job (a build in progress,
 *   disabled: `taskFinished`, `taskChanged`) or in one set for labels without online nodes
 *   (`nodesChanged`).
 * Which node an item goes to is the LoadBalancer's choice among the idle nodes that can take it.
 * Dispatching runs from a work list drained by the outermost call, so a host that calls back into
 * the queue from `dispatch` (started, executorFreed, schedule...) never makes it recurse.
 */
import type { Logger } from 'pino';
import { StewardError } from '../errors/index.js';
import { Buckets, type Bucket } from './buckets.js';
import { addCause, foldCauses } from './causes.js';
import {
  bySortKey,
  Entry,
  mayMerge,
  type Blockage,
  type LeftItem,
  type QueueItem,
} from './items.js';
import { LeftItems } from './left-items.js';
import { QuietPeriods } from './quiet-periods.js';
import { DEFAULT_MAX_QUEUED, DEFAULT_MAX_QUEUED_PER_JOB, QueueFullError, type QueueLimits } from './queue-full.js';
import { DefaultLoadBalancer, type LoadBalancer } from './load-balancer.js';
import { DefaultQueueSorter, type QueueSorter } from './sorter.js';
import type { Cause, NodeView, ParameterValue, PersistedQueueItem, QueueHost, QueueTask } from './types.js';
import type { QueueTaskDispatcher } from './dispatcher.js';

export interface QueueOptions {
  host: QueueHost;
  /** Defaults to DefaultQueueSorter. */
  sorter?: QueueSorter;
  /** Defaults to DefaultLoadBalancer. */
  loadBalancer?: LoadBalancer;
  logger?: Logger;
  /** Defaults to 1,000 items per job and 10,000 in all. */
  limits?: Partial<QueueLimits>;
  /** Vetoes on starting items (Jenkins' QueueTaskDispatchers), asked in order. */
  dispatchers?: readonly QueueTaskDispatcher[];
}

export interface ScheduleRequest {
  task: string;
  parameters: ParameterValue[];
  cause: Cause;
  quietPeriodMs: number;
}

type Block = { blockage: Blockage; why: string };

function renamingBlock(taskName: string): Block {
  return { blockage: 'renaming', why: `${taskName} is being renamed` };
}

export class Queue {
  readonly #host: QueueHost;
  readonly #sorter: QueueSorter;
  readonly #balancer: LoadBalancer;
  readonly #logger: Logger | undefined;
  readonly #limits: QueueLimits;
  readonly #dispatchers: readonly QueueTaskDispatcher[];
  #nextId = 1;
  #closed = false;
  /** Set by quietDown: items are still taken and kept, none is handed to an executor. */
  #quietDownReason: string | undefined;

  /** Items not yet left, by id. */
  readonly #live = new Map<number, Entry>();
  /** Items not yet left, by job: merging, taskFinished and taskChanged look only here. */
  readonly #byTask = new Map<string, Set<Entry>>();
  /** Jobs being renamed: their items are held (blocked 'renaming') until `renamed`. */
  readonly #renaming = new Set<string>();
  readonly #quiet: QuietPeriods;
  readonly #buckets: Buckets;
  /** Blocked because no online node has their label: released by nodesChanged. */
  readonly #blockedOnLabel = new Set<Entry>();
  /** Why no build may start now (holdStarts), or undefined. */
  #hold: Block | undefined;
  /** Blocked by the hold: released by resumeStarts. */
  readonly #blockedOnHold = new Set<Entry>();
  /** Vetoed by a dispatcher: looked at again after each build's end (and dispatchersChanged). */
  readonly #blockedByDispatcher = new Set<Entry>();
  /** Pending items per job, so that a second item of a non-concurrent job is never dispatched. */
  readonly #pendingByTask = new Map<string, number>();
  readonly #left: LeftItems;

  /** Nodes that may have an idle executor; a node leaves when it is seen with none. */
  readonly #idleNodes = new Set<string>();
  #idleNodesSeeded = false;
  /** Nodes to fill with work, drained by the outermost queue call. */
  readonly #toFill = new Set<string>();
  #draining = false;
  /** The candidates handed to the load balancer, reused so that placing an item allocates no array. */
  readonly #candidates: NodeView[] = [];
  /**
   * Job -> the node its last build started on, for the load balancer's warm-workspace choice.
   * One entry per job that built since start; a deleted job's entry goes with it.
   */
  readonly #lastBuiltOn = new Map<string, string>();

  constructor(opts: QueueOptions) {
    this.#host = opts.host;
    this.#sorter = opts.sorter ?? new DefaultQueueSorter();
    this.#balancer = opts.loadBalancer ?? new DefaultLoadBalancer();
    this.#logger = opts.logger;
    this.#dispatchers = opts.dispatchers ?? [];
    this.#limits = { perJob: opts.limits?.perJob ?? DEFAULT_MAX_QUEUED_PER_JOB, total: opts.limits?.total ?? DEFAULT_MAX_QUEUED };
    this.#quiet = new QuietPeriods(this.#host, (due) => this.#quietPeriodsEnded(due));
    this.#buckets = new Buckets(() => this.#host.nodes());
    this.#left = new LeftItems(this.#host);
  }

  /**
   * Asks for a build. A request for a job that already has a waiting, blocked or buildable item
   * with the same parameters (same names and values; password values by digest, and only into an
   * item the same requester asked for) is merged into it (`merged: true`): the item keeps its id
   * and due time and counts the cause, whose count grows when the item has it already, as in
   * Jenkins' causeBag. Otherwise a new item waits out the quiet period (none when `quietPeriodMs`
   * is 0) and may be dispatched before this returns.
   * @throws StewardError STW_JOB_NOT_FOUND when the host does not know the job; QueueFullError
   * (STW_QUEUE_FULL) when a new item would put more than the limit in the queue, for the job or
   * in all (a request that merges is always taken).
   */
  schedule(req: ScheduleRequest): { item: QueueItem; merged: boolean } {
    this.#assertOpen();
    if (!Number.isFinite(req.quietPeriodMs) || req.quietPeriodMs < 0) {
      throw new StewardError('STW_REQUEST_INVALID', `quiet period must be 0 or more milliseconds, not ${req.quietPeriodMs}`);
    }
    const task = this.#host.task(req.task);
    if (task === undefined) throw new StewardError('STW_JOB_NOT_FOUND', `no job named ${req.task}`);

    for (const existing of this.#byTask.get(req.task) ?? []) {
      const state = existing.at.state;
      if ((state === 'waiting' || state === 'blocked' || state === 'buildable') && mayMerge(existing, req.parameters, req.cause)) {
        addCause(existing.causes, req.cause);
        this.#host.changed();
        return { item: this.#view(existing, this.#host.now()), merged: true };
      }
    }

    this.#assertRoom(req.task);
    const now = this.#host.now();
    const entry = new Entry(
      this.#nextId++,
      req.task,
      req.parameters.map((p) => ({ ...p })),
      [{ ...req.cause }],
      now,
      now + req.quietPeriodMs,
    );
    entry.sortKey = this.#sorter.sortKey({ task, inQueueSince: entry.inQueueSince });
    this.#add(entry);
    if (this.#renaming.has(req.task)) this.#block(entry, renamingBlock(req.task));
    else if (req.quietPeriodMs > 0) this.#wait(entry);
    else this.#classify(entry);
    this.#host.changed();
    this.#drain();
    return { item: this.#snapshot(entry), merged: false };
  }

  /** Cancels a waiting, blocked or buildable item; false when it is pending, left or unknown. */
  cancel(id: number): boolean {
    const entry = this.#live.get(id);
    if (entry === undefined || entry.at.state === 'pending') return false;
    this.#detach(entry);
    this.#leave(entry, { cancelled: true });
    this.#host.changed();
    // An item that was waiting for this one (its downstream job) may go now.
    this.#recheckDispatchers();
    this.#drain();
    return true;
  }

  /** Any item still in the queue, or one that left less than five minutes ago. */
  get(id: number): QueueItem | undefined {
    const entry = this.#live.get(id);
    return entry !== undefined ? this.#view(entry, this.#host.now()) : this.#left.get(id);
  }

  /**
   * Whether the job has an item about to start: buildable, or handed to an executor (Jenkins'
   * Queue.getUnblockedTasks). Cost: the job's own items.
   */
  hasUnblocked(task: string): boolean {
    for (const e of this.#byTask.get(task) ?? []) if (e.at.state === 'buildable' || e.at.state === 'pending') return true;
    return false;
  }

  /** How many items are in each state, without copying them (for metrics). */
  counts(): Record<'waiting' | 'blocked' | 'buildable' | 'pending', number> {
    const counts = { waiting: 0, blocked: 0, buildable: 0, pending: 0 };
    for (const e of this.#live.values()) if (e.at.state !== 'detached') counts[e.at.state]++;
    return counts;
  }

  /** Items not yet left (waiting, blocked, buildable, pending), in sorter order. */
  items(): QueueItem[] {
    const now = this.#host.now();
    return [...this.#live.values()].sort((a, b) => (bySortKey(a, b) ? -1 : 1)).map((e) => this.#view(e, now));
  }

  /**
   * The build of a pending item started: the item leaves with its executable. The job stays
   * blocked for its other items until `taskFinished`.
   * @throws StewardError STW_QUEUE_ITEM_NOT_FOUND when no item with that id is pending.
   */
  started(id: number, buildNumber: number): void {
    const entry = this.#pendingEntry(id, 'started');
    if (entry.at.state === 'pending') this.#lastBuiltOn.set(entry.task, entry.at.node);
    this.#settlePending(entry);
    this.#leave(entry, { cancelled: false, executable: { number: buildNumber } });
    this.#host.changed();
  }

  /**
   * The executor could not start the build of a pending item. The item leaves, cancelled, with the
   * reason; it does not go back to buildable, since a failure that repeats would otherwise spin
   * between dispatch and failure. Items of the job blocked behind it are released.
   * @throws StewardError STW_QUEUE_ITEM_NOT_FOUND when no item with that id is pending.
   */
  startFailed(id: number, reason: string): void {
    const entry = this.#pendingEntry(id, 'startFailed');
    this.#logger?.warn({ queueItem: id, job: entry.task, reason }, 'build did not start; queue item cancelled');
    this.#settlePending(entry);
    this.#leave(entry, { cancelled: true, reason });
    this.#host.changed();
    this.#release(entry.task, 'build-in-progress');
    this.#recheckDispatchers();
    this.#drain();
  }

  /**
   * The executor could not start the build of a pending item for a reason that passes (the home
   * took no writes): the item goes back into the queue with its id, parameters and causes, instead
   * of leaving. Call `holdStarts` first, or it is dispatched again at once.
   * @throws StewardError STW_QUEUE_ITEM_NOT_FOUND when no item with that id is pending.
   */
  startDeferred(id: number, reason: string): void {
    const entry = this.#pendingEntry(id, 'deferred');
    this.#logger?.warn({ queueItem: id, job: entry.task, reason }, `the build of queue item #${id} (${entry.task}) did not start; the item stays in the queue: ${reason}`);
    this.#settlePending(entry);
    entry.at = { state: 'detached' };
    this.#classify(entry);
    this.#release(entry.task, 'build-in-progress');
    this.#recheckDispatchers();
    this.#drain();
  }

  /**
   * Lets no build start, for a reason that concerns them all (the home's disk takes no writes):
   * buildable items, and those that become so, are blocked (`held`, with `why`) until
   * `resumeStarts`. Builds are still asked for and queued; a second call only changes `why`.
   */
  holdStarts(why: string): void {
    if (this.#closed) return;
    this.#hold = { blockage: 'held', why };
    for (const e of this.#blockedOnHold) e.at = { state: 'blocked', ...this.#hold };
    for (const bucket of [...this.#buckets.all()]) {
      for (let e = bucket.heap.pop(); e !== undefined; e = bucket.heap.pop()) {
        e.at = { state: 'detached' };
        this.#block(e, this.#hold);
      }
    }
  }

  /** Ends `holdStarts`: the held items are looked at again and may start. */
  resumeStarts(): void {
    if (this.#closed || this.#hold === undefined) return;
    this.#hold = undefined;
    for (const e of [...this.#blockedOnHold]) {
      this.#detach(e);
      this.#classify(e);
    }
    this.#drain();
  }

  /**
   * An executor of `nodeName` became idle: give it the best buildable item(s) whose label it
   * matches. The host must call this every time an executor becomes idle (a build ended, a start
   * failed); the queue does not poll executors.
   */
  executorFreed(nodeName: string): void {
    if (this.#closed) return;
    this.#seedIdleNodes();
    this.#idleNodes.add(nodeName);
    this.#toFill.add(nodeName);
    this.#drain();
  }

  /** A build of the job ended: its items blocked on the build in progress are looked at again. */
  taskFinished(taskName: string): void {
    if (this.#closed) return;
    this.#release(taskName, 'build-in-progress');
    this.#recheckDispatchers();
    this.#drain();
  }

  /**
   * What a dispatcher's answers depend on changed outside the queue's events (a throttle
   * category's limits): the items dispatchers vetoed are looked at again.
   */
  dispatchersChanged(): void {
    if (this.#closed) return;
    this.#recheckDispatchers();
    this.#drain();
  }

  /** Nodes were added, removed, relabelled, went on- or offline, or changed executor counts. */
  nodesChanged(): void {
    if (this.#closed) return;
    this.#buckets.invalidate();
    for (const bucket of [...this.#buckets.all()]) {
      if (this.#buckets.labelStatus(bucket.label) === 'ok') continue;
      for (let e = bucket.heap.pop(); e !== undefined; e = bucket.heap.pop()) {
        e.at = { state: 'detached' };
        this.#classify(e);
      }
    }
    for (const e of [...this.#blockedOnLabel]) {
      this.#detach(e);
      this.#classify(e);
    }
    this.#idleNodes.clear();
    this.#idleNodesSeeded = false;
    this.#seedIdleNodes();
    for (const name of this.#idleNodes) this.#toFill.add(name);
    this.#drain();
  }

  /** The job's configuration changed (label, priority, concurrency, disabled) or it was deleted. */
  taskChanged(taskName: string): void {
    if (this.#closed) return;
    const task = this.#host.task(taskName);
    if (task === undefined) this.#lastBuiltOn.delete(taskName);
    // Another job's items may have waited on this one's configuration (its downstream jobs).
    this.#recheckDispatchers();
    const entries = this.#byTask.get(taskName);
    if (entries === undefined) {
      this.#drain();
      return;
    }
    for (const e of [...entries]) {
      const state = e.at.state;
      if (state === 'blocked' && e.at.blockage === 'renaming') continue;
      if (state === 'blocked' || state === 'buildable' || (state === 'waiting' && task === undefined)) {
        this.#detach(e);
        this.#classify(e);
      } else if (state === 'waiting' && task !== undefined) {
        // The quiet-period heap is keyed by due time, so the sort key can change in place.
        e.sortKey = this.#sorter.sortKey({ task, inQueueSince: e.inQueueSince });
      }
    }
    this.#drain();
  }

  /**
   * Holds the job's items while it is renamed: waiting, blocked and buildable items (and any
   * asked for meanwhile) become blocked ('renaming') and are not dispatched until `renamed`.
   * STW_JOB_BUSY when one is pending: its build is starting under the old name.
   */
  holdForRename(taskName: string): void {
    this.#assertOpen();
    const entries = [...(this.#byTask.get(taskName) ?? [])];
    if (entries.some((e) => e.at.state === 'pending')) {
      throw new StewardError('STW_JOB_BUSY', `job ${taskName} cannot be renamed while a build of it is starting; try again in a moment`);
    }
    this.#renaming.add(taskName);
    for (const e of entries) {
      this.#detach(e);
      this.#block(e, renamingBlock(taskName));
    }
    if (entries.length > 0) this.#host.changed();
  }

  /**
   * The end of a rename from `from` to `to` (`to` equal to `from` when it failed): the held items
   * go on as items of `to`, with their ids, parameters, causes and due times, as Jenkins keeps
   * the queue items of a renamed job.
   */
  renamed(from: string, to: string): void {
    this.#renaming.delete(from);
    if (this.#closed) return;
    const now = this.#host.now();
    for (const held of [...(this.#byTask.get(from) ?? [])]) {
      if (held.at.state !== 'blocked' || held.at.blockage !== 'renaming') continue;
      this.#detach(held);
      let moved = held;
      if (to !== from) {
        const set = this.#byTask.get(from);
        set?.delete(held);
        if (set?.size === 0) this.#byTask.delete(from);
        moved = new Entry(held.id, to, held.parameters, held.causes, held.inQueueSince, held.dueAt);
        this.#add(moved);
      }
      if (moved.dueAt > now) this.#wait(moved);
      else this.#classify(moved);
    }
    this.#host.changed();
    this.#drain();
  }

  /**
   * Brings items back after a restart: those still in their quiet period wait, the others are
   * classified at once. Pending items come back too (their build never started). `nextId` is the
   * persisted counter; ids are never reused.
   */
  restore(items: readonly PersistedQueueItem[], nextId: number): void {
    this.#assertOpen();
    const now = this.#host.now();
    let maxId = 0;
    for (const p of items) {
      if (this.#live.has(p.id)) {
        throw new StewardError('STW_CONFIG_INVALID', `queue item #${p.id} (${p.job}) is already in the queue`, { field: 'id' });
      }
      maxId = Math.max(maxId, p.id);
      const entry = new Entry(p.id, p.job, p.parameters.map((v) => ({ ...v })), foldCauses(p.causes), p.inQueueSince, p.dueAt);
      const task = this.#host.task(p.job);
      if (task !== undefined) entry.sortKey = this.#sorter.sortKey({ task, inQueueSince: entry.inQueueSince });
      this.#add(entry);
      if (p.dueAt > now) this.#wait(entry);
      else this.#classify(entry);
    }
    this.#nextId = Math.max(this.#nextId, nextId, maxId + 1);
    if (items.length > 0) this.#host.changed();
    this.#drain();
  }

  /** What queue.xml holds: every item not yet left, pending ones included, by id. */
  persistable(): { items: PersistedQueueItem[]; nextId: number } {
    const items = [...this.#live.values()].sort((a, b) => a.id - b.id).map(persisted);
    return { items, nextId: this.#nextId };
  }

  /** Item `id` as queue.xml keeps it, while it is queued; undefined once it left. */
  persistedItem(id: number): PersistedQueueItem | undefined {
    const e = this.#live.get(id);
    return e === undefined ? undefined : persisted(e);
  }

  /**
   * Jenkins' "prepare for shutdown": from now on no item is handed to an executor, while requests
   * are still taken, merged and kept (queue.xml), for the controller that comes next.
   */
  quietDown(reason: string): void {
    this.#quietDownReason = reason;
    this.#toFill.clear();
  }

  /** Why the queue hands no item to an executor (quietDown), or undefined when it does. */
  get quietDownReason(): string | undefined {
    return this.#quietDownReason;
  }

  /** Cancels the queue's timers. Later events are ignored; `schedule` and `restore` throw. */
  close(): void {
    this.#closed = true;
    this.#quiet.close();
    this.#left.close();
    this.#toFill.clear();
  }

  // --- moving items ---------------------------------------------------------------------------

  #add(entry: Entry): void {
    this.#live.set(entry.id, entry);
    let set = this.#byTask.get(entry.task);
    if (set === undefined) this.#byTask.set(entry.task, (set = new Set()));
    set.add(entry);
  }

  #wait(entry: Entry): void {
    entry.at = { state: 'waiting' };
    this.#quiet.add(entry);
  }

  #quietPeriodsEnded(due: Entry[]): void {
    if (this.#closed) return;
    for (const e of due) {
      e.at = { state: 'detached' };
      this.#classify(e);
    }
    this.#drain();
  }

  /** Takes an entry out of whatever heap or set holds it. */
  #detach(entry: Entry): void {
    const at = entry.at;
    switch (at.state) {
      case 'waiting':
        this.#quiet.remove(entry);
        break;
      case 'blocked':
        this.#blockedOnLabel.delete(entry);
        this.#blockedOnHold.delete(entry);
        this.#blockedByDispatcher.delete(entry);
        break;
      case 'buildable':
        at.bucket.heap.remove(entry);
        break;
      case 'pending':
        throw new StewardError('STW_INTERNAL', `queue item #${entry.id} is pending and cannot be moved`);
      case 'detached':
        break;
    }
    entry.at = { state: 'detached' };
  }

  /** Puts a detached entry where it belongs now: left (job gone), blocked, or buildable. */
  #classify(entry: Entry): void {
    const task = this.#host.task(entry.task);
    if (task === undefined) {
      this.#lastBuiltOn.delete(entry.task);
      this.#leave(entry, { cancelled: true, reason: `the job ${entry.task} no longer exists` });
      this.#host.changed();
      return;
    }
    entry.sortKey = this.#sorter.sortKey({ task, inQueueSince: entry.inQueueSince });
    const block = this.#blockage(task, true, entry.id);
    if (block !== undefined) {
      this.#block(entry, block);
      return;
    }
    const bucket = this.#buckets.bucketFor(task.label);
    entry.nodeRefusal = undefined;
    entry.at = { state: 'buildable', bucket };
    bucket.heap.push(entry);
    this.#offer(bucket);
  }

  #blockage(task: QueueTask, checkLabel: boolean, id: number): Block | undefined {
    if (task.disabled) return { blockage: 'disabled', why: `${task.name} is disabled` };
    if (!task.concurrentBuild && (this.#pendingByTask.has(task.name) || this.#host.isBuilding(task.name))) {
      return { blockage: 'build-in-progress', why: `A build of ${task.name} is already in progress` };
    }
    if (this.#hold !== undefined) return this.#hold;
    if (checkLabel && task.label !== undefined) {
      const status = this.#buckets.labelStatus(task.label);
      if (status === 'none') return { blockage: 'no-node-with-label', why: `There are no nodes with the label '${task.label.text}'` };
      if (status === 'offline') return { blockage: 'label-offline', why: `All nodes of label '${task.label.text}' are offline` };
    }
    for (const d of this.#dispatchers) {
      const why = this.#ask(d, 'canRun', task, () => d.canRun?.({ id, task }));
      if (why !== undefined) return { blockage: 'dispatcher', why };
    }
    return undefined;
  }

  /** A dispatcher's answer; one that throws is logged and counts as no veto. */
  #ask(d: QueueTaskDispatcher, what: string, task: QueueTask, answer: () => string | undefined): string | undefined {
    try {
      return answer();
    } catch (err) {
      this.#logger?.error({ err, job: task.name }, `a queue task dispatcher failed (${what}) on ${task.name}; it is not asked this time`);
      return undefined;
    }
  }

  /** Looks again at the items dispatchers vetoed. Cost: those items. */
  #recheckDispatchers(): void {
    if (this.#blockedByDispatcher.size === 0) return;
    for (const e of [...this.#blockedByDispatcher]) {
      this.#detach(e);
      this.#classify(e);
    }
  }

  #block(entry: Entry, block: Block): void {
    entry.at = { state: 'blocked', ...block };
    if (block.blockage === 'no-node-with-label' || block.blockage === 'label-offline') this.#blockedOnLabel.add(entry);
    else if (block.blockage === 'held') this.#blockedOnHold.add(entry);
    else if (block.blockage === 'dispatcher') this.#blockedByDispatcher.add(entry);
  }

  /** Looks again at the job's items blocked for `blockage`. Cost: the job's own items. */
  #release(taskName: string, blockage: Blockage): void {
    for (const e of [...(this.#byTask.get(taskName) ?? [])]) {
      if (e.at.state === 'blocked' && e.at.blockage === blockage) {
        this.#detach(e);
        this.#classify(e);
      }
    }
  }

  #leave(entry: Entry, outcome: { cancelled: boolean; executable?: { number: number }; reason?: string }): void {
    this.#live.delete(entry.id);
    const set = this.#byTask.get(entry.task);
    set?.delete(entry);
    if (set?.size === 0) this.#byTask.delete(entry.task);
    entry.at = { state: 'detached' };
    const left: LeftItem = { ...entry.base(), state: 'left', leftAt: this.#host.now(), ...outcome };
    this.#left.add(left);
  }

  #pendingEntry(id: number, action: string): Entry {
    const entry = this.#live.get(id);
    if (entry === undefined) {
      const left = this.#left.get(id);
      if (left !== undefined) {
        throw new StewardError('STW_QUEUE_ITEM_NOT_FOUND', `no pending queue item #${id}: it already left the queue (${left.task}), cannot mark it ${action}`);
      }
      throw new StewardError('STW_QUEUE_ITEM_NOT_FOUND', `no queue item #${id}`);
    }
    if (entry.at.state !== 'pending') {
      throw new StewardError('STW_QUEUE_ITEM_NOT_FOUND', `no pending queue item #${id}: it is ${entry.at.state} (${entry.task}), cannot mark it ${action}`);
    }
    return entry;
  }

  #settlePending(entry: Entry): void {
    const n = (this.#pendingByTask.get(entry.task) ?? 1) - 1;
    if (n > 0) this.#pendingByTask.set(entry.task, n);
    else this.#pendingByTask.delete(entry.task);
  }

  /** An entry as callers see it: while the queue quiets down, a buildable item says why it waits. */
  #view(entry: Entry, now: number): QueueItem {
    const item = entry.snapshot(now);
    return item.state === 'buildable' && this.#quietDownReason !== undefined ? { ...item, why: this.#quietDownReason } : item;
  }

  #snapshot(entry: Entry): QueueItem {
    return this.get(entry.id) ?? { ...entry.base(), state: 'left', leftAt: this.#host.now(), cancelled: true };
  }

  // --- dispatching ----------------------------------------------------------------------------

  #seedIdleNodes(): void {
    if (this.#idleNodesSeeded) return;
    this.#idleNodesSeeded = true;
    for (const node of this.#buckets.nodes().values()) if (node.online) this.#idleNodes.add(node.name);
  }

  /** A bucket gained an item: ask one idle node that matches it to take work. */
  #offer(bucket: Bucket): void {
    this.#seedIdleNodes();
    for (const name of this.#idleNodes) {
      const node = this.#buckets.node(name);
      if (node === undefined || !node.online || node.idleExecutors() <= 0) {
        this.#idleNodes.delete(name);
      } else if (bucket.matches(node)) {
        this.#toFill.add(name);
        return;
      }
    }
  }

  /**
   * Fills the nodes on the work list. Only the outermost call runs; calls made from inside
   * host.dispatch add to the list. Each round either dispatches an item or moves one out of the
   * buckets, so it ends.
   */
  #drain(): void {
    if (this.#draining || this.#closed || this.#quietDownReason !== undefined) return;
    this.#draining = true;
    try {
      for (const name of this.#toFill) {
        this.#toFill.delete(name);
        this.#fill(name);
      }
    } finally {
      this.#draining = false;
    }
  }

  /**
   * Places the best buildable items among the buckets the node matches, while it has idle
   * executors: each goes where the load balancer chooses among the idle nodes that can take it,
   * this node or another. Items the load balancer leaves go back to their buckets at the end.
   */
  #fill(nodeName: string): void {
    const node = this.#buckets.node(nodeName);
    if (node === undefined || !node.online) {
      this.#idleNodes.delete(nodeName);
      return;
    }
    // Bounded by the idle executors seen at the start, even if the host does not take one.
    let budget = node.idleExecutors();
    // A candidate for the load balancer, as every node with an idle executor is.
    if (budget > 0) this.#idleNodes.add(nodeName);
    const buckets = this.#buckets.bucketsFor(node);
    let leftBuildable: [Entry, Bucket][] | undefined;
    while (budget > 0) {
      let best: Entry | undefined;
      let bestBucket: Bucket | undefined;
      for (const bucket of buckets) {
        const top = bucket.heap.peek();
        if (top !== undefined && (best === undefined || bySortKey(top, best))) {
          best = top;
          bestBucket = bucket;
        }
      }
      if (best === undefined || bestBucket === undefined) break;
      bestBucket.heap.remove(best);
      best.at = { state: 'detached' };
      const task = this.#host.task(best.task);
      if (task === undefined || (task.label?.text ?? '') !== bestBucket.key) {
        // Deleted, or relabelled without taskChanged: classify again (at most once per item).
        this.#classify(best);
        continue;
      }
      const block = this.#blockage(task, false, best.id);
      if (block !== undefined) {
        this.#block(best, block);
        continue;
      }
      const target = this.#choose(best, task, bestBucket, node);
      if (target === undefined) {
        (leftBuildable ??= []).push([best, bestBucket]);
        continue;
      }
      this.#dispatch(best, task, target);
      budget = Math.min(target === node ? budget - 1 : budget, node.idleExecutors());
    }
    if (leftBuildable !== undefined) {
      for (const [e, bucket] of leftBuildable) {
        // Unless the host moved it meanwhile (a cancel from inside dispatch).
        if (e.at.state !== 'detached' || this.#live.get(e.id) !== e) continue;
        // A build of its job may have been dispatched since it was set aside.
        const task = this.#host.task(e.task);
        const block = task === undefined ? undefined : this.#blockage(task, false, e.id);
        if (block !== undefined) {
          this.#block(e, block);
        } else {
          e.at = { state: 'buildable', bucket };
          bucket.heap.push(e);
        }
      }
    }
    if (node.idleExecutors() <= 0) this.#idleNodes.delete(nodeName);
  }

  /**
   * Asks the load balancer where the item runs, among the idle online nodes that match its bucket
   * (`filling`, the node being filled, with an idle executor and matching the bucket, is one);
   * undefined when it leaves the item where it is.
   */
  #choose(entry: Entry, task: QueueTask, bucket: Bucket, filling: NodeView): NodeView | undefined {
    const candidates = this.#candidates;
    candidates.length = 0;
    if (this.#idleNodes.size === 1 && this.#idleNodes.has(filling.name)) {
      // The common case on a busy farm: the node being filled is the only idle one.
      candidates.push(filling);
    } else {
      for (const name of this.#idleNodes) {
        const n = this.#buckets.node(name);
        if (n === undefined || !n.online || n.idleExecutors() <= 0) this.#idleNodes.delete(name);
        else if (bucket.matches(n)) candidates.push(n);
      }
    }
    if (this.#dispatchers.length > 0) {
      // Nodes a dispatcher refuses for this item (canTake) are not offered to the load balancer.
      let kept = 0;
      let refusal: string | undefined;
      for (const n of candidates) {
        let why: string | undefined;
        for (const d of this.#dispatchers) {
          why = d.canTake === undefined ? undefined : this.#ask(d, 'canTake', task, () => d.canTake?.(n, { id: entry.id, task }));
          if (why !== undefined) break;
        }
        if (why === undefined) candidates[kept++] = n;
        else refusal ??= why;
      }
      candidates.length = kept;
      entry.nodeRefusal = kept === 0 ? refusal : undefined;
    }
    const first = candidates[0];
    if (first === undefined) return undefined;
    const lastBuiltOn = this.#lastBuiltOn.get(task.name) ?? this.#host.lastBuiltOn?.(task.name);
    let chosen: NodeView | undefined;
    try {
      chosen = this.#balancer.choose({ id: entry.id, task, lastBuiltOn }, candidates);
    } catch (err) {
      this.#logger?.error({ err, queueItem: entry.id, job: task.name }, `the load balancer failed on ${task.name}; its build goes to ${first.name}`);
      return first;
    }
    if (chosen === undefined || candidates.includes(chosen)) return chosen;
    this.#logger?.error(
      { queueItem: entry.id, job: task.name, node: chosen.name },
      `the load balancer chose a node that cannot take ${task.name} now; its build goes to ${first.name}`,
    );
    return first;
  }

  #dispatch(entry: Entry, task: QueueTask, node: NodeView): void {
    entry.at = { state: 'pending', node: node.name, since: this.#host.now() };
    this.#pendingByTask.set(task.name, (this.#pendingByTask.get(task.name) ?? 0) + 1);
    if (!task.concurrentBuild) {
      // Only one build of a non-concurrent job at a time: its other buildable items wait again.
      const block: Block = { blockage: 'build-in-progress', why: `A build of ${task.name} is already in progress` };
      for (const sibling of this.#byTask.get(task.name) ?? []) {
        if (sibling.at.state === 'buildable') {
          this.#detach(sibling);
          this.#block(sibling, block);
        }
      }
    }
    this.#logger?.debug({ queueItem: entry.id, job: task.name, node: node.name }, 'dispatching queue item');
    try {
      this.#host.dispatch(entry.pending(), node);
    } catch (err) {
      this.#logger?.error({ err, queueItem: entry.id, job: task.name, node: node.name }, 'dispatch threw');
      if (entry.at.state === 'pending') {
        this.#settlePending(entry);
        this.#leave(entry, { cancelled: true, reason: `dispatch to ${node.name} failed: ${String(err)}` });
        this.#host.changed();
        this.#release(task.name, 'build-in-progress');
      }
    }
  }

  /** Items not yet left count, pending ones too: each is held in memory and in queue.xml. */
  #assertRoom(taskName: string): void {
    const ofTask = this.#byTask.get(taskName)?.size ?? 0;
    if (ofTask >= this.#limits.perJob) {
      throw new QueueFullError(`job ${taskName} has ${ofTask} ${ofTask === 1 ? 'build' : 'builds'} in the queue already, its limit (--max-queued-per-job)`);
    }
    if (this.#live.size >= this.#limits.total) {
      throw new QueueFullError(`the build queue holds ${this.#live.size} ${this.#live.size === 1 ? 'item' : 'items'} already, its limit (--max-queued)`);
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new StewardError('STW_INTERNAL', 'the queue is closed');
  }
}

/** An entry as queue.xml keeps it. */
function persisted(e: Entry): PersistedQueueItem {
  return {
    id: e.id,
    job: e.task,
    inQueueSince: e.inQueueSince,
    dueAt: e.dueAt,
    parameters: e.parameters.map((p) => ({ ...p })),
    causes: e.causes.map((c) => ({ ...c })),
  };
}
