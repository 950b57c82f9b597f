/**
 * The `postgres://user@host:port/db[?table=T][&key=K]` lease: one row of a table (default
 * `steward_lease`, created when missing) per lease name (default `steward`), holding the owner, the
 * holder (for messages), the epoch and the expiry time.
 *
 * - Every time comparison uses the database's clock (clock_timestamp()), never this process's; the
 *   holder's self-fencing deadline runs on its own monotonic clock (renewing-lease.ts).
 * - The epoch lives in the row, which is never deleted (release only expires it): epochs grow
 *   across holders, releases and server restarts (as long as the table survives).
 * - Each SQL statement is one atomic operation in its own file under `postgres/`.
 * - A release is announced with NOTIFY on the `steward_lease` channel; a waiting driver LISTENs and
 *   tries again at once, and otherwise when the holder's lease expires (it learns the time left
 *   when it is refused), so takeover after a release or an expiry needs no polling.
 *
 * One connection (pg.Client) per driver, opened on first use. Any failed or late call throws its
 * connection away (a blackholed socket would otherwise keep later calls queued behind it), and the
 * next call opens a new one. Each call has a time budget a little below the timeout the renewal
 * loop puts on it, so the driver fails first and never leaves a hanging call under the next one.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { AcquireAttempt, LeaseDriver } from './driver.js';
import { acquireSql } from './postgres/acquire.js';
import { createTableSql } from './postgres/create-table.js';
import { listenSql } from './postgres/listen.js';
import { readHolderSql } from './postgres/read-holder.js';
import { releaseSql } from './postgres/release.js';
import { renewSql } from './postgres/renew.js';
import { RENEW_FRACTION, pollMs } from './renewing-lease.js';
import type { LeaseHolder } from './types.js';
import type { LeaseUrl } from './url.js';

type PostgresLeaseUrl = Extract<LeaseUrl, { kind: 'postgres' }>;

/** The lease's row name when the URL has no `?key=`. */
export const DEFAULT_LEASE_NAME = 'steward';

/** How long close() lets a connection say goodbye before its socket is destroyed. */
const END_TIMEOUT_MS = 500;

/** The channel release.ts notifies and listen.ts subscribes to; the payload is `table.name`. */
const CHANNEL = 'steward_lease';

/** A waiter tries again this long after the holder's lease expires on the database's clock. */
const EXPIRY_SLACK_MS = 5;

/** SQLSTATEs handled here. */
const UNIQUE_VIOLATION = '23505';
const DUPLICATE_TABLE = '42P07';
const UNDEFINED_TABLE = '42P01';

interface Connection {
  readonly client: pg.Client;
  /** Connected, and the table created if this driver has not done so yet. */
  readonly ready: Promise<void>;
  /** Set on any error or end of the connection: the next call opens a new one. */
  broken: boolean;
  /** Subscribed to CHANNEL: releases will be heard. */
  listening: boolean;
}

function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function parseHolder(value: unknown): LeaseHolder | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.host !== 'string' || typeof v.pid !== 'number' || typeof v.instanceId !== 'string' || typeof v.startedAt !== 'string') {
    return undefined;
  }
  return { host: v.host, pid: v.pid, instanceId: v.instanceId, startedAt: v.startedAt };
}

/** Splits `?key=` (the lease name, Steward's own parameter) off the URL that pg gets. */
function splitKey(url: string): { pgUrl: string; name: string } {
  const q = url.indexOf('?');
  if (q < 0) return { pgUrl: url, name: DEFAULT_LEASE_NAME };
  const params = new URLSearchParams(url.slice(q + 1));
  const name = params.get('key') ?? DEFAULT_LEASE_NAME;
  params.delete('key');
  const rest = params.toString();
  return { pgUrl: rest === '' ? url.slice(0, q) : `${url.slice(0, q)}?${rest}`, name };
}

function destroySocket(client: pg.Client): void {
  // `connection` is set from the constructor on; the socket exists before connect() too.
  client.connection.stream.destroy();
}

