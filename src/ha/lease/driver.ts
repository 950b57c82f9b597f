import type { LeaseHolder } from './types.js';

/** One attempt's outcome. */
export type AcquireAttempt =
  | { acquired: true; epoch: number }
  | { acquired: false; holder: LeaseHolder | undefined };

/**
 * What a lock service backend does; the renewal loop, self-fencing, waiting and backoff are shared
 * (renewing-lease.ts). Every method talks to the service once; connection errors throw.
 */
export interface LeaseDriver {
  /** 'redis', 'etcd', 'zookeeper', 'postgres': for logs and messages. */
  readonly kind: string;
  /** The lease's location without credentials, for logs and messages. */
  readonly where: string;
  /**
   * Takes the lease if it is free (never held, released, or expired on the service's clock), for
   * `ttlMs`, recording `holder`; the epoch must be above every earlier acquisition's.
   */
  tryAcquire(holder: LeaseHolder, ttlMs: number): Promise<AcquireAttempt>;
  /** Extends the lease by `ttlMs` from now on the service's clock: 'lost' when it is not ours any more. */
  renew(epoch: number, ttlMs: number): Promise<'held' | 'lost'>;
  /** Gives the lease up if it is still ours. */
  release(epoch: number): Promise<void>;
  /**
   * Resolves when the lease may have become free (a watch on the key), or after `maxWaitMs`;
   * backends without watches leave it out and waiters poll. It should not reject; if it does, the
   * waiter polls once and carries on.
   */
  changed?(maxWaitMs: number, signal: AbortSignal): Promise<void>;
  /** Closes connections; idempotent. */
  close(): Promise<void>;
}
