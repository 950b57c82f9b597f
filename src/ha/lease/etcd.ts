/**
 * The etcd lease backend (`etcd://host:port[,host:port...][?key=K]`), on etcd3's raw gRPC clients.
 *
 * etcd3's Election and Lock helpers are not used (its election once elected two leaders); the lease
 * is built from etcd primitives, as the architecture brief asks:
 * - acquire: grant an etcd lease with the TTL (whole seconds, rounded up), then one transaction
 *   creates the key bound to that lease only if it does not exist (etcd/acquire-txn.ts). The
 *   key's create revision is the epoch: etcd's revision only grows, across restarts too, so every
 *   acquisition's epoch is above all earlier ones. If the key exists the new etcd lease is revoked.
 * - renew: one keep-alive on the etcd lease (lost when etcd answers TTL 0: the lease is gone) and,
 *   at the same time, a transaction checking the key's create revision is still our epoch.
 * - release: delete the key if its create revision is ours (etcd/release-txn.ts), then revoke.
 * - changed: a watch for the key's deletion from the revision the last attempt saw.
 *
 * TTL: etcd grants at least its minimum TTL, 1.5 × the election timeout rounded up to whole seconds
 * (2 s with the default 1 s election timeout), and counts whole seconds. The service's lease is
 * therefore never shorter than the TTL asked for, so the shared loop's self-fence (TTL minus a
 * margin after the last renewal sent) stays on the safe side; a waiter may wait up to the rounded
 * TTL (plus etcd's expiry check, every 500 ms) after a holder dies. etcd also extends the remaining
 * TTL of every lease when a leader is elected (after a restart too), so a lease outlives a short
 * outage of the lock service.
 *
 * Every call has a gRPC deadline, so a cut-off connection makes calls fail instead of hang; the
 * client retries nothing (etcd/no-retry-policy.ts): retrying is the shared loop's job.
 */
import { Etcd3, FilterType, type IDuplexStream, type IKeyValue, type IOptions, type IWatchRequest, type IWatchResponse } from 'etcd3';
import { StewardError } from '../../errors/index.js';
import type { AcquireAttempt, LeaseDriver } from './driver.js';
import { acquireTxn } from './etcd/acquire-txn.js';
import { noRetryPolicy } from './etcd/no-retry-policy.js';
import { releaseTxn } from './etcd/release-txn.js';
import { stillOursTxn } from './etcd/still-ours-txn.js';
import { RENEW_FRACTION } from './renewing-lease.js';
import type { LeaseHolder } from './types.js';
import { describeHosts, type LeaseUrl } from './url.js';

type EtcdLeaseUrl = Extract<LeaseUrl, { kind: 'etcd' }>;

/** Deadline of calls that have no TTL to go by (the auth token exchange, close-time revokes). */
const DEFAULT_DEADLINE_MS = 5000;
/** After a failed watch, how long a waiter pauses before asking again (no busy loop). */
const WATCH_RETRY_MS = 250;

/** etcd counts whole seconds; never ask for less than the caller's TTL. */
export function etcdTtlSeconds(ttlMs: number): number {
  return Math.max(1, Math.ceil(ttlMs / 1000));
}

function parseHolder(kv: IKeyValue | undefined): LeaseHolder | undefined {
  if (kv === undefined) return undefined;
  try {
    const v = JSON.parse(kv.value.toString('utf8')) as Partial<Record<keyof LeaseHolder, unknown>>;
    if (typeof v.host === 'string' && typeof v.pid === 'number' && typeof v.instanceId === 'string' && typeof v.startedAt === 'string') {
      return { host: v.host, pid: v.pid, instanceId: v.instanceId, startedAt: v.startedAt };
    }
  } catch {
    // not a record of ours
  }
  return undefined;
}

const deadline = (ms: number) => ({ deadline: Date.now() + ms });

interface Closable {
  close(): void;
}

class EtcdLeaseDriver implements LeaseDriver {
  readonly kind = 'etcd';
  readonly where: string;
  readonly #client: Etcd3;
  readonly #key: Buffer;
  /** The etcd lease and epoch of this driver's acquisition. */
  #held: { leaseId: string; epoch: number } | undefined;
  /** The store revision the last refused attempt saw: a watch from the next one misses nothing. */
  #seenRevision: number | undefined;
  /** Keep-alive and watch streams in flight, cancelled by close(). */
  readonly #streams = new Set<Closable>();
  #ttlMs = 10_000;
  #closed = false;

