/**
 * The Redis lease backend (`redis://host:port[/db][?key=K]`, `rediss://` for TLS).
 *
 * One Redis server, not Redlock. Redlock's safety rests on bounded clock drift, bounded pauses and
 * bounded network delay, and it hands out no fencing token, so a paused holder can still write after
 * its lock expired. Steward gets safety elsewhere: every acquisition gets an epoch from a counter
 * that only grows, the holder writes it to `<home>/.steward/epoch`, and the home store refuses
 * writes from a lower epoch; the holder also stops itself (renewing-lease.ts) before the TTL can run
 * out on the server. A URL naming several hosts is refused: independent servers could each grant
 * the lease. Redis Cluster is not supported (the two keys below would need one hash slot).
 *
 * Keys, from the URL's `key` (default `steward/lease`):
 * - `K`: a hash { token, epoch, holder } with the TTL; `token` is random per acquisition and is what
 *   renew and release compare, `holder` is JSON telling a waiter who it waits for.
 * - `K:epoch`: the epoch counter, without expiry.
 * Each atomic operation is one Lua script in ./redis/ (acquire, renew, release), run by EVALSHA
 * with a fallback to EVAL after NOSCRIPT (a restarted server has an empty script cache).
 *
 * Redis restarted without persistence (`--save ""`, no AOF), or a failover to a replica that had not
 * yet received the key, loses both keys. The outcome, pinned by test/ha/redis-lease.test.ts:
 * - the holder's next renewal finds no lease and returns 'lost'; the holder self-fences at once;
 * - a waiter may take the lease right after the restart, before the old holder has noticed, since
 *   the key is gone. The two overlap for at most TTL/3; the epoch file check fences the old one;
 * - epochs still grow: the acquire script takes max(INCR counter, floor + 1), where the floor is
 *   `options.epochFloor()` (the controller passes the epoch in the home's `.steward/epoch`), and
 *   every renewal raises the counter to the renewing holder's epoch. Without a floor, a waiter that
 *   wins the race against the old holder's renewal starts again from 1; the home store then refuses
 *   its writes (safe, but it cannot work until it is given the floor), which is why the floor exists.
 * Run Redis with `maxmemory-policy noeviction` (the default): an evicted key is a restart in small.
 *
 * Connections: one client per driver, made when first needed, never reconnecting by itself
 * (`reconnectStrategy: false`) and never queueing commands while offline (`disableOfflineQueue`).
 * Every call has a deadline (connection included); a call that misses it, or fails for a connection
 * reason, destroys the client, and the next call connects afresh. So a silent network (a partition,
 * a blackholed proxy) makes calls fail in bounded time instead of hanging, and `close()` never
 * waits on the server. Connection errors never reach the process as 'error' events: they surface as
 * rejected calls, which the shared loop retries. No watch: waiters poll (`changed` is left out).
 *
 * Credentials: the username and password go to the client only. `where` and every message name the
 * server as scheme://host:port/db?key=K, without them, and node-redis' errors do not include them.
 */
