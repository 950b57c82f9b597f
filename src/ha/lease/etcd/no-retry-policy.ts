import type { IOptions } from 'etcd3';

type Policy = NonNullable<NonNullable<IOptions['faultHandling']>['global']>;

/**
 * etcd3's default fault handling retries each call three times and opens a per-host circuit
 * breaker for 5 s after three failures. The lease loop has its own deadlines, retries and backoff
 * (renewing-lease.ts), and a renewal must fail within its deadline rather than be retried past
 * it, or be refused for 5 s after the lock service comes back; so every call goes through once.
 */
export const noRetryPolicy: Policy = {
  _altReturn: undefined as never,
  onSuccess: () => ({ dispose: () => undefined }),
  onFailure: () => ({ dispose: () => undefined }),
  execute: async (fn, signal) => fn({ signal: signal ?? new AbortController().signal }),
};
