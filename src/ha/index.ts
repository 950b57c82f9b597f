/**
 * High availability: the lease that decides which controller is active, and its epoch (the
 * fencing token the home store checks before every write).
 *
 * Every backend yields the same {@link Lease}; this index is the part's whole public face.
 */
export type { Lease, LeaseHolder, LeaseLostListener } from './lease/types.js';

/**
 * Options of the `file:` lease (a flock on a lock file, by default `<home>/.steward/lock`).
 * See {@link acquireFileLease}.
 */
export type { FileLeaseOptions } from './lease/file.js';

/**
 * Acquires the `file:` lease: an exclusive flock on the lock file (created 0600, never deleted)
 * and the next epoch, recorded with the holder in `<lock>.state`.
 *
 * - Held elsewhere and `wait` not set: throws `STW_HOME_LOCKED` naming the holder (host, pid,
 *   start time).
 * - With `wait`: polls every `pollMs` (100 ms) until free; throws `STW_HOME_LOCKED` after
 *   `timeoutMs`; rejects with `signal.reason` when `signal` aborts.
 *
 * The lease is held until `release()` or the death of this process (the kernel then frees the
 * flock, so a crashed holder leaves no stale lock). Open the lock file nowhere else in the process.
 */
export { acquireFileLease } from './lease/file.js';

/**
 * Reads who holds (or last held) a `file:` lease and its epoch from `<lock>.state`, without
 * touching the lock; undefined when that file is missing or unreadable.
 */
export { readFileLeaseHolder } from './lease/file.js';

/**
 * Acquires the lease a lease URL names (`file:[PATH]`, `redis://`, `etcd://`, `zk://`,
 * `postgres://`): waiting or not, with the TTL given. Service-backed leases renew every TTL/3 and
 * declare themselves lost TTL minus a safety margin after the last renewal that succeeded.
 */
export { openLease, createLeaseDriver, type OpenLeaseOptions } from './lease/open.js';
export { acquireWithDriver, safetyMarginMs, RENEW_FRACTION, type RenewingLeaseOptions } from './lease/renewing-lease.js';
export type { LeaseDriver, AcquireAttempt } from './lease/driver.js';
export { parseLeaseUrl, redactLeaseUrl, describeHosts, DEFAULT_KEY, DEFAULT_TABLE, type LeaseUrl, type HostPort } from './lease/url.js';
