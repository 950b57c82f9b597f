/**
 * The `zk://host:port[,host:port...]/path` lease: ZooKeeper's lock recipe, through
 * node-zookeeper-client.
 *
 * - A contender opens one session whose timeout is the lease TTL and creates ONE
 *   EPHEMERAL_SEQUENTIAL child `<path>/lock-<guid>-NNNNNNNNNN` holding its {@link LeaseHolder} as
 *   JSON; it keeps that node across attempts while the session lives. The child with the lowest
 *   sequence holds the lease; the others watch only their predecessor (no herd on release).
 * - The epoch is the node's czxid: zxids only grow over the ensemble's life, and a later node has a
 *   later czxid, so successive holders' epochs grow. A zxid is (leader epoch << 32 | counter): it
 *   passes 2^53 only after 2^21 leader elections; past that we refuse rather than round. Wiping the
 *   ensemble's data directory restarts zxids: the home then refuses the smaller epoch (fail safe).
 * - The server ends the session (and deletes the node) when it heard nothing from us for the
 *   session timeout, counted from the last packet it received, which is after we sent our last
 *   renewal. The shared loop stops the holder TTL minus a margin after that renewal was sent, so it
 *   stops first provided the negotiated timeout is not shorter than the TTL: the server clamps the
 *   timeout to [minSessionTimeout, maxSessionTimeout] (2 and 20 ticks by default), and a TTL it
 *   shortens is refused with STW_CONFIG_INVALID. (The deadline must use min(TTL, negotiated); that
 *   check makes it the TTL.) A longer negotiated timeout is safe; failover then takes that long.
 * - Renewal is a `multi` holding one `check` of our node: a write, so the leader handles it, checks
 *   that our session is alive and answers only once a quorum agrees. A plain read could be answered
 *   by a follower that has not yet applied our session's expiry, and node-zookeeper-client has no
 *   `sync`. Unlike `setData`, a check changes nothing, so it does not wake the waiter watching us.
 * - Session expired or node gone: 'lost'. Connection lost: calls fail (the client reconnects in the
 *   background and the session survives if it is back within the timeout); the shared loop retries
 *   until its deadline. node-zookeeper-client never notices a silent (blackholed) connection and
 *   queues requests without limit, so every call here has its own timeout.
 * - Known trap (ARCHITECTURE.md): the recipe alone does not give mutual exclusion; a holder paused
 *   past its session still believes it holds. The self-fencing deadline and the epoch cover that.
 *
 * Digest credentials in the URL (`zk://user:pass@host/path`) are sent with addAuthInfo and the
 * nodes we create are then readable and writable only by that identity; they never reach `where`.
 * IPv6 literals are not supported by node-zookeeper-client's connection string.
 */
import { randomUUID } from 'node:crypto';
import zookeeper from 'node-zookeeper-client';
import type { ACL, Client, Event, Exception, Stat } from 'node-zookeeper-client';
import { StewardError } from '../../errors/index.js';
import type { AcquireAttempt, LeaseDriver } from './driver.js';
import type { LeaseHolder } from './types.js';
import { describeHosts, type LeaseUrl } from './url.js';

type ZookeeperUrl = Extract<LeaseUrl, { kind: 'zookeeper' }>;

/** `lock-<guid>-` plus the 10-digit sequence ZooKeeper appends. */
const LOCK_NODE = /^lock-[0-9a-f-]{36}-(\d{10,})$/;

/** One ZooKeeper session and the lock node it created, if any. */
interface Session {
  readonly client: Client;
  /** Names this session's lock node, so that it can find the node if a create's answer is lost. */
  readonly guid: string;
  readonly ttlMs: number;
  expired: boolean;
  /** performance.now() of the server's last answer (or of the connection). */
  lastAnswer: number;
  /** Calls in a row that got no answer in time. */
  unanswered: number;
  /** Resolves when the server says the session expired. */
  readonly ended: Promise<void>;
  node: { path: string; name: string; czxid: number } | undefined;
  /** The predecessor watched by changed(), once per node. */
  watch: { path: string; gone: Promise<void> } | undefined;
}

class ZookeeperCallError extends Error {
  readonly zkCode: number | undefined;
  constructor(message: string, zkCode?: number) {
    super(message);
    this.name = 'ZookeeperCallError';
    this.zkCode = zkCode;
  }
}

/** What ConnectionManager keeps; node-zookeeper-client offers no way to abandon a stuck close. */
interface ConnectionInternals {
  connectionManager?: {
    state: number;
    socket?: { destroy(): void };
    on(event: 'state', listener: (state: number) => void): unknown;
    removeListener(event: 'state', listener: (state: number) => void): unknown;
  };
}
/** ConnectionManager.STATES */
const CM_CLOSING = -1;
const CM_CLOSED = -2;

