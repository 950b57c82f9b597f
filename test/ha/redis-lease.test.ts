import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { isStewardError } from '../../src/errors/index.js';
import { acquireWithDriver, parseLeaseUrl, type Lease, type LeaseUrl } from '../../src/ha/index.js';
import { createRedisDriver } from '../../src/ha/lease/redis.js';
import { RedisServer } from '../support/redis-server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { LEASE_FIXTURES } from '../support/lease-servers.js';
import { holder, leaseContract, TTL_MS } from './lease-contract.js';

type RedisLeaseUrl = Extract<LeaseUrl, { kind: 'redis' }>;

const redisUrl = (port: number, key: string) => `redis://127.0.0.1:${port}/0?key=${encodeURIComponent(key)}`;

function parseRedis(url: string): RedisLeaseUrl {
  const parsed = parseLeaseUrl(url);
  assert.equal(parsed.kind, 'redis');
  return parsed as RedisLeaseUrl;
}

leaseContract('redis', LEASE_FIXTURES.redis);

/** `connected_clients` from the server's INFO, counting the connection that asks. */
async function connectedClients(port: number): Promise<number> {
  const socket = net.connect(port, '127.0.0.1');
  try {
    socket.write('INFO clients\r\n');
    let text = '';
    for await (const chunk of socket) {
      text += String(chunk);
      const m = /connected_clients:(\d+)/.exec(text);
      if (m !== null) return Number(m[1]);
    }
    throw new Error(`no connected_clients in ${JSON.stringify(text)}`);
  } finally {
    socket.destroy();
  }
}

/** Resolves with the reason and the time (performance.now()) when the lease reports its loss. */
function lossOf(lease: Lease): Promise<{ reason: string; at: number }> {
  return new Promise((resolve) => lease.onLost((reason) => resolve({ reason, at: performance.now() })));
}

/**
 * TTL of the restart tests: long enough that the holder's renewal reaches the restarted server well
 * before its own self-fencing deadline, so that what is observed is Redis' answer, not the timer.
 */
const RESTART_TTL_MS = 6000;

