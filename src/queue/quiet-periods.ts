/**
 * Waiting items in their quiet period: one heap by due time and one timer, armed for the earliest.
 * Never a timer per item, never a periodic sweep.
 */
import { IndexedHeap } from './heap.js';
import { byDueAt, type Entry } from './items.js';
import type { QueueHost } from './types.js';

export class QuietPeriods {
  readonly #heap = new IndexedHeap<Entry>(byDueAt);
  #timer: { cancel(): void } | undefined;
  #armedFor = Number.POSITIVE_INFINITY;
  #closed = false;

  constructor(
    private readonly host: Pick<QueueHost, 'now' | 'setTimer'>,
    /** Called with the items whose quiet period ended, earliest first. */
    private readonly onDue: (entries: Entry[]) => void,
  ) {}

  add(entry: Entry): void {
    this.#heap.push(entry);
    this.#arm();
  }

  /** A cancelled item leaves the heap; the timer stays armed and finds nothing (or less) due. */
  remove(entry: Entry): void {
    this.#heap.remove(entry);
  }

  close(): void {
    this.#closed = true;
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  #arm(): void {
    const next = this.#heap.peek();
    if (next === undefined || this.#closed || next.dueAt >= this.#armedFor) return;
    this.#timer?.cancel();
    this.#armedFor = next.dueAt;
    this.#timer = this.host.setTimer(Math.max(0, next.dueAt - this.host.now()), () => this.#fire());
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
    const now = this.host.now();
    const due: Entry[] = [];
    for (let next = this.#heap.peek(); next !== undefined && next.dueAt <= now; next = this.#heap.peek()) {
      this.#heap.pop();
      due.push(next);
    }
    try {
      if (due.length > 0) this.onDue(due);
    } finally {
      this.#arm();
    }
  }
}