class ZookeeperDriver implements LeaseDriver {
  readonly kind = 'zookeeper';
  readonly where: string;
  readonly #url: ZookeeperUrl;
  readonly #connectString: string;
  readonly #acl: ACL[];
  #session: Session | undefined;
  #data: Buffer | undefined;
  #closed = false;

  constructor(url: ZookeeperUrl) {
    for (const h of url.hosts) {
      if (h.host.includes(':')) {
        throw new StewardError('STW_REQUEST_INVALID', `lease URL zk://${describeHosts(url.hosts)}${url.path}: IPv6 addresses are not supported by the ZooKeeper client; use a host name`, { field: 'lock' });
      }
    }
    this.#url = url;
    this.#connectString = url.hosts.map((h) => `${h.host}:${h.port}`).join(',');
    this.where = `zk://${describeHosts(url.hosts)}${url.path}`;
    // world:anyone (OPEN_ACL_UNSAFE), or auth: (CREATOR_ALL_ACL: whoever authenticated as we did).
    const id = url.username === undefined ? new zookeeper.Id('world', 'anyone') : new zookeeper.Id('auth', '');
    this.#acl = [new zookeeper.ACL(zookeeper.Permission.ALL, id)];
  }

  async tryAcquire(holder: LeaseHolder, ttlMs: number): Promise<AcquireAttempt> {
    const s = await this.#liveSession(ttlMs);
    const parent = this.#url.path;
    if (s.node === undefined) {
      this.#data ??= Buffer.from(JSON.stringify(holder));
      await this.#call<string>(s, `create ${parent}`, (cb) => s.client.mkdirp(parent, this.#acl, cb));
      // An earlier create may have succeeded with its answer lost: look for it before making another.
      const mine = (await this.#children(s)).find((c) => c.startsWith(`lock-${s.guid}-`));
      const path =
        mine === undefined
          ? await this.#call<string>(s, `create ${parent}/lock-`, (cb) =>
              s.client.create(`${parent}/lock-${s.guid}-`, this.#data as Buffer, this.#acl, zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL, cb),
            )
          : `${parent}/${mine}`;
      const stat = await this.#call<Stat | undefined>(s, `read ${path}`, (cb) => s.client.exists(path, cb));
      if (stat === undefined || !stat.ephemeralOwner.equals(s.client.getSessionId())) {
        throw new ZookeeperCallError(`the lock node ${path} vanished right after it was created; retrying`);
      }
      s.node = { path, name: path.slice(parent.length + 1), czxid: zxidToEpoch(stat.czxid, path) };
    }
    const node = s.node;
    const queue = (await this.#children(s)).filter((c) => LOCK_NODE.test(c)).sort((a, b) => sequenceOf(a) - sequenceOf(b));
    const at = queue.indexOf(node.name);
    if (at < 0) {
      // Deleted by hand or with its session (which we will notice next time): start over.
      s.node = undefined;
      throw new ZookeeperCallError(`the lock node ${node.path} is gone (session expired?); retrying`);
    }
    if (at === 0) return { acquired: true, epoch: node.czxid };
    const predecessor = `${parent}/${queue[at - 1] as string}`;
    if (s.watch?.path !== predecessor) s.watch = { path: predecessor, gone: this.#watchDeletion(s, predecessor) };
    return { acquired: false, holder: await this.#holderOf(s, `${parent}/${queue[0] as string}`) };
  }

  async renew(epoch: number, _ttlMs: number): Promise<'held' | 'lost'> {
    const s = this.#session;
    if (s === undefined || s.expired || s.node === undefined || s.node.czxid !== epoch) return 'lost';
    const path = s.node.path;
    try {
      await this.#call<unknown>(s, `check ${path}`, (cb) => s.client.transaction().check(path, -1).commit(cb));
      return 'held';
    } catch (err) {
      if (err instanceof ZookeeperCallError && (err.zkCode === zookeeper.Exception.NO_NODE || err.zkCode === zookeeper.Exception.SESSION_EXPIRED)) {
        return 'lost';
      }
      throw err;
    }
  }

  async release(epoch: number): Promise<void> {
    const s = this.#session;
    if (s?.node !== undefined && s.node.czxid === epoch && !s.expired) {
      const path = s.node.path;
      try {
        await this.#call<void>(s, `delete ${path}`, (cb) => s.client.remove(path, -1, (err) => cb(err)));
      } catch (err) {
        if (!(err instanceof ZookeeperCallError && err.zkCode === zookeeper.Exception.NO_NODE)) throw err;
      }
      s.node = undefined;
    }
    // Closing the session would delete the node anyway; deleting it first wakes the next waiter
    // without waiting for the close to be processed.
    await this.close();
  }

  async changed(maxWaitMs: number, signal: AbortSignal): Promise<void> {
    const s = this.#session;
    // Without a session or a predecessor to watch, tryAcquire has something to do at once.
    const watched = s === undefined || s.expired ? Promise.resolve() : (s.watch?.gone ?? Promise.resolve());
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    try {
      await Promise.race([
        watched,
        s?.ended ?? Promise.resolve(),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, maxWaitMs);
          onAbort = resolve;
          signal.addEventListener('abort', onAbort, { once: true });
        }),
      ]);
    } finally {
      clearTimeout(timer);
      if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
    }
    // The watch fired (or the session changed): the next changed() must watch anew.
    if (s !== undefined && s.watch?.gone === watched) s.watch = undefined;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const s = this.#session;
    this.#session = undefined;
    if (s !== undefined) await closeClient(s.client, 1000);
  }

  /** The current session, or a new one if there is none or it expired (its node then is gone). */
  async #liveSession(ttlMs: number): Promise<Session> {
    if (this.#closed) throw new ZookeeperCallError(`the ZooKeeper lease driver for ${this.where} is closed`);
    const current = this.#session;
    // A waiter whose connection answered nothing for a whole session timeout starts over: that
    // session is dead on the server or about to be, and node-zookeeper-client can stay stuck (it
    // has no timeout on the handshake once TCP connects). Its node, if the server still has it,
    // goes with the close or the timeout. A holder never gets here: it stops at its deadline.
    const stuck = current !== undefined && current.unanswered >= 2 && performance.now() - current.lastAnswer > current.client.getSessionTimeout();
    if (current !== undefined && !current.expired && !stuck) return current;
    this.#session = undefined;
    if (current !== undefined) await closeClient(current.client, 1000);

    const client = zookeeper.createClient(this.#connectString, {
      sessionTimeout: ttlMs,
      // After trying every server, wait at most this long before trying again.
      spinDelay: Math.min(1000, Math.max(50, ttlMs / 10)),
      retries: 0,
    });
    if (this.#url.username !== undefined) client.addAuthInfo('digest', Buffer.from(`${this.#url.username}:${this.#url.password ?? ''}`));
    let ended: () => void = () => undefined;
    const s: Session = { client, guid: randomUUID(), ttlMs, expired: false, lastAnswer: 0, unanswered: 0, ended: new Promise<void>((r) => (ended = r)), node: undefined, watch: undefined };
    client.once('expired', () => {
      s.expired = true;
      ended();
    });
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        client.removeListener('connected', onConnected);
        client.removeListener('authenticationFailed', onAuthFailed);
        if (err === undefined) resolve();
        else reject(err);
      };
      const onConnected = () => done();
      const onAuthFailed = () => done(new StewardError('STW_CONFIG_INVALID', `the ZooKeeper ensemble at ${this.where} refused the credentials of user "${this.#url.username ?? ''}"`, { field: 'lock' }));
      const timer = setTimeout(() => done(new ZookeeperCallError(`no ZooKeeper session with ${this.where} within ${Math.round(connectTimeoutMs(ttlMs))} ms`)), connectTimeoutMs(ttlMs));
      client.once('connected', onConnected);
      client.once('authenticationFailed', onAuthFailed);
      client.connect();
    }).catch(async (err: unknown) => {
      await closeClient(client, 1000);
      throw err;
    });
    s.lastAnswer = performance.now();
    const negotiated = client.getSessionTimeout();
    if (negotiated < ttlMs) {
      await closeClient(client, 1000);
      throw new StewardError(
        'STW_CONFIG_INVALID',
        `the ZooKeeper ensemble at ${this.where} granted a session timeout of ${negotiated} ms, shorter than the lease TTL of ${ttlMs} ms: ` +
          `the session could end before this holder stops. Use a TTL of at most ${negotiated} ms, or raise maxSessionTimeout (by default 20 ticks) on the servers`,
        { field: 'lock' },
      );
    }
    if (this.#closed) {
      await closeClient(client, 1000);
      throw new ZookeeperCallError(`the ZooKeeper lease driver for ${this.where} is closed`);
    }
    this.#session = s;
    return s;
  }

  async #children(s: Session): Promise<string[]> {
    const parent = this.#url.path;
    return this.#call<string[]>(s, `list ${parent}`, (cb) => s.client.getChildren(parent, cb));
  }

  async #holderOf(s: Session, path: string): Promise<LeaseHolder | undefined> {
    try {
      const data = await this.#call<Buffer | undefined>(s, `read ${path}`, (cb) => s.client.getData(path, cb));
      return parseHolder(data);
    } catch (err) {
      // It was released between the listing and the read: the lease is changing hands right now.
      if (err instanceof ZookeeperCallError && err.zkCode === zookeeper.Exception.NO_NODE) return undefined;
      throw err;
    }
  }

  /**
   * Resolves once `path` is deleted (or already gone). An exists() watch fires once, on any change;
   * the node's data never changes (renewals only check it), so any event means it went away. If the
   * watch cannot be set (connection lost), it resolves too: the waiter then asks again and backs off.
   */
  #watchDeletion(s: Session, path: string): Promise<void> {
    return new Promise<void>((resolve) => {
      const watcher = (event: Event) => {
        if (event.getType() === zookeeper.Event.NODE_CREATED) return;
        resolve();
      };
      this.#call<Stat | undefined>(s, `watch ${path}`, (cb) => s.client.exists(path, watcher, cb)).then(
        (stat) => {
          if (stat === undefined) resolve();
        },
        () => resolve(),
      );
    });
  }

  /** One request, rejected after a bounded time: the client would otherwise queue it forever. */
  #call<T>(s: Session, what: string, start: (cb: (err: Error | Exception | null, value?: T) => void) => void): Promise<T> {
    const timeoutMs = Math.max(1000, s.ttlMs / 3);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        s.unanswered++;
        reject(new ZookeeperCallError(`ZooKeeper ${what} at ${this.where}: no answer within ${Math.round(timeoutMs)} ms (connection ${s.client.getState().name})`));
      }, timeoutMs);
      try {
        start((err, value) => {
          clearTimeout(timer);
          if (!(err instanceof Error)) {
            // The server answered (a CONNECTION_LOSS is the client's own verdict, not an answer).
            if (err === null || err.getCode() !== zookeeper.Exception.CONNECTION_LOSS) {
              s.lastAnswer = performance.now();
              s.unanswered = 0;
            }
          }
          if (err === null || err === undefined) resolve(value as T);
          else reject(wrapError(what, this.where, err));
        });
      } catch (err) {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new ZookeeperCallError(`ZooKeeper ${what}: ${String(err)}`));
      }
    });
  }
}