describe('the redis lease, beyond the contract', () => {
  let server: RedisServer;
  before(async () => {
    server = await RedisServer.start();
  });
  after(async () => {
    await server?.stop();
  });

  test('lock service restarted while a lease is held: the holder loses it at its next renewal, a waiter may take it at once, and with the floor the epoch still grows', { timeout: 30_000 }, async () => {
    const url = parseRedis(redisUrl(server.port, 'restart-with-floor'));
    // Stands for <home>/.steward/epoch: each holder writes its epoch there; the floor reads it.
    let homeEpoch = 0;
    const epochFloor = async () => homeEpoch;
    const open = async (id: string) => acquireWithDriver(await createRedisDriver(url, { epochFloor }), { holder: holder(id), ttlMs: RESTART_TTL_MS });
    for (let i = 0; i < 3; i++) {
      const l = await open(`warm-up-${i}`);
      homeEpoch = l.epoch;
      await l.release();
    }
    const a = await open('a');
    homeEpoch = a.epoch;
    assert.equal(a.epoch, 4);
    const aLost = lossOf(a);

    await server.restart(); // no persistence: the lease key and the epoch counter are gone
    const restartedAt = performance.now();

    // The key is gone, so a waiter gets the lease at once, possibly before the old holder noticed.
    const b = await open('b');
    try {
      homeEpoch = b.epoch;
      assert.ok(b.epoch > a.epoch, `epoch ${b.epoch} after the restart is above ${a.epoch}`);
      const lost = await aLost;
      assert.match(lost.reason, /no longer ours/);
      // At its next renewal: within TTL/3 of the restart, plus the time to reconnect.
      const noticed = lost.at - restartedAt;
      assert.ok(noticed < RESTART_TTL_MS / 3 + 1000, `the old holder noticed ${Math.round(noticed)} ms after the restart (TTL ${RESTART_TTL_MS})`);
      assert.equal(a.held, false);
      assert.equal(b.held, true);
    } finally {
      await a.release();
      await b.release();
    }
  });

  test('without a floor, the old holder renewing after a restart puts the epoch counter back; a restarted Redis nobody renews against starts again at 1', { timeout: 30_000 }, async () => {
    const url = parseRedis(redisUrl(server.port, 'restart-without-floor'));
    const open = async (id: string) => acquireWithDriver(await createRedisDriver(url), { holder: holder(id), ttlMs: RESTART_TTL_MS });
    for (let i = 0; i < 2; i++) await (await open(`warm-up-${i}`)).release();
    const a = await open('a');
    assert.equal(a.epoch, 3);
    const aLost = lossOf(a);
    await server.restart();
    // Wait for the old holder's renewal: it finds the lease gone and raises the counter to its epoch.
    assert.match((await aLost).reason, /no longer ours/);
    await a.release();
    const c = await open('c');
    assert.equal(c.epoch, a.epoch + 1);
    await c.release();

    // Nobody left to remember: epochs restart. This is why the controller passes the home's epoch
    // as the floor; without it the home store refuses this holder's writes (fenced, not unsafe).
    await server.restart();
    const d = await open('d');
    assert.equal(d.epoch, 1);
    await d.release();
  });

  test('a silent or refusing network makes calls fail within their deadline, and close() returns at once', { timeout: 30_000 }, async () => {
    const proxy = await TcpProxy.start({ host: server.host, port: server.port });
    const driver = await createRedisDriver(parseRedis(redisUrl(proxy.port, 'cut-off')));
    try {
      const got = await driver.tryAcquire(holder('cut'), TTL_MS);
      assert.ok(got.acquired);
      assert.equal(await driver.renew(got.epoch, TTL_MS), 'held');

      proxy.blackhole();
      const bound = TTL_MS / 3 + 250;
      for (const attempt of ['on the open connection', 'on a new connection']) {
        const t0 = performance.now();
        await assert.rejects(driver.renew(got.epoch, TTL_MS), /no answer from Redis/);
        const took = performance.now() - t0;
        assert.ok(took < bound, `renew ${attempt} failed after ${Math.round(took)} ms (bound ${bound})`);
      }

      proxy.reset();
      const t0 = performance.now();
      await assert.rejects(driver.renew(got.epoch, TTL_MS));
      assert.ok(performance.now() - t0 < bound);

      proxy.restore();
      assert.equal(await driver.renew(got.epoch, TTL_MS), 'held', 'the driver connects again once the network is back');
      proxy.blackhole();
      const c0 = performance.now();
      await driver.close();
      assert.ok(performance.now() - c0 < 100, 'close() does not wait for the server');
      await assert.rejects(driver.renew(got.epoch, TTL_MS), /closed/);
    } finally {
      await driver.close();
      await proxy.close();
    }
  });

  test('a waiter is told who holds the lease, a retried acquisition keeps its epoch, and a lease that is not ours any more is neither renewed nor released', async () => {
    const url = parseRedis(redisUrl(server.port, 'two-drivers'));
    const a = await createRedisDriver(url);
    const b = await createRedisDriver(url);
    try {
      const first = await a.tryAcquire(holder('a'), TTL_MS);
      assert.ok(first.acquired);
      // A retry of the same acquisition (its reply was lost) gets the same lease and epoch back.
      assert.deepEqual(await a.tryAcquire(holder('a'), TTL_MS), { acquired: true, epoch: first.epoch });
      const refused = await b.tryAcquire(holder('b'), TTL_MS);
      assert.equal(refused.acquired, false);
      assert.equal(refused.acquired === false && refused.holder?.instanceId, 'a');
      assert.equal(await b.renew(first.epoch, TTL_MS), 'lost');
      await b.release(first.epoch);
      assert.equal((await b.tryAcquire(holder('b'), TTL_MS)).acquired, false, "b's release left a's lease alone");
      await a.release(first.epoch);
      const second = await b.tryAcquire(holder('b'), TTL_MS);
      assert.ok(second.acquired && second.epoch > first.epoch);
      assert.equal(await a.renew(first.epoch, TTL_MS), 'lost');
      await b.release(second.epoch);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test('closing the driver while it is still connecting leaves no connection open', async () => {
    const driver = await createRedisDriver(parseRedis(redisUrl(server.port, 'close-while-connecting')));
    const attempt = driver.tryAcquire(holder('early'), TTL_MS); // the TCP connection is being made
    await driver.close();
    await assert.rejects(attempt);
    await new Promise((r) => setTimeout(r, 300));
    // The connection asking is the only one the server should see.
    assert.equal(await connectedClients(server.port), 1);
  });

  test('credentials never reach `where`, and a URL with several hosts is refused', async () => {
    const driver = await createRedisDriver(parseRedis('redis://steward:s3cret@127.0.0.1:6390/2?key=k'));
    assert.equal(driver.where, 'redis://127.0.0.1:6390/2?key=k');
    assert.doesNotMatch(driver.where, /s3cret|steward@/);
    await driver.close();
    await assert.rejects(createRedisDriver(parseRedis('redis://a:6379,b:6379')), (e: unknown) => isStewardError(e, 'STW_REQUEST_INVALID'));
  });
});
