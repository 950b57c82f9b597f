import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { StewardError, coerceError } from '../../errors/index.js';
import type { LeaseDriver } from './driver.js';
import type { Lease, LeaseHolder, LeaseLostListener } from './types.js';

export interface RenewingLeaseOptions {
  holder: LeaseHolder;
  /** How long the lease lives on the service without a renewal. */
  ttlMs: number;
  /** Wait for the holder (true) or fail at once (false). */
  wait?: boolean;
  /** With wait: give up after this long. */
  timeoutMs?: number;
  signal?: AbortSignal;
  logger?: Logger;
  /** Called after each renewal with its round trip in ms (for metrics). */
  onRenew?: (ms: number) => void;
}

/** Renew every third of the TTL, as the architecture's defaults say. */
export const RENEW_FRACTION = 3;

/**
 * How long before the service can expire the lease the holder stops writing: a fifth of the TTL,
 * at least 250 ms, at most half of it. It covers the clocks of holder and service running at
 * slightly different rates and the time the holder takes to act on the loss.
 */
export function safetyMarginMs(ttlMs: number): number {
  return Math.min(Math.max(ttlMs * 0.2, 250), ttlMs / 2);
}

/** How often a waiter without a watch asks again: often enough to fail over within TTL + 0.5 s. */
export function pollMs(ttlMs: number): number {
  return Math.min(250, Math.max(ttlMs / 8, 20));
}

class RenewingLease implements Lease {
  readonly epoch: number;
  readonly holder: LeaseHolder;
  readonly #driver: LeaseDriver;
  readonly #ttl: number;
  readonly #log: Logger | undefined;
  readonly #onRenew: ((ms: number) => void) | undefined;
  readonly #listeners = new Set<LeaseLostListener>();
  /** performance.now() after which this holder may no longer count on the lease. */
  #deadline: number;
  #lost = false;
  #released = false;
  #renewTimer: NodeJS.Timeout | undefined;
  #fenceTimer: NodeJS.Timeout | undefined;

  constructor(driver: LeaseDriver, epoch: number, holder: LeaseHolder, ttlMs: number, acquiredAt: number, opts: RenewingLeaseOptions) {
    this.#driver = driver;
    this.epoch = epoch;
    this.holder = holder;
    this.#ttl = ttlMs;
    this.#log = opts.logger;
    this.#onRenew = opts.onRenew;
    this.#deadline = acquiredAt + ttlMs - safetyMarginMs(ttlMs);
    this.#armFence();
    this.#scheduleRenew(ttlMs / RENEW_FRACTION);
  }

  /**
   * Held until lost or released, and never past the self-fencing deadline on the monotonic clock:
   * after a pause (SIGSTOP, a long GC) this is false before any timer has had a chance to run.
   */
  get held(): boolean {
    return !this.#lost && !this.#released && performance.now() < this.#deadline;
  }