function connectTimeoutMs(ttlMs: number): number {
  return Math.max(2000, ttlMs);
}

function wrapError(what: string, where: string, err: Error | Exception): ZookeeperCallError {
  if (err instanceof Error) {
    const e = new ZookeeperCallError(`ZooKeeper ${what} at ${where}: ${err.message}`);
    e.cause = err;
    return e;
  }
  return new ZookeeperCallError(`ZooKeeper ${what} at ${where}: ${err.getName()}`, err.getCode());
}

function sequenceOf(name: string): number {
  return Number(LOCK_NODE.exec(name)?.[1] ?? Number.MAX_SAFE_INTEGER);
}

/** A zxid (8 bytes, big-endian) as an epoch; refused rather than rounded past 2^53. */
function zxidToEpoch(zxid: Buffer, path: string): number {
  const value = zxid.readBigUInt64BE(0);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new StewardError('STW_LEASE_LOST', `the czxid 0x${value.toString(16)} of ${path} is above 2^53 and cannot serve as an epoch (the ensemble has been through over 2^21 leader elections)`);
  }
  return Number(value);
}

function parseHolder(data: Buffer | undefined): LeaseHolder | undefined {
  if (data === undefined || data.length === 0) return undefined;
  try {
    const v = JSON.parse(data.toString('utf8')) as Partial<Record<keyof LeaseHolder, unknown>>;
    if (typeof v.host === 'string' && typeof v.pid === 'number' && typeof v.instanceId === 'string' && typeof v.startedAt === 'string') {
      return { host: v.host, pid: v.pid, instanceId: v.instanceId, startedAt: v.startedAt };
    }
  } catch {
    // not ours: the holder stays unknown
  }
  return undefined;
}

/**
 * Closes the session, and the socket if the close is not answered in time: on a silent connection
 * node-zookeeper-client would wait for the answer forever and keep the process alive.
 */
async function closeClient(client: Client, timeoutMs: number): Promise<void> {
  const cm = (client as unknown as ConnectionInternals).connectionManager;
  if (cm === undefined) {
    client.close();
    return;
  }
  if (cm.state === CM_CLOSED) return;
  let listener: ((state: number) => void) | undefined;
  const closed = new Promise<void>((resolve) => {
    listener = (state) => {
      if (state === CM_CLOSED) resolve();
    };
    cm.on('state', listener);
  });
  const within = async (ms: number): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined;
    const ok = await Promise.race([closed.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)))]);
    clearTimeout(timer);
    return ok;
  };
  try {
    if (cm.state !== CM_CLOSING) client.close();
    if (await within(timeoutMs)) return;
    cm.socket?.destroy();
    await within(200);
  } finally {
    if (listener !== undefined) cm.removeListener('state', listener);
  }
}

/** The ZooKeeper lease driver for a parsed `zk://` URL; connects on the first attempt. */
export async function createZookeeperDriver(url: ZookeeperUrl): Promise<LeaseDriver> {
  return new ZookeeperDriver(url);
}