import { createHash, randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { createClient, ErrorReply } from 'redis';
import type { AcquireAttempt, LeaseDriver } from './driver.js';
import { ACQUIRE_SCRIPT } from './redis/acquire.js';
import { RELEASE_SCRIPT } from './redis/release.js';
import { RENEW_SCRIPT } from './redis/renew.js';
import { RENEW_FRACTION } from './renewing-lease.js';
import type { LeaseHolder } from './types.js';
import { describeHosts, type HostPort, type LeaseUrl } from './url.js';
import { StewardError } from '../../errors/index.js';

export type RedisLeaseUrl = Extract<LeaseUrl, { kind: 'redis' }>;

export interface RedisDriverOptions {
  /**
   * The highest epoch known outside Redis (the home's `.steward/epoch`): a new acquisition's epoch
   * is above it even when Redis lost its counter. Asked before every acquisition attempt.
   */
  epochFloor?: () => Promise<number>;
}

/** The little of node-redis' client this driver uses (its full generic type does not help here). */
interface Client {
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  sendCommand(args: readonly string[]): Promise<unknown>;
  destroy(): void;
  once(event: 'connect', listener: () => void): unknown;
}

interface Script {
  text: string;
  sha: string;
}

function script(text: string): Script {
  return { text, sha: createHash('sha1').update(text).digest('hex') };
}

const ACQUIRE = script(ACQUIRE_SCRIPT);
const RENEW = script(RENEW_SCRIPT);
const RELEASE = script(RELEASE_SCRIPT);

/** Connect timeout of the socket itself; each call's own deadline is usually shorter. */
const CONNECT_TIMEOUT_MS = 5000;
/** Deadline of a call when no TTL says otherwise (release before any acquisition, a floor lookup). */
const MIN_CALL_MS = 500;

function parseHolder(json: unknown): LeaseHolder | undefined {
  if (typeof json !== 'string' || json === '') return undefined;
  try {
    const h = JSON.parse(json) as Partial<Record<keyof LeaseHolder, unknown>>;
    if (typeof h.host === 'string' && typeof h.pid === 'number' && typeof h.instanceId === 'string' && typeof h.startedAt === 'string') {
      return { host: h.host, pid: h.pid, instanceId: h.instanceId, startedAt: h.startedAt };
    }
  } catch {
    // a holder we cannot read is reported as unknown
  }
  return undefined;
}

function toInteger(reply: unknown, what: string): number {
  const n = typeof reply === 'string' ? Number(reply) : reply;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new Error(`unexpected answer from Redis to ${what}: ${JSON.stringify(reply)}`);
  return n;
}

class RedisLeaseDriver implements LeaseDriver {
  readonly kind = 'redis';
  readonly where: string;
  readonly #url: RedisLeaseUrl;
  readonly #epochFloor: (() => Promise<number>) | undefined;
  readonly #leaseKey: string;
  readonly #epochKey: string;
  #client: Client | undefined;
  #connecting: Promise<Client> | undefined;
  #closed = false;
  /** Owner token of the acquisition in progress or held; kept across retries of one acquisition. */
  #token: string | undefined;
  #ttlMs = 0;

  constructor(url: RedisLeaseUrl, opts: RedisDriverOptions) {
    this.#url = url;
    this.#epochFloor = opts.epochFloor;
    this.#leaseKey = url.key;
    this.#epochKey = `${url.key}:epoch`;
    this.where = `${url.tls ? 'rediss' : 'redis'}://${describeHosts(url.hosts)}/${url.db}?key=${url.key}`;
  }

  async tryAcquire(holder: LeaseHolder, ttlMs: number): Promise<AcquireAttempt> {
    this.#ttlMs = ttlMs;
    const floor = this.#epochFloor === undefined ? 0 : await this.#epochFloor();
    if (!Number.isSafeInteger(floor) || floor < 0) throw new Error(`the epoch floor ${floor} is not a non-negative integer`);
    this.#token ??= randomUUID();
    const reply = await this.#eval(ACQUIRE, [this.#leaseKey, this.#epochKey], [this.#token, String(Math.ceil(ttlMs)), JSON.stringify(holder), String(floor)], Math.max(ttlMs * 0.8, 1500));
    if (!Array.isArray(reply) || reply.length !== 2) throw new Error(`unexpected answer from Redis to the acquire script: ${JSON.stringify(reply)}`);
    if (toInteger(reply[0], 'the acquire script') === 1) return { acquired: true, epoch: toInteger(reply[1], 'the acquire script') };
    // Not ours: the next attempt is a new acquisition with a new token.
    this.#token = undefined;
    return { acquired: false, holder: parseHolder(reply[1]) };
  }

  async renew(epoch: number, ttlMs: number): Promise<'held' | 'lost'> {
    const token = this.#token;
    if (token === undefined) return 'lost';
    this.#ttlMs = ttlMs;
    // Below the shared loop's own timeout (TTL/3), so that this call fails first and drops the
    // connection instead of leaving a command behind on it.
    const reply = await this.#eval(RENEW, [this.#leaseKey, this.#epochKey], [token, String(Math.ceil(ttlMs)), String(epoch)], (ttlMs / RENEW_FRACTION) * 0.8);
    if (toInteger(reply, 'the renew script') === 1) return 'held';
    this.#token = undefined;
    return 'lost';
  }

  async release(_epoch: number): Promise<void> {
    const token = this.#token;
    if (token === undefined) return;
    await this.#eval(RELEASE, [this.#leaseKey], [token], Math.max(this.#ttlMs / RENEW_FRACTION, MIN_CALL_MS));
    this.#token = undefined;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#drop();
  }

  /** Runs a script within `deadlineMs` (connecting included); on any failure but a script error the connection is dropped. */
  async #eval(s: Script, keys: string[], args: string[], deadlineMs: number): Promise<unknown> {
    if (this.#closed) throw new StewardError('STW_INTERNAL', `the redis lease driver for ${this.where} is closed`);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from Redis within ${Math.round(deadlineMs)} ms`)), deadlineMs);
    });
    const run = async (): Promise<unknown> => {
      const client = await this.#connect();
      const tail = [String(keys.length), ...keys, ...args];
      try {
        return await client.sendCommand(['EVALSHA', s.sha, ...tail]);
      } catch (err) {
        if (!(err instanceof ErrorReply && err.message.startsWith('NOSCRIPT'))) throw err;
        return await client.sendCommand(['EVAL', s.text, ...tail]);
      }
    };
    try {
      return await Promise.race([run(), deadline]);
    } catch (err) {
      // A script error (an ErrorReply) leaves the connection usable; anything else may not have.
      if (!(err instanceof ErrorReply)) this.#drop();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  async #connect(): Promise<Client> {
    if (this.#client?.isReady === true) return this.#client;
    if (this.#connecting !== undefined) return this.#connecting;
    this.#drop();
    const client = this.#newClient();
    this.#client = client;
    const connecting = client.connect().then(
      () => {
        if (this.#connecting === connecting) this.#connecting = undefined;
        return client;
      },
      (err: unknown) => {
        if (this.#connecting === connecting) this.#connecting = undefined;
        if (this.#client === client) this.#drop();
        throw err;
      },
    );
    this.#connecting = connecting;
    return connecting;
  }

  #newClient(): Client {
    const url = this.#url;
    const { host, port } = url.hosts[0] as HostPort; // exactly one: checked by createRedisDriver
    const common = { host, port, connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy: false } as const;
    const client = createClient({
      socket: url.tls ? { ...common, tls: true, ...(isIP(host) === 0 ? { servername: host } : {}) } : common,
      database: url.db,
      disableOfflineQueue: true,
      ...(url.username === undefined ? {} : { username: url.username }),
      ...(url.password === undefined ? {} : { password: url.password }),
    });
    // Without a listener an 'error' event would crash the process; the failures it reports also
    // reject the pending calls, which is where they are handled.
    client.on('error', () => undefined);
    return client;
  }

  /** Forgets the current connection, closing it at once without waiting for the server. */
  #drop(): void {
    const client = this.#client;
    this.#client = undefined;
    this.#connecting = undefined;
    if (client === undefined) return;
    try {
      client.destroy();
    } catch {
      // already closed
    }
    // node-redis 6.3: destroy() while the TCP connection is still being made does not stop it; the
    // socket opens afterwards, connect() resolves and the socket stays open (keeping the process
    // alive). Destroy it again the moment it connects.
    client.once('connect', () => client.destroy());
  }
}

/**
 * Makes the Redis lease driver for a parsed `redis://` URL. It connects on first use; several hosts
 * are refused (one Redis server, see the comment at the top of this file).
 */
export async function createRedisDriver(url: RedisLeaseUrl, opts: RedisDriverOptions = {}): Promise<LeaseDriver> {
  if (url.hosts.length !== 1) {
    throw new StewardError(
      'STW_REQUEST_INVALID',
      `the redis lease names ${url.hosts.length} hosts (${describeHosts(url.hosts)}); it takes exactly one Redis server (several independent servers could each grant it)`,
      { field: 'lock' },
    );
  }
  return new RedisLeaseDriver(url, opts);
}