  onLost(listener: LeaseLostListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  remainingMs(): number {
    return this.held ? this.#deadline - performance.now() : 0;
  }

  inheritableFd(): undefined {
    return undefined;
  }

  #armFence(): void {
    if (this.#fenceTimer !== undefined) clearTimeout(this.#fenceTimer);
    this.#fenceTimer = setTimeout(() => {
      this.#lose(`no renewal succeeded for ${Math.round(this.#ttl - safetyMarginMs(this.#ttl))} ms (TTL ${this.#ttl} ms); stopped before the ${this.#driver.kind} lease can expire`);
    }, Math.max(0, this.#deadline - performance.now()));
  }

  #scheduleRenew(ms: number): void {
    if (this.#lost || this.#released) return;
    this.#renewTimer = setTimeout(() => void this.#renew(), ms);
  }

  async #renew(): Promise<void> {
    if (!this.held) {
      this.#lose(`no renewal succeeded in time (TTL ${this.#ttl} ms)`);
      return;
    }
    // The service counts the TTL from when it handles the renewal, which is after we send it:
    // counting from the send keeps our deadline on the safe side.
    const sentAt = performance.now();
    let outcome: 'held' | 'lost';
    try {
      outcome = await withTimeout(this.#driver.renew(this.epoch, this.#ttl), this.#ttl / RENEW_FRACTION);
    } catch (err) {
      if (this.#lost || this.#released) return;
      const left = Math.max(0, Math.round(this.#deadline - performance.now()));
      this.#log?.warn(
        { lease: this.#driver.where, epoch: this.epoch, err: coerceError(err).toJSON(), msLeft: left },
        `renewing the ${this.#driver.kind} lease failed (${coerceError(err).message}); ${left} ms left before this holder stops`,
      );
      this.#scheduleRenew(Math.min(pollMs(this.#ttl), this.#ttl / RENEW_FRACTION));
      return;
    }
    if (this.#lost || this.#released) return;
    const took = performance.now() - sentAt;
    this.#onRenew?.(took);
    if (outcome === 'lost') {
      this.#lose(`the ${this.#driver.kind} lease is no longer ours (it expired or another holder took it)`);
      return;
    }
    if (took > this.#ttl / RENEW_FRACTION / 2) {
      this.#log?.warn({ lease: this.#driver.where, epoch: this.epoch, ms: Math.round(took) }, `renewing the ${this.#driver.kind} lease was slow: ${Math.round(took)} ms`);
    }
    this.#deadline = Math.max(this.#deadline, sentAt + this.#ttl - safetyMarginMs(this.#ttl));
    this.#armFence();
    this.#scheduleRenew(Math.max(0, this.#ttl / RENEW_FRACTION - took));
  }

  #lose(reason: string): void {
    if (this.#lost || this.#released) return;
    this.#lost = true;
    this.#stopTimers();
    this.#log?.error({ lease: this.#driver.where, epoch: this.epoch, reason }, `lost the ${this.#driver.kind} lease: ${reason}`);
    for (const l of this.#listeners) {
      try {
        l(reason);
      } catch {
        // a listener's failure does not stop the others
      }
    }
    void this.#driver.close().catch(() => undefined);
  }

  #stopTimers(): void {
    if (this.#renewTimer !== undefined) clearTimeout(this.#renewTimer);
    if (this.#fenceTimer !== undefined) clearTimeout(this.#fenceTimer);
    this.#renewTimer = undefined;
    this.#fenceTimer = undefined;
  }

  async release(): Promise<void> {
    if (this.#released) return;
    const wasHeld = !this.#lost;
    this.#released = true;
    this.#stopTimers();
    try {
      if (wasHeld) await withTimeout(this.#driver.release(this.epoch), Math.max(1000, this.#ttl / 2));
    } catch (err) {
      this.#log?.warn({ lease: this.#driver.where, err: coerceError(err).toJSON() }, `releasing the ${this.#driver.kind} lease failed; it expires by itself`);
    } finally {
      await this.#driver.close().catch(() => undefined);
    }
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${Math.round(ms)} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function describeHolder(h: LeaseHolder | undefined): string {
  return h === undefined ? 'holder unknown' : `host ${h.host}, pid ${h.pid}, started ${h.startedAt}`;
}

/**
 * Acquires a lease through a driver: one attempt, or with `wait` attempts until free (on the
 * service's clock), timed out or aborted. Connection errors while waiting are logged and retried
 * with backoff. The lease then renews itself every TTL/3 and declares itself lost (and stops
 * counting as held) TTL minus a safety margin after the last renewal it sent that succeeded.
 */
export async function acquireWithDriver(driver: LeaseDriver, opts: RenewingLeaseOptions): Promise<Lease> {
  const log = opts.logger;
  const started = performance.now();
  let backoff = 100;
  let lastHolder: LeaseHolder | undefined;
  let announced = false;
  try {
    for (;;) {
      opts.signal?.throwIfAborted();
      const sentAt = performance.now();
      try {
        const attempt = await withTimeout(driver.tryAcquire(opts.holder, opts.ttlMs), Math.max(opts.ttlMs, 2000));
        if (attempt.acquired) {
          log?.info({ lease: driver.where, epoch: attempt.epoch }, `acquired the ${driver.kind} lease ${driver.where} with epoch ${attempt.epoch}`);
          return new RenewingLease(driver, attempt.epoch, opts.holder, opts.ttlMs, sentAt, opts);
        }
        backoff = 100;
        lastHolder = attempt.holder;
        if (opts.wait !== true) {
          throw new StewardError('STW_HOME_LOCKED', `the ${driver.kind} lease ${driver.where} is held by another instance (${describeHolder(attempt.holder)})`);
        }
        if (!announced) {
          announced = true;
          log?.info({ lease: driver.where, holder: attempt.holder }, `waiting for the ${driver.kind} lease ${driver.where}, held by ${describeHolder(attempt.holder)}`);
        }
      } catch (err) {
        // Refusals and configuration errors are final; only the service's errors are retried.
        if (err instanceof StewardError && ['STW_HOME_LOCKED', 'STW_CONFIG_INVALID', 'STW_REQUEST_INVALID'].includes(err.code)) throw err;
        if (opts.wait !== true) {
          throw new StewardError('STW_LEASE_LOST', `cannot reach the ${driver.kind} lock service at ${driver.where}: ${coerceError(err).message}`, { cause: err });
        }
        const waited = performance.now() - started;
        if (opts.timeoutMs !== undefined && waited >= opts.timeoutMs) {
          throw new StewardError(
            'STW_HOME_LOCKED',
            `waited ${Math.round(waited / 1000)} s for the ${driver.kind} lease ${driver.where}; the lock service cannot be reached: ${coerceError(err).message}`,
            { cause: err },
          );
        }
        log?.warn({ lease: driver.where, err: coerceError(err).toJSON() }, `cannot reach the ${driver.kind} lock service at ${driver.where}; retrying in ${backoff} ms`);
        const pause = opts.timeoutMs === undefined ? backoff : Math.min(backoff, Math.max(0, opts.timeoutMs - waited));
        await sleep(pause, undefined, opts.signal === undefined ? {} : { signal: opts.signal });
        backoff = Math.min(backoff * 2, 2000);
        continue;
      }
      const elapsed = performance.now() - started;
      if (opts.timeoutMs !== undefined && elapsed >= opts.timeoutMs) {
        throw new StewardError(
          'STW_HOME_LOCKED',
          `waited ${Math.round(elapsed / 1000)} s for the ${driver.kind} lease ${driver.where}; still held by ${describeHolder(lastHolder)}`,
        );
      }
      const wait = Math.min(pollMs(opts.ttlMs), opts.timeoutMs === undefined ? Infinity : opts.timeoutMs - elapsed);
      if (driver.changed !== undefined) {
        const ac = new AbortController();
        const onAbort = () => ac.abort();
        opts.signal?.addEventListener('abort', onAbort, { once: true });
        try {
          // A watch may wait up to a TTL, but never past the caller's timeout.
          const left = opts.timeoutMs === undefined ? Infinity : Math.max(0, opts.timeoutMs - (performance.now() - started));
          await driver.changed(Math.min(Math.max(wait, opts.ttlMs), left), ac.signal);
        } catch (err) {
          // A watch that fails is only a missed shortcut: ask again after the usual pause.
          opts.signal?.throwIfAborted();
          log?.debug({ lease: driver.where, err: coerceError(err).toJSON() }, 'watching the lease failed; polling instead');
          await sleep(wait, undefined, opts.signal === undefined ? {} : { signal: opts.signal });
        } finally {
          opts.signal?.removeEventListener('abort', onAbort);
        }
      } else {
        await sleep(wait, undefined, opts.signal === undefined ? {} : { signal: opts.signal });
      }
    }
  } catch (err) {
    await driver.close().catch(() => undefined);
    throw err;
  }
}
