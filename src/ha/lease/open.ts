import path from 'node:path';
import { StewardError } from '../../errors/index.js';
import type { LeaseDriver } from './driver.js';
import { acquireFileLease } from './file.js';
import { acquireWithDriver, type RenewingLeaseOptions } from './renewing-lease.js';
import type { Lease } from './types.js';
import { parseLeaseUrl, type LeaseUrl } from './url.js';

export interface OpenLeaseOptions extends RenewingLeaseOptions {
  /** Where `file:` without a path puts its lock file (the home's `.steward/lock`). */
  defaultLockFile?: string;
  /**
   * The highest epoch known outside the lock service (a controller passes its home's
   * `.steward/epoch`): a backend that can lose its counter (Redis without persistence, a new
   * PostgreSQL database or table, a `file:` lock whose state is lost or that moved) starts above
   * it, so epochs keep growing.
   */
  epochFloor?: () => Promise<number>;
}

/** Makes the driver of a service backend; each loads its client library only when used. */
export async function createLeaseDriver(
  url: Exclude<LeaseUrl, { kind: 'file' }>,
  opts: Pick<OpenLeaseOptions, 'epochFloor'> = {},
): Promise<LeaseDriver> {
  switch (url.kind) {
    case 'redis':
      return (await import('./redis.js')).createRedisDriver(url, opts.epochFloor === undefined ? {} : { epochFloor: opts.epochFloor });
    case 'etcd':
      return (await import('./etcd.js')).createEtcdDriver(url);
    case 'zookeeper':
      return (await import('./zookeeper.js')).createZookeeperDriver(url);
    case 'postgres':
      return (await import('./postgres.js')).createPostgresDriver(url, opts.epochFloor === undefined ? {} : { epochFloor: opts.epochFloor });
  }
}

/** Acquires the lease named by a lease URL (see ARCHITECTURE.md), waiting or not as asked. */
export async function openLease(urlText: string, opts: OpenLeaseOptions): Promise<Lease> {
  const url = parseLeaseUrl(urlText);
  if (url.kind === 'file') {
    const lockFile = url.path ?? opts.defaultLockFile;
    if (lockFile === undefined) {
      throw new StewardError('STW_REQUEST_INVALID', 'file: needs a path here (file:/path/to/lock)', { field: 'lock' });
    }
    return acquireFileLease({
      path: path.resolve(lockFile),
      holder: opts.holder,
      ...(opts.wait === undefined ? {} : { wait: opts.wait }),
      ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      ...(opts.epochFloor === undefined ? {} : { epochFloor: opts.epochFloor }),
    });
  }
  return acquireWithDriver(await createLeaseDriver(url, opts), opts);
}
