/**
 * The postgres:// lease against a real PostgreSQL (test/support/postgres-server.ts): the contract
 * every backend meets, and what happens when the database restarts under a held lease.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { pino } from 'pino';
import { isStewardError } from '../../src/errors/index.js';
import { openLease, safetyMarginMs, type Lease } from '../../src/ha/index.js';
import { PostgresServer } from '../support/postgres-server.js';
import { LEASE_FIXTURES } from '../support/lease-servers.js';
import { holder, leaseContract } from './lease-contract.js';


leaseContract('postgres', LEASE_FIXTURES.postgres);

/** A pino logger whose messages a test can read. */
function recordingLogger(): { logger: pino.Logger; messages: string[] } {
  const messages: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) messages.push(String((JSON.parse(line) as { msg?: unknown }).msg));
      done();
    },
  });
  return { logger: pino({ level: 'warn' }, stream), messages };
}

/** `p`, or a rejection naming `what` after `ms`. */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(what)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function rowOf(server: PostgresServer, tableName: string): Promise<{ epoch: string; expired: boolean } | undefined> {
  const client = new pg.Client({ connectionString: server.url(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const res = await client.query<{ epoch: string; expired: boolean }>(`SELECT epoch, expires_at <= clock_timestamp() AS expired FROM ${tableName} WHERE name = 'steward'`);
    return res.rows[0];
  } finally {
    await client.end();
  }
}

/**
 * The lock service restarted while a lease is held. The row lives in a table, so it survives a
 * restart (fast shutdown, same data directory); expiry is on the database's clock, which kept
 * running while the server was down. While it is down every renewal fails (connection refused) and
 * the holder keeps counting down to its self-fencing deadline (TTL minus the safety margin after
 * the last renewal that succeeded):
 * - back before that deadline: the next renewal finds the row still ours and unexpired, and the
 *   holder keeps the lease and its epoch; nobody else got in;
 * - back after it: the holder has already fenced itself (lost), the row has expired, and a waiter
 *   acquires with the next epoch. Epochs never go backwards: they live in the row, not in memory.
 */
describe('the postgres lease when the lock service restarts', () => {
  let server: PostgresServer;

  before(async () => {
    server = await PostgresServer.start();
  });
  after(async () => {
    await server?.stop();
  });

  test('a new table starts above the epoch floor (the home already at a larger epoch), and grows from its row after', async () => {
    const url = `${server.url()}?table=new_with_floor`;
    const first = await openLease(url, { holder: holder('a'), ttlMs: 5000, epochFloor: async () => 41 });
    assert.equal(first.epoch, 42);
    await first.release();
    const second = await openLease(url, { holder: holder('b'), ttlMs: 5000, epochFloor: async () => 7 });
    assert.equal(second.epoch, 43, 'a floor below the row does not lower the epoch');
    await second.release();
  });

  test('the lock service restarted while a lease is held and came back in time: the holder keeps the lease and its epoch', { timeout: 60_000 }, async () => {
    const ttlMs = 6000; // a deadline far enough away for a shutdown, a restart and a retry on a busy machine
    const url = `${server.url()}?table=restart_in_time`;
    const { logger, messages } = recordingLogger();
    const renewals: number[] = [];
    const lease = await openLease(url, { holder: holder('a'), ttlMs, logger, onRenew: () => renewals.push(performance.now()) });
    const lost: string[] = [];
    lease.onLost((reason) => lost.push(reason));
    try {
      // Down from shortly before a renewal is due until a little after, so that renewals fail.
      while (renewals.length === 0) await sleep(20);
      const lastRenewal = renewals.at(-1) as number;
      await sleep(Math.max(0, lastRenewal + ttlMs / 3 - 300 - performance.now()));
      await server.shutdown();
      const downAt = performance.now();
      await sleep(800);
      const restartAt = performance.now();
      await server.restart();
      const upAt = performance.now();
      // Back with time left for a retry (every 250 ms) before the holder would fence itself.
      const deadline = lastRenewal + ttlMs - safetyMarginMs(ttlMs);
      assert.ok(upAt + 500 < deadline, `back ${Math.round(upAt - downAt)} ms after the shutdown, too close to the self-fencing deadline for this test's point`);

      // Past the time the lease would have expired without the renewals after the restart.
      await sleep(Math.max(0, downAt + ttlMs - performance.now()) + 500);
      assert.deepEqual(lost, [], 'the holder never lost the lease');
      assert.equal(lease.held, true);
      assert.equal(renewals.filter((t) => t > downAt && t < restartAt).length, 0, 'no renewal succeeded while the server was down');
      assert.ok(renewals.some((t) => t > upAt), 'renewals succeed again after the restart');
      assert.ok(
        messages.some((m) => m.startsWith('renewing the postgres lease failed')),
        `renewals failed while the server was down: ${JSON.stringify(messages)}`,
      );
      // The row survived: another instance is still refused, naming the holder.
      await assert.rejects(openLease(url, { holder: holder('b'), ttlMs }), (e: unknown) => {
        assert.ok(isStewardError(e, 'STW_HOME_LOCKED'), String(e));
        assert.match(e.message, new RegExp(`pid ${process.pid}`));
        return true;
      });
    } finally {
      await lease.release();
    }
    const next = await openLease(url, { holder: holder('b'), ttlMs });
    try {
      assert.equal(next.epoch, lease.epoch + 1);
    } finally {
      await next.release();
    }
  });

  test('the lock service restarted while a lease is held and came back too late: the holder fenced itself and a waiter gets the next epoch', { timeout: 60_000 }, async () => {
    const ttlMs = 2000;
    const name = 'restart_too_late';
    const url = `${server.url()}?table=${name}`;
    // Some history first, so that a reset epoch would show.
    for (let i = 0; i < 3; i++) await (await openLease(url, { holder: holder(`early${i}`), ttlMs })).release();

    const a = await openLease(url, { holder: holder('a'), ttlMs });
    assert.equal(a.epoch, 4);
    const lostAt = new Promise<number>((resolve) => a.onLost(() => resolve(performance.now())));
    const ac = new AbortController();
    let waiting: Promise<Lease> | undefined;
    try {
      await sleep(300);
      await server.shutdown();
      const downAt = performance.now();
      // A waiter that cannot reach the server keeps retrying.
      waiting = openLease(url, { holder: holder('b'), ttlMs, wait: true, signal: ac.signal });
      waiting.catch(() => undefined);

      const fencedAt = await lostAt;
      assert.equal(a.held, false);
      assert.ok(fencedAt - downAt <= ttlMs - safetyMarginMs(ttlMs) + 100, `fenced ${Math.round(fencedAt - downAt)} ms after the shutdown`);

      await sleep(ttlMs); // the row is expired by the database's clock when it comes back
      await server.restart();
      const upAt = performance.now();
      const b = await within(waiting, 10_000, 'the waiter did not acquire within 10 s of the restart');
      // The waiter backs off up to 2 s between attempts while the server is unreachable.
      assert.ok(performance.now() - upAt < 5000, `acquired ${Math.round(performance.now() - upAt)} ms after the restart`);
      assert.ok(fencedAt < upAt, 'the old holder stopped before the new one could start');
      assert.equal(b.epoch, a.epoch + 1, 'the epoch continues from the row that survived the restart');
      assert.equal((await rowOf(server, name))?.epoch, String(b.epoch));
      assert.equal(a.held, false, 'a fenced holder never holds again');
    } finally {
      ac.abort();
      await a.release();
      await (await waiting?.catch(() => undefined))?.release();
    }
    assert.equal((await rowOf(server, name))?.expired, true, 'released: free for the next one');
  });
});
