/**
 * Queue items, after Jenkins' Queue.Item family: WaitingItem (quiet period), BlockedItem,
 * BuildableItem, the pending state of a BuildableItem handed to an executor, and LeftItem.
 * The public types are immutable snapshots; `Entry` is the queue's own mutable record.
 */
import { StewardError } from '../errors/index.js';
import type { Bucket } from './buckets.js';
import { timeSpan } from './time-span.js';
import type { Cause, ParameterValue } from './types.js';

interface ItemBase {
  /** Global counter, never reused. */
  readonly id: number;
  /** The job's full name. */
  readonly task: string;
  /** A copy per snapshot; changing it changes nothing in the queue. */
  readonly parameters: ParameterValue[];
  /** One per request merged into this item, duplicates included (Jenkins' CauseAction counts them). */
  readonly causes: Cause[];
  readonly inQueueSince: number;
  /** End of the quiet period. */
  readonly dueAt: number;
}

export interface WaitingItem extends ItemBase {
  readonly state: 'waiting';
  /** `In the quiet period. Expires in 4.9 sec` */
  readonly why: string;
}

/** Why a BlockedItem waits; each kind is released by its own event. */
export type Blockage =
  /** A build of the (non-concurrent) job runs or is pending: released by `taskFinished`. */
  | 'build-in-progress'
  /** Released by `taskChanged`. */
  | 'disabled'
  /** No node has the label, or all that have it are offline: released by `nodesChanged`. */
  | 'no-node-with-label'
  | 'label-offline'
  /** The job is being renamed: released by `renamed`, under the new name. */
  | 'renaming'
  /** No build may start (the home takes no writes): released by `resumeStarts`. */
  | 'held'
  /**
   * A QueueTaskDispatcher vetoes it (an upstream job is building, a throttle is full): looked at
   * again after every build's end and `dispatchersChanged`.
   */
  | 'dispatcher';

export interface BlockedItem extends ItemBase {
  readonly state: 'blocked';
  readonly blockage: Blockage;
  /** Jenkins' CauseOfBlockage text, e.g. `A build of app is already in progress`. */
  readonly why: string;
}

export interface BuildableItem extends ItemBase {
  readonly state: 'buildable';
  /** `Waiting for next available executor on 'linux'` or `Waiting for next available executor`. */
  readonly why: string;
}

/** Handed to an executor, its build not yet started. */
export interface PendingItem extends ItemBase {
  readonly state: 'pending';
  readonly node: string;
  readonly pendingSince: number;
}

export interface LeftItem extends ItemBase {
  readonly state: 'left';
  readonly leftAt: number;
  readonly cancelled: boolean;
  /** The build the item became. */
  readonly executable?: { readonly number: number };
  /** Why it left without a build when that was not a plain cancel (start failure, job deleted). */
  readonly reason?: string;
}

export type QueueItem = WaitingItem | BlockedItem | BuildableItem | PendingItem | LeftItem;

/** Where a live entry is. `detached` only while the queue moves it between places. */
export type EntryState =
  | { readonly state: 'waiting' }
  | { readonly state: 'blocked'; readonly blockage: Blockage; readonly why: string }
  | { readonly state: 'buildable'; readonly bucket: Bucket }
  | { readonly state: 'pending'; readonly node: string; readonly since: number }
  | { readonly state: 'detached' };

export class Entry {
  at: EntryState = { state: 'detached' };
  /** From the QueueSorter; time-invariant, refreshed on classification. */
  sortKey = Number.MAX_SAFE_INTEGER;
  /**
   * Why the idle nodes did not take it when last offered (a dispatcher's canTake), shown while it
   * stays buildable; cleared when it is placed again.
   */
  nodeRefusal: string | undefined;
  heapIndex = -1;

  constructor(
    readonly id: number,
    readonly task: string,
    readonly parameters: readonly ParameterValue[],
    readonly causes: Cause[],
    readonly inQueueSince: number,
    readonly dueAt: number,
  ) {}

  base(): ItemBase {
    return {
      id: this.id,
      task: this.task,
      parameters: this.parameters.map((p) => ({ ...p })),
      causes: this.causes.map((c) => ({ ...c })),
      inQueueSince: this.inQueueSince,
      dueAt: this.dueAt,
    };
  }

  /** The public snapshot of a live entry. */
  snapshot(now: number): WaitingItem | BlockedItem | BuildableItem | PendingItem {
    const at = this.at;
    switch (at.state) {
      case 'waiting':
        return { ...this.base(), state: 'waiting', why: `In the quiet period. Expires in ${timeSpan(this.dueAt - now)}` };
      case 'blocked':
        return { ...this.base(), state: 'blocked', blockage: at.blockage, why: at.why };
      case 'buildable':
        return { ...this.base(), state: 'buildable', why: this.nodeRefusal ?? waitingForExecutor(at.bucket.label?.text) };
      case 'pending':
        return this.pending();
      case 'detached':
        throw new StewardError('STW_INTERNAL', `queue item #${this.id} is being moved and has no state`);
    }
  }

  pending(): PendingItem {
    if (this.at.state !== 'pending') {
      throw new StewardError('STW_INTERNAL', `queue item #${this.id} is ${this.at.state}, not pending`);
    }
    return { ...this.base(), state: 'pending', node: this.at.node, pendingSince: this.at.since };
  }
}

export function waitingForExecutor(labelText: string | undefined): string {
  return labelText === undefined
    ? 'Waiting for next available executor'
    : `Waiting for next available executor on '${labelText}'`;
}

/** Before `b` in sorter order: lower key first, then the older (lower id) item. */
export function bySortKey(a: Entry, b: Entry): boolean {
  return a.sortKey < b.sortKey || (a.sortKey === b.sortKey && a.id < b.id);
}

export function byDueAt(a: Entry, b: Entry): boolean {
  return a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.id < b.id);
}

/**
 * What a value is compared by: a plain value by its text, a sensitive one by the digest of its
 * clear text (its sealed form differs each time). A sensitive value without a digest equals nothing.
 */
function comparable(p: ParameterValue): string | undefined {
  if (!p.sensitive) return `=${p.value}`;
  return p.digest === undefined ? undefined : `#${p.digest}`;
}

function sameValue(a: ParameterValue | undefined, b: ParameterValue | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const key = comparable(a);
  return key !== undefined && key === comparable(b);
}

/** Same request, as Jenkins compares ParametersAction: the same names with the same values. */
export function sameParameters(a: readonly ParameterValue[], b: readonly ParameterValue[]): boolean {
  if (a.length !== b.length) return false;
  const byName = new Map(a.map((p) => [p.name, p]));
  if (byName.size !== a.length) return a.every((p, i) => p.name === b[i]?.name && sameValue(p, b[i]));
  return b.every((p) => sameValue(byName.get(p.name), p));
}

/**
 * Who asked for a build, as far as merging goes: a user by id, anything else by its kind (timer,
 * SCM...).
 */
function requester(cause: Cause): string {
  return cause.kind === 'user' ? `user:${cause.userId ?? ''}` : cause.kind;
}

/**
 * Whether a request may merge into an item with the same parameters. With a sensitive value, only
 * when the item was asked for by the same requester already: the answer (the item's id) tells
 * whether two values are equal, which only someone who sent both may learn.
 */
export function mayMerge(item: { readonly parameters: readonly ParameterValue[]; readonly causes: readonly Cause[] }, parameters: readonly ParameterValue[], cause: Cause): boolean {
  if (!sameParameters(item.parameters, parameters)) return false;
  if (!parameters.some((p) => p.sensitive)) return true;
  const who = requester(cause);
  return item.causes.some((c) => requester(c) === who);
}
