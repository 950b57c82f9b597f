/**
 * Items that left the queue, remembered for lookup (`/queue/item/N/api/json` after the build
 * started) for a while, as Jenkins keeps LeftItems for five minutes. They leave in time order, so a
 * FIFO and one timer armed for the oldest suffice.
 */
import type { LeftItem } from './items.js';
import type { QueueHost } from './types.js';

export const LEFT_ITEM_RETENTION_MS = 5 * 60_000;

export class LeftItems {
  readonly #byId = new Map<number, LeftItem>();
  #fifo: LeftItem[] = [];
  #head = 0;
  #timer: { cancel(): void } | undefined;
  #closed = false;

  constructor(
    private readonly host: Pick<QueueHost, 'now' | 'setTimer'>,
    private readonly retentionMs = LEFT_ITEM_RETENTION_MS,
  ) {}

  get(id: number): LeftItem | undefined {
    return this.#byId.get(id);
  }

  add(item: LeftItem): void {
    this.#byId.set(item.id, item);
    this.#fifo.push(item);
    this.#arm();
  }

  close(): void {
    this.#closed = true;
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  #arm(): void {
    const oldest = this.#fifo[this.#head];
    if (this.#timer !== undefined || this.#closed || oldest === undefined) return;
    const delay = Math.max(0, oldest.leftAt + this.retentionMs - this.host.now());
    this.#timer = this.host.setTimer(delay, () => {
      this.#timer = undefined;
      this.#expire();
      this.#arm();
    });
  }

  #expire(): void {
    const now = this.host.now();
    for (;;) {
      const oldest = this.#fifo[this.#head];
      if (oldest === undefined || oldest.leftAt + this.retentionMs > now) break;
      this.#byId.delete(oldest.id);
      this.#head += 1;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#fifo.length) {
      this.#fifo = this.#fifo.slice(this.#head);
      this.#head = 0;
    }
  }
}
