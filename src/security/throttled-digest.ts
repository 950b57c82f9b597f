import { idKey } from './authentication.js';

/** A login refused by the throttle, as the audit log is told of it. */
export interface ThrottledAttempt {
  readonly type: 'login.throttled';
  readonly userId: string;
  readonly address?: string;
  readonly retryAfterMs: number;
  /** Which lock refused it: the user id's, or the address's (then the user id may be anything). */
  readonly lockedBy: 'user' | 'address';
}

/** What the audit log writes for refused logins: the last one, and how many it stands for. */
export type ThrottledSummary = ThrottledAttempt & { readonly count: number };

interface Pending {
  reportedAt: number;
  unreported: number;
  last: ThrottledAttempt;
}

/**
 * Turns refused logins into few audit events. A locked user id or address is refused as often as
 * anyone cares to ask, and each refusal costs the asker nothing; so per lock (the user id's, or the
 * address's when that is what refused), the first refusal is written at once and the next ones are
 * counted, to be written as one event with their `count` once `intervalMs` has passed since the
 * previous event (at the next refusal, or by `due`, or at `drain`).
 */
export class ThrottledDigest {
  readonly #intervalMs: number;
  readonly #maxEntries: number;
  readonly #pending = new Map<string, Pending>();

  constructor(opts: { intervalMs: number; maxEntries?: number }) {
    this.#intervalMs = opts.intervalMs;
    this.#maxEntries = opts.maxEntries ?? 10_000;
  }

  /** The events to write now for this refusal (none when it is only counted). */
  add(attempt: ThrottledAttempt, now: number): ThrottledSummary[] {
    const key = attempt.lockedBy === 'address' && attempt.address !== undefined ? `addr:${attempt.address}` : `user:${idKey(attempt.userId)}`;
    const entry = this.#pending.get(key);
    if (entry !== undefined && now - entry.reportedAt < this.#intervalMs) {
      entry.unreported += 1;
      entry.last = attempt;
      return [];
    }
    this.#pending.delete(key); // re-inserted: the map's order is oldest report first
    this.#pending.set(key, { reportedAt: now, unreported: 0, last: attempt });
    const out: ThrottledSummary[] = [{ ...attempt, count: (entry?.unreported ?? 0) + 1 }];
    while (this.#pending.size > this.#maxEntries) {
      const [oldestKey, oldest] = this.#pending.entries().next().value ?? [];
      if (oldestKey === undefined || oldest === undefined) break;
      this.#pending.delete(oldestKey);
      if (oldest.unreported > 0) out.push({ ...oldest.last, count: oldest.unreported });
    }
    return out;
  }

  /** Counts whose interval has passed, as events; locks quiet for a whole interval are forgotten. */
  due(now: number): ThrottledSummary[] {
    const out: ThrottledSummary[] = [];
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
    return out;
  }

  /** Every count not yet written, as events; forgets them all. */
  drain(): ThrottledSummary[] {
    const out = [...this.#pending.values()].filter((e) => e.unreported > 0).map((e) => ({ ...e.last, count: e.unreported }));
    this.#pending.clear();
    return out;
  }
}
