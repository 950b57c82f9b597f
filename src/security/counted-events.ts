/** An event as written for several alike: the last of them, and how many it stands for. */
export type Counted<E> = E & { readonly count: number };

/** Events of one type from keys beyond the bound, written as one: "and `count` more". */
export interface MoreEvents<T extends string> {
  readonly type: T;
  readonly count: number;
  readonly more: true;
}

interface Pending<E> {
  reportedAt: number;
  unreported: number;
  last: E;
}

/**
 * Turns a stream of alike events into few: per key, the first event is written at once and the
 * next ones are counted, to be written as one event with their `count` once `intervalMs` has
 * passed since the previous one (at the next event, or by `due`, or at `drain`).
 *
 * At most `maxKeys` keys are tracked, so that a flood of addresses or targets cannot grow memory
 * (or the log) without bound: the events of further keys are only counted per type, and written
 * as one `MoreEvents` per interval. A key quiet for a whole interval is forgotten and frees its place.
 */
export class CountedEvents<E extends { readonly type: string }> {
  readonly #intervalMs: number;
  readonly #maxKeys: number;
  readonly #pending = new Map<string, Pending<E>>();
  readonly #more = new Map<E['type'], number>();

  constructor(opts: { intervalMs: number; maxKeys?: number }) {
    this.#intervalMs = opts.intervalMs;
    this.#maxKeys = opts.maxKeys ?? 10_000;
  }

  /** The events to write now for this one (none when it is only counted). */
  add(key: string, event: E, now: number): Counted<E>[] {
    const entry = this.#pending.get(key);
    if (entry === undefined && this.#pending.size >= this.#maxKeys) {
      this.#more.set(event.type, (this.#more.get(event.type) ?? 0) + 1);
      return [];
    }
    if (entry !== undefined && now - entry.reportedAt < this.#intervalMs) {
      entry.unreported += 1;
      entry.last = event;
      return [];
    }
    this.#pending.set(key, { reportedAt: now, unreported: 0, last: event });
    return [{ ...event, count: (entry?.unreported ?? 0) + 1 }];
  }

  /** Counts whose interval has passed, as events; keys quiet for a whole interval are forgotten. */
  due(now: number): (Counted<E> | MoreEvents<E['type']>)[] {
    const out: (Counted<E> | MoreEvents<E['type']>)[] = [];
    for (const [key, entry] of this.#pending) {
      if (now - entry.reportedAt < this.#intervalMs) continue;
      if (entry.unreported === 0) {
        this.#pending.delete(key);
        continue;
      }
      out.push({ ...entry.last, count: entry.unreported });
      entry.reportedAt = now;
      entry.unreported = 0;
    }
    return [...out, ...this.#takeMore()];
  }

  /** Every count not yet written, as events; forgets them all. */
  drain(): (Counted<E> | MoreEvents<E['type']>)[] {
    const out = [...this.#pending.values()].filter((e) => e.unreported > 0).map((e) => ({ ...e.last, count: e.unreported }));
    this.#pending.clear();
    return [...out, ...this.#takeMore()];
  }

  #takeMore(): MoreEvents<E['type']>[] {
    const out = [...this.#more].map(([type, count]) => ({ type, count, more: true as const }));
    this.#more.clear();
    return out;
  }
}
