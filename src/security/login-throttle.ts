import { StewardError } from '../errors/index.js';
import { idKey } from './authentication.js';

export interface LoginThrottleOptions {
  /** Failures within `windowMs` that lock a user id or address. Default 5. */
  maxFailures?: number;
  /** Default 15 minutes. */
  windowMs?: number;
  /** The first lock's length; each further lock doubles it. Default 30 s. */
  baseDelayMs?: number;
  /** The longest lock. Default 15 minutes. */
  maxDelayMs?: number;
  /** At most this many user ids and addresses are tracked; the least recently seen go first. Default 10 000. */
  maxEntries?: number;
  now?: () => number;
}

/** STW_LOGIN_THROTTLED, saying when to try again (HTTP answers carry it as Retry-After). */
export class LoginThrottledError extends StewardError {
  readonly retryAfterSeconds: number;

  constructor(retryAfterMs: number) {
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    super('STW_LOGIN_THROTTLED', `too many failed logins; try again in ${seconds} s`);
    this.retryAfterSeconds = seconds;
  }
}

export type ThrottleVerdict = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };

interface Entry {
  failures: number;
  windowStart: number;
  lockedUntil: number;
  locks: number;
}

/**
 * Slows down password guessing. Failures are counted per user id and per client address; after
 * `maxFailures` within the window, that id or address is locked for 30 s, then 60 s, 2 min...
 * up to `maxDelayMs`. A lock is forgotten once a window has passed since it ended.
 *
 * A successful login resets the user id's count only, not the address's: one valid account must
 * not let an address go on guessing the passwords of others.
 *
 * Use: `check` before verifying the password (a locked attempt costs no hash), then
 * `recordFailure` or `recordSuccess`.
 */
export class LoginThrottle {
  readonly #max: number;
  readonly #window: number;
  readonly #base: number;
  readonly #maxDelay: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();

  constructor(opts: LoginThrottleOptions = {}) {
    this.#max = opts.maxFailures ?? 5;
    this.#window = opts.windowMs ?? 15 * 60_000;
    this.#base = opts.baseDelayMs ?? 30_000;
    this.#maxDelay = opts.maxDelayMs ?? 15 * 60_000;
    this.#maxEntries = opts.maxEntries ?? 10_000;
    this.#now = opts.now ?? Date.now;
  }

  /** Tracked user ids and addresses. */
  get size(): number {
    return this.#entries.size;
  }

  check(userId: string, address?: string): ThrottleVerdict {
    const now = this.#now();
    let wait = 0;
    for (const key of keysOf(userId, address)) {
      const entry = this.#entries.get(key);
      if (entry !== undefined && entry.lockedUntil > now) wait = Math.max(wait, entry.lockedUntil - now);
    }
    return wait > 0 ? { allowed: false, retryAfterMs: wait } : { allowed: true };
  }

  /** Throws {@link LoginThrottledError} (STW_LOGIN_THROTTLED, 429) when locked. */
  assertAllowed(userId: string, address?: string): void {
    const verdict = this.check(userId, address);
    if (!verdict.allowed) throw new LoginThrottledError(verdict.retryAfterMs);
  }

  recordFailure(userId: string, address?: string): void {
    const now = this.#now();
    for (const key of keysOf(userId, address)) {
      const entry = this.#touch(key, now);
      if (now - entry.windowStart > this.#window) {
        entry.failures = 0;
        entry.windowStart = now;
        if (now - entry.lockedUntil > this.#window) entry.locks = 0;
      }
      entry.failures += 1;
      if (entry.failures >= this.#max) {
        entry.lockedUntil = now + Math.min(this.#base * 2 ** entry.locks, this.#maxDelay);
        entry.locks += 1;
        entry.failures = 0;
        entry.windowStart = now;
      }
    }
  }

  recordSuccess(userId: string): void {
    this.#entries.delete(`user:${idKey(userId)}`);
  }

  #touch(key: string, now: number): Entry {
    let entry = this.#entries.get(key);
    if (entry !== undefined) {
      this.#entries.delete(key); // re-inserted below: the map's order is least recently seen first
    } else {
      entry = { failures: 0, windowStart: now, lockedUntil: 0, locks: 0 };
    }
    this.#entries.set(key, entry);
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
    return entry;
  }
}

function keysOf(userId: string, address: string | undefined): string[] {
  return address === undefined ? [`user:${idKey(userId)}`] : [`user:${idKey(userId)}`, `addr:${address}`];
}
