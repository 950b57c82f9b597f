/**
 * The zk:// lease against a real ZooKeeper 3.8 (tickTime 500 ms: session timeouts 1 s to 10 s).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openLease } from '../../src/ha/index.js';
import { ZookeeperServer } from '../support/zookeeper-server.js';
import { TTL_MS, holder, leaseContract } from './lease-contract.js';

leaseContract('zookeeper', { start: () => ZookeeperServer.start() });

describe('the zookeeper lease when the lock service restarts', () => {
  let server: ZookeeperServer;
  let n = 0;
  const fresh = () => `restart${process.pid}-${++n}`;

  before(async () => {
    server = await ZookeeperServer.start();
  });
  after(async () => {
    await server?.stop();
  });

  // With the data directory kept, the server reloads the sessions it had and gives each a full
  // timeout from its start; a client that reconnects within that time keeps its session, so the
  // holder keeps its node and epoch, provided the outage is shorter than TTL minus the safety
  // margin (the holder stops at that deadline whatever the server does).
  test('the lock service restarted quickly while a lease is held: the holder keeps its node and epoch', { timeout: 60_000 }, async () => {
    const ttlMs = 10_000;
    const url = server.url(fresh());
    let renewals = 0;
    const lease = await openLease(url, { holder: holder('holder'), ttlMs, onRenew: () => renewals++ });
    const lost: string[] = [];
    lease.onLost((reason) => lost.push(reason));
    try {
      await server.restart();
      renewals = 0;
      const deadline = Date.now() + ttlMs;
      while (renewals === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.ok(renewals > 0, `no renewal succeeded after the restart (it took ${Math.round(server.startedInMs)} ms)`);
      assert.deepEqual(lost, []);
      assert.equal(lease.held, true);
      // The node survived: another instance is still refused.
      await assert.rejects(openLease(url, { holder: holder('second'), ttlMs }), /held by another instance/);
    } finally {
      await lease.release();
    }
    const next = await openLease(url, { holder: holder('second'), ttlMs });
    try {
      assert.ok(next.epoch > lease.epoch, `epoch ${next.epoch} > ${lease.epoch}`);
    } finally {
      await next.release();
    }
  });

  // Down for longer than the TTL: the holder cannot renew and stops at its deadline; when the
  // server comes back it expires the holder's session (whose client gave up on losing the lease)
  // one session timeout after its start, deletes the node, and the waiter, whose own session
  // survived, is told by its watch and takes the lease with a larger epoch.
  test('the lock service down longer than the TTL: the holder stops, and after the restart a waiter acquires with a larger epoch', { timeout: 60_000 }, async () => {
    const url = server.url(fresh());
    const first = await openLease(url, { holder: holder('first'), ttlMs: TTL_MS });
    let lostAt: number | undefined;
    first.onLost(() => (lostAt = Date.now()));
    const waiting = openLease(url, { holder: holder('waiter'), ttlMs: TTL_MS, wait: true, timeoutMs: 40_000 });
    let acquiredAt: number | undefined;
    void waiting.then(() => (acquiredAt = Date.now()), () => undefined);
    try {
      await new Promise((r) => setTimeout(r, 500)); // the waiter has queued its node
      await server.kill();
      const downAt = Date.now();
      await new Promise((r) => setTimeout(r, TTL_MS + 1000));
      assert.equal(first.held, false);
      assert.ok(lostAt !== undefined && lostAt - downAt <= TTL_MS, `the holder stopped ${lostAt === undefined ? 'never' : `${lostAt - downAt} ms`} after the outage began`);
      assert.equal(acquiredAt, undefined, 'nobody acquires while the service is down');
      await server.restart();
      const second = await waiting;
      try {
        assert.ok(second.epoch > first.epoch, `epoch ${second.epoch} > ${first.epoch}`);
        assert.ok(acquiredAt !== undefined && acquiredAt > lostAt);
      } finally {
        await second.release();
      }
    } finally {
      await first.release();
      await waiting.then((l) => l.release(), () => undefined);
    }
  });

  test('a TTL longer than the session timeout the server grants is refused with a clear message', { timeout: 30_000 }, async () => {
    await assert.rejects(openLease(server.url(fresh()), { holder: holder('long'), ttlMs: 20_000 }), (e: unknown) => {
      assert.match(String(e), /granted a session timeout of 10000 ms, shorter than the lease TTL of 20000 ms/);
      return true;
    });
  });
});
