/** Who holds a lease: recorded with it so that a waiter can say who it is waiting for. */
export interface LeaseHolder {
  host: string;
  pid: number;
  /** Random id of this controller or guard process, fresh at each start. */
  instanceId: string;
  /** ISO 8601 time the holder process started. */
  startedAt: string;
}

export type LeaseLostListener = (reason: string) => void;

/**
 * A held lease. `epoch` is the fencing token of this acquisition: it only grows, across all holders
 * and restarts. Once `held` turns false it never turns true again; acquire a new lease instead.
 */
export interface Lease {
  readonly epoch: number;
  readonly held: boolean;
  readonly holder: LeaseHolder;
  /** Called once, with the reason, when the lease is lost (not when it is released). */
  onLost(listener: LeaseLostListener): () => void;
  /**
   * How much longer this holder may count on the lease without another renewal, in ms on the
   * monotonic clock: 0 once lost or released, Infinity for a lease that lasts as long as its holder
   * lives (file:).
   */
  remainingMs(): number;
  /**
   * A descriptor whose open file holds the lease (file:), else undefined: a process given a copy
   * keeps the lease held until it exits too, even if this one dies first.
   */
  inheritableFd(): number | undefined;
  /** Gives the lease up; idempotent. */
  release(): Promise<void>;
}
