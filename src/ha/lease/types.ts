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
  /** Gives the lease up; idempotent. */
  release(): Promise<void>;
}
