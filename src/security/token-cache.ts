import { sha256Hex } from './constant-time.js';

export interface TokenCacheOptions {
  /** How long a successful verification is trusted, in ms. Default 60 000. */
  ttlMs?: number;
  /** At most this many entries; the oldest go first. Default 10 000. */
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  readonly userKey: string;
  readonly generation: number;
  readonly expiresAt: number;
}

/**
 * Remembers API tokens that verified recently, keyed by SHA-256(user key + NUL + token), so a
 * request with a token costs one hash and a map lookup. The token itself is never kept.
 * `invalidateUser` (on revoke, password change, delete) forgets a user's entries at once by
 * bumping the user's generation.
 */
export class TokenCache {
  readonly #ttl: number;
  readonly #max: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();
  readonly #generations = new Map<string, number>();

  constructor(opts: TokenCacheOptions = {}) {
    this.#ttl = opts.ttlMs ?? 60_000;
    this.#max = opts.maxEntries ?? 10_000;
    this.#now = opts.now ?? Date.now;
  }

  /** The cache key of a user key and presented token. */
  static keyOf(userKey: string, token: string): string {
    return sha256Hex(`${userKey}\0${token}`);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** True when this key verified for this user within the ttl and nothing invalidated it since. */
  has(key: string, userKey: string): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    if (entry.userKey !== userKey || entry.generation !== this.#generation(userKey) || entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return false;
    }
    return true;
  }

  add(key: string, userKey: string): void {
    this.#entries.delete(key);
    this.#entries.set(key, { userKey, generation: this.#generation(userKey), expiresAt: this.#now() + this.#ttl });
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
  }

  invalidateUser(userKey: string): void {
    this.#generations.set(userKey, this.#generation(userKey) + 1);
  }

  clear(): void {
    this.#entries.clear();
  }

  #generation(userKey: string): number {
    return this.#generations.get(userKey) ?? 0;
  }
}