class PostgresDriver implements LeaseDriver {
  readonly kind = 'postgres';
  readonly where: string;
  readonly #pgUrl: string;
  readonly #name: string;
  /** This driver's token in the `owner` column: renew and release match it and the epoch. */
  readonly #owner = randomUUID();
  readonly #sql: { create: string; listen: string; acquire: string; readHolder: string; renew: string; release: string };
  /** NOTIFY payload of a release of this lease. */
  readonly #payload: string;
  #conn: Connection | undefined;
  /** Releases of this lease heard so far, and how many had been heard when tryAcquire last began. */
  #releasesHeard = 0;
  #releasesSeen = 0;
  /** performance.now() at which the holder seen by the last refused tryAcquire expires. */
  #freeAt: number | undefined;
  /** Pending changed() calls, woken by a release, a broken connection or close(). */
  readonly #wake = new Set<() => void>();
  #tableReady = false;
  #ttlMs = 10_000;
  #closed = false;
  readonly #epochFloor: (() => Promise<number>) | undefined;

  constructor(url: PostgresLeaseUrl, epochFloor?: () => Promise<number>) {
    this.#epochFloor = epochFloor;
    this.where = url.redacted;
    const { pgUrl, name } = splitKey(url.url);
    this.#pgUrl = pgUrl;
    this.#name = name;
    // url.ts allows only [A-Za-z_][A-Za-z0-9_]*. Quoted after folding to lower case: the same table
    // as the name unquoted would be, and a reserved word (?table=user) still works.
    const table = pg.escapeIdentifier(url.table.toLowerCase());
    this.#payload = `${url.table.toLowerCase()}.${name}`;
    this.#sql = {
      create: createTableSql(table),
      listen: listenSql(CHANNEL),
      acquire: acquireSql(table),
      readHolder: readHolderSql(table),
      renew: renewSql(table),
      release: releaseSql(table),
    };
  }

  async tryAcquire(holder: LeaseHolder, ttlMs: number): Promise<AcquireAttempt> {
    this.#ttlMs = ttlMs;
    // A release heard from now on makes the next changed() return at once.
    this.#releasesSeen = this.#releasesHeard;
    this.#freeAt = undefined;
    const floor = this.#epochFloor === undefined ? 0 : await this.#epochFloor();
    if (!Number.isSafeInteger(floor) || floor < 0) throw new Error(`the epoch floor ${floor} is not a non-negative integer`);
    // renewing-lease.ts waits max(ttl, 2 s) for an attempt.
    return this.#run(0.9 * Math.max(ttlMs, 2000), async (client) => {
      const got = await client.query<{ epoch: string }>(this.#sql.acquire, [this.#name, this.#owner, JSON.stringify(holder), ttlMs, String(floor)]);
      const row = got.rows[0];
      if (row !== undefined) return { acquired: true, epoch: Number(row.epoch) };
      const current = await client.query<{ holder: unknown; ms_left: number }>(this.#sql.readHolder, [this.#name]);
      const held = current.rows[0];
      if (held !== undefined) this.#freeAt = performance.now() + held.ms_left;
      return { acquired: false, holder: parseHolder(held?.holder) };
    });
  }

  async renew(epoch: number, ttlMs: number): Promise<'held' | 'lost'> {
    this.#ttlMs = ttlMs;
    // renewing-lease.ts waits ttl/3 for a renewal.
    return this.#run((0.9 * ttlMs) / RENEW_FRACTION, async (client) => {
      const res = await client.query(this.#sql.renew, [this.#name, this.#owner, String(epoch), ttlMs]);
      return res.rowCount === 1 ? 'held' : 'lost';
    });
  }

  async release(epoch: number): Promise<void> {
    // renewing-lease.ts waits max(1 s, ttl/2) for a release.
    await this.#run(0.9 * Math.max(1000, this.#ttlMs / 2), async (client) => {
      await client.query(this.#sql.release, [this.#name, this.#owner, String(epoch), CHANNEL]);
    });
  }

  /**
   * Resolves when a release of this lease is heard, when the holder last seen expires, when the
   * connection breaks (the next attempt reconnects), on abort, or after `maxWaitMs`. Never rejects.
   */
  changed(maxWaitMs: number, signal: AbortSignal): Promise<void> {
    if (this.#closed || signal.aborted || this.#releasesHeard !== this.#releasesSeen) return Promise.resolve();
    const conn = this.#conn;
    // Without a subscription nothing announces a release: poll as renewing-lease.ts would.
    let ms = conn !== undefined && conn.listening && !conn.broken ? maxWaitMs : Math.min(maxWaitMs, pollMs(this.#ttlMs));
    if (this.#freeAt !== undefined) ms = Math.min(ms, Math.max(0, this.#freeAt - performance.now()) + EXPIRY_SLACK_MS);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.#wake.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.#wake.add(done);
    });
  }

  #wakeAll(): void {
    for (const done of [...this.#wake]) done();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#wakeAll();
    const conn = this.#conn;
    this.#conn = undefined;
    if (conn !== undefined) await this.#end(conn);
  }

  /** Runs `fn` on the connection (opening it if needed) within `budgetMs`, or throws. */
  async #run<T>(budgetMs: number, fn: (client: pg.Client) => Promise<T>): Promise<T> {
    if (this.#closed) throw new Error(`the ${this.kind} lease driver for ${this.where} is closed`);
    let conn = this.#conn;
    if (conn === undefined || conn.broken) {
      if (conn !== undefined) this.#discard(conn);
      conn = this.#connect(budgetMs);
      this.#conn = conn;
    }
    const used = conn;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from PostgreSQL within ${Math.round(budgetMs)} ms`)), budgetMs);
    });
    try {
      return await Promise.race([used.ready.then(() => fn(used.client)), late]);
    } catch (err) {
      if (sqlState(err) === UNDEFINED_TABLE) this.#tableReady = false; // dropped: create it again
      // Whatever went wrong, this connection may be stuck mid-statement: never reuse it.
      this.#discard(used);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  #connect(budgetMs: number): Connection {
    const client = new pg.Client({
      connectionString: this.#pgUrl,
      connectionTimeoutMillis: Math.max(1, Math.round(budgetMs)),
      // The server gives up on a statement (e.g. one stuck behind a row lock) after a TTL.
      statement_timeout: Math.max(1000, Math.round(this.#ttlMs)),
      application_name: 'steward-lease',
      keepAlive: true,
    });
    const conn: { client: pg.Client; ready: Promise<void>; broken: boolean; listening: boolean } = {
      client,
      ready: Promise.resolve(),
      broken: false,
      listening: false,
    };
    // A dropped connection emits 'error' on an idle client: without a listener it would crash the
    // process. Mark it broken (the next call reconnects) and wake a waiter, who would hear nothing.
    const broke = () => {
      conn.broken = true;
      this.#wakeAll();
    };
    client.on('error', broke);
    client.on('end', broke);
    client.on('notification', (msg) => {
      if (msg.channel !== CHANNEL || msg.payload !== this.#payload) return;
      this.#releasesHeard++;
      this.#wakeAll();
    });
    conn.ready = client
      .connect()
      .then(() => this.#createTable(client))
      .then(() => client.query(this.#sql.listen))
      .then(() => {
        conn.listening = true;
      });
    // #run awaits it; this only keeps an abandoned attempt from being an unhandled rejection.
    conn.ready.catch(() => undefined);
    return conn;
  }

  async #createTable(client: pg.Client): Promise<void> {
    if (this.#tableReady) return;
    try {
      await client.query(this.#sql.create);
    } catch (err) {
      // Concurrent creators race on the catalog even with IF NOT EXISTS; the table exists now.
      const state = sqlState(err);
      if (state !== UNIQUE_VIOLATION && state !== DUPLICATE_TABLE) throw err;
    }
    this.#tableReady = true;
  }

  /** Drops a connection that must not be used again, without waiting for it. */
  #discard(conn: Connection): void {
    conn.broken = true;
    if (this.#conn === conn) this.#conn = undefined;
    destroySocket(conn.client);
  }

  /** Ends a connection politely if it answers within END_TIMEOUT_MS, else destroys its socket. */
  async #end(conn: Connection): Promise<void> {
    if (conn.broken) {
      destroySocket(conn.client);
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, END_TIMEOUT_MS);
    });
    try {
      // A connection still opening is ended once it is open (or has failed).
      const ended = conn.ready.then(
        () => conn.client.end(),
        () => undefined,
      );
      await Promise.race([ended.catch(() => undefined), timeout]);
    } finally {
      clearTimeout(timer);
      destroySocket(conn.client);
    }
  }
}

/** A LeaseDriver on a PostgreSQL table; connects on first use. */
export function createPostgresDriver(url: PostgresLeaseUrl, opts: { epochFloor?: () => Promise<number> } = {}): Promise<LeaseDriver> {
  return Promise.resolve(new PostgresDriver(url, opts.epochFloor));
}