  constructor(url: EtcdLeaseUrl) {
    const scheme = url.tls ? 'https' : 'http';
    this.where = `${url.tls ? 'etcds' : 'etcd'}://${describeHosts(url.hosts)}?key=${url.key}`;
    this.#key = Buffer.from(url.key, 'utf8');
    const options: IOptions = {
      hosts: url.hosts.map((h) => `${scheme}://${h.host.includes(':') ? `[${h.host}]` : h.host}:${h.port}`),
      // Unary calls get a deadline even where a method sets none; streams are bounded by their own.
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : deadline(DEFAULT_DEADLINE_MS)),
      faultHandling: { host: () => noRetryPolicy, global: noRetryPolicy },
      grpcOptions: {
        // Come back quickly after the lock service restarts (gRPC's default backoff grows to 120 s).
        'grpc.initial_reconnect_backoff_ms': 200,
        'grpc.max_reconnect_backoff_ms': 1000,
        // Notice a dead connection under an open call; etcd refuses pings more often than every 5 s.
        'grpc.keepalive_time_ms': 5000,
        'grpc.keepalive_timeout_ms': 2000,
      },
    };
    if (url.username !== undefined) {
      // The password goes to etcd's token exchange only; `where` and every message leave it out.
      options.auth = { username: url.username, password: url.password ?? '', callOptions: () => deadline(DEFAULT_DEADLINE_MS) };
    }
    this.#client = new Etcd3(options);
  }

  #open(): void {
    if (this.#closed) throw new StewardError('STW_LEASE_LOST', `the etcd lease driver for ${this.where} is closed`);
  }

  async tryAcquire(holder: LeaseHolder, ttlMs: number): Promise<AcquireAttempt> {
    this.#open();
    this.#ttlMs = ttlMs;
    const opts = () => deadline(Math.max(ttlMs, 2000));
    const grant = await this.#client.leaseClient.leaseGrant({ TTL: etcdTtlSeconds(ttlMs) }, opts());
    const leaseId = grant.ID;
    if (Number(grant.TTL) * 1000 < ttlMs) {
      // Cannot happen with etcd's rounding up; if it did, self-fencing would come too late.
      await this.#revoke(leaseId);
      throw new StewardError('STW_INTERNAL', `etcd at ${this.where} granted a ${grant.TTL} s lease for a TTL of ${ttlMs} ms`);
    }
    let res;
    try {
      res = await this.#client.kv.txn(acquireTxn(this.#key, Buffer.from(JSON.stringify(holder), 'utf8'), leaseId), opts());
    } catch (err) {
      // The transaction may have created the key before the answer was lost: revoking the etcd
      // lease deletes it; if the revoke fails too, the key goes when the lease expires.
      await this.#revoke(leaseId);
      throw err;
    }
    if (res.succeeded) {
      const created = res.responses[1]?.response_range?.kvs[0]?.create_revision ?? res.header.revision;
      const epoch = Number(created);
      this.#held = { leaseId, epoch };
      return { acquired: true, epoch };
    }
    await this.#revoke(leaseId);
    this.#seenRevision = Number(res.header.revision);
    return { acquired: false, holder: parseHolder(res.responses[0]?.response_range?.kvs[0]) };
  }

  async renew(epoch: number, ttlMs: number): Promise<'held' | 'lost'> {
    this.#open();
    const held = this.#held;
    if (held === undefined || held.epoch !== epoch) return 'lost';
    // As long as the shared loop waits for a renewal: a later answer is of no use.
    const ms = ttlMs / RENEW_FRACTION;
    const [ttl, ours] = await Promise.all([this.#keepAliveOnce(held.leaseId, ms), this.#client.kv.txn(stillOursTxn(this.#key, epoch), deadline(ms))]);
    return ttl > 0 && ours.succeeded ? 'held' : 'lost';
  }

  async release(epoch: number): Promise<void> {
    this.#open();
    const held = this.#held;
    if (held === undefined || held.epoch !== epoch) return;
    const ms = Math.max(1000, this.#ttlMs / 2);
    // Both at once (etcd commits them together): the delete frees the key for waiters whatever
    // became of the etcd lease; the revoke, which alone would delete the key too, is best effort.
    const [deleted] = await Promise.allSettled([
      this.#client.kv.txn(releaseTxn(this.#key, epoch), deadline(ms)),
      this.#client.leaseClient.leaseRevoke({ ID: held.leaseId }, deadline(ms)),
    ]);
    if (deleted.status === 'rejected') throw deleted.reason;
    this.#held = undefined;
  }

  async changed(maxWaitMs: number, signal: AbortSignal): Promise<void> {
    this.#open();
    const started = Date.now();
    const pause = (ms: number) =>
      new Promise<void>((resolve) => {
        const t = setTimeout(done, Math.max(0, Math.min(ms, maxWaitMs - (Date.now() - started))));
        function done() {
          clearTimeout(t);
          signal.removeEventListener('abort', done);
          resolve();
        }
        signal.addEventListener('abort', done, { once: true });
      });
    if (this.#seenRevision === undefined || signal.aborted) return pause(signal.aborted ? 0 : WATCH_RETRY_MS);
    let stream: IDuplexStream<IWatchRequest, IWatchResponse>;
    try {
      stream = await this.#client.watchClient.watch();
    } catch {
      return pause(WATCH_RETRY_MS);
    }
    const watch = stream;
    const startRevision = this.#seenRevision + 1;
    return new Promise<void>((resolve) => {
      let settled = false;
      const handle = { close: () => settle(0) };
      const timer = setTimeout(() => settle(0), Math.max(0, maxWaitMs - (Date.now() - started)));
      const onAbort = () => settle(0);
      function settle(thenWaitMs: number): void {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        closeStream(watch);
        streams.delete(handle);
        if (thenWaitMs > 0 && !signal.aborted) void pause(thenWaitMs).then(resolve);
        else resolve();
      }
      const streams = this.#streams;
      streams.add(handle);
      signal.addEventListener('abort', onAbort, { once: true });
      watch.on('data', (res) => {
        // A deletion, or a watch etcd cancelled (compacted past our revision): ask again now.
        if (res.events.length > 0 || res.canceled) settle(0);
      });
      watch.on('error', () => settle(WATCH_RETRY_MS));
      watch.on('end', () => settle(WATCH_RETRY_MS));
      watch.write({ create_request: { key: this.#key, start_revision: startRevision, filters: [FilterType.Noput] } });
    });
  }

  /** One keep-alive on a bidirectional stream: the TTL etcd answers with (0: the lease is gone). */
  async #keepAliveOnce(leaseId: string, ms: number): Promise<number> {
    const stream = await this.#client.leaseClient.leaseKeepAlive(deadline(ms));
    return new Promise<number>((resolve, reject) => {
      let settled = false;
      const handle = { close: () => settle(new Error('the etcd lease driver was closed')) };
      const settle = (outcome: number | Error) => {
        if (settled) return;
        settled = true;
        this.#streams.delete(handle);
        closeStream(stream);
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      };
      this.#streams.add(handle);
      stream.on('data', (res) => settle(Number(res.TTL)));
      stream.on('error', (err) => settle(err));
      stream.on('end', () => settle(new Error('etcd ended the keep-alive stream without an answer')));
      stream.write({ ID: leaseId });
    });
  }

  /** Best effort: a lease that cannot be revoked expires by itself. */
  async #revoke(leaseId: string): Promise<void> {
    await this.#client.leaseClient.leaseRevoke({ ID: leaseId }, deadline(Math.min(this.#ttlMs, DEFAULT_DEADLINE_MS))).catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of [...this.#streams]) s.close();
    this.#streams.clear();
    this.#client.close();
  }
}

/**
 * Ends our side of a stream, then cancels it. Ending first matters: etcd3 treats an error on a
 * still-writable stream as a failed host and tears down every call on it.
 */
function closeStream(stream: IDuplexStream<unknown, unknown>): void {
  try {
    stream.end();
    stream.cancel();
  } catch {
    // already closed
  }
}

/** The etcd backend's driver for a parsed `etcd://` URL; nothing is sent before the first call. */
export async function createEtcdDriver(url: EtcdLeaseUrl): Promise<LeaseDriver> {
  return new EtcdLeaseDriver(url);
}
