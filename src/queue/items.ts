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
  | 'renaming';

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
        return { ...this.base(), state: 'buildable', why: waitingForExecutor(at.bucket.label?.text) };
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

/** Same request, as Jenkins compares ParametersAction: the same names with the same values. */
export function sameParameters(a: readonly ParameterValue[], b: readonly ParameterValue[]): boolean {
  if (a.length !== b.length) return false;
  const values = new Map(a.map((p) => [p.name, p.value]));
  if (values.size !== a.length) return a.every((p, i) => p.name === b[i]?.name && p.value === b[i]?.value);
  return b.every((p) => values.has(p.name) && values.get(p.name) === p.value);
}
