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
  /** At most this many user ids and addresses are tracked (beyond those with attempts being checked); the least recently seen go first. Default 10 000. */
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

/** Which count refused a login: the user id's, or the client address's. */
export type LockedBy = 'user' | 'address';

export type ThrottleVerdict = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number; readonly lockedBy: LockedBy };

/** A password check under way; {@link LoginThrottle.reserve} counts it as a failure until it ends. */
export interface LoginAttempt {
  /** `abandoned`: the check itself failed (an I/O error), which counts neither way. Once only. */
  end(outcome: 'failed' | 'succeeded' | 'abandoned'): void;
}

/** What `reserve` gives: the attempt to end, or the refusal. */
export type Reservation = { readonly allowed: true; readonly attempt: LoginAttempt } | Extract<ThrottleVerdict, { allowed: false }>;

/** An attempt refused only because the allowed failures are all being checked: the checks take well under a second. */
const BUSY_RETRY_MS = 1000;

interface Entry {
  failures: number;
  /** Reserved attempts whose password is being checked. */
  inFlight: number;
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
 * Use: `reserve` before verifying the password, synchronously, and `end` the attempt it gives
 * with the outcome. A reserved attempt counts as a failure while its password is checked, so
 * that however many logins arrive at once, at most `maxFailures` of them per user id or address
 * get a password check before the lock: the rest are refused (a locked attempt costs no hash).
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

  /**
   * Refused while the user id or the address is locked, or while its failures in the window and
   * the attempts being checked reach `maxFailures` (then retry in a second).
   */
  check(userId: string, address?: string): ThrottleVerdict {
    const now = this.#now();
    let refusal: { retryAfterMs: number; lockedBy: LockedBy } | undefined;
    for (const [key, lockedBy] of keysOf(userId, address)) {
      const entry = this.#entries.get(key);
      if (entry === undefined) continue;
      const failures = now - entry.windowStart > this.#window ? 0 : entry.failures;
      const wait = entry.lockedUntil > now ? entry.lockedUntil - now : failures + entry.inFlight >= this.#max ? BUSY_RETRY_MS : 0;
      if (wait > (refusal?.retryAfterMs ?? 0)) refusal = { retryAfterMs: wait, lockedBy };
    }
    return refusal === undefined ? { allowed: true } : { allowed: false, ...refusal };
  }

  /**
   * The verdict of `check`; when allowed, the attempt is counted as under way (for the user id
   * and the address) until its `end`. Synchronous, so that no other login slips in between.
   */
  reserve(userId: string, address?: string): Reservation {
    const verdict = this.check(userId, address);
    if (!verdict.allowed) return verdict;
    const now = this.#now();
    const keys = keysOf(userId, address).map(([key]) => key);
    for (const key of keys) this.#touch(key, now).inFlight += 1;
    let ended = false;
    const attempt: LoginAttempt = {
      end: (outcome) => {
        if (ended) return;
        ended = true;
        for (const key of keys) {
          const entry = this.#entries.get(key); // kept while attempts are under way (#evict, recordSuccess)
          if (entry !== undefined) entry.inFlight = Math.max(0, entry.inFlight - 1);
        }
        if (outcome === 'failed') this.recordFailure(userId, address);
        else if (outcome === 'succeeded') this.recordSuccess(userId);
      },
    };
    return { allowed: true, attempt };
  }

  /** Throws {@link LoginThrottledError} (STW_LOGIN_THROTTLED, 429) when locked. */
  assertAllowed(userId: string, address?: string): void {
    const verdict = this.check(userId, address);
    if (!verdict.allowed) throw new LoginThrottledError(verdict.retryAfterMs);
  }

  recordFailure(userId: string, address?: string): void {
    const now = this.#now();
    for (const [key] of keysOf(userId, address)) {
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
    const key = `user:${idKey(userId)}`;
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    if (entry.inFlight === 0) {
      this.#entries.delete(key);
      return;
    }
    // Other attempts for this user id are still being checked: they keep counting.
    Object.assign(entry, { failures: 0, windowStart: this.#now(), lockedUntil: 0, locks: 0 });
  }

  #touch(key: string, now: number): Entry {
    let entry = this.#entries.get(key);
    if (entry !== undefined) {
      this.#entries.delete(key); // re-inserted below: the map's order is least recently seen first
    } else {
      entry = { failures: 0, inFlight: 0, windowStart: now, lockedUntil: 0, locks: 0 };
    }
    this.#entries.set(key, entry);
    this.#evict(key);
    return entry;
  }

  /**
   * Forgets the least recently seen entries beyond `maxEntries`, but never `keep` nor one whose
   * attempts are being checked: forgetting it would forget that they count, and let more in.
   * Those are bounded by the password checks under way, so the map may pass its bound by that many.
   */
  #evict(keep: string): void {
    if (this.#entries.size <= this.#maxEntries) return;
    for (const [key, entry] of this.#entries) {
      if (this.#entries.size <= this.#maxEntries) break;
      if (key !== keep && entry.inFlight === 0) this.#entries.delete(key);
    }
  }
}

function keysOf(userId: string, address: string | undefined): [string, LockedBy][] {
  const user: [string, LockedBy] = [`user:${idKey(userId)}`, 'user'];
  return address === undefined ? [user] : [user, [`addr:${address}`, 'address']];
}
