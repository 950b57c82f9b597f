import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { isStewardError } from '../../src/errors/index.js';
import { openLease } from '../../src/ha/index.js';
import { EtcdServer } from '../support/etcd-server.js';
import { LEASE_FIXTURES } from '../support/lease-servers.js';
import { holder, leaseContract } from './lease-contract.js';

leaseContract('etcd', LEASE_FIXTURES.etcd);

const keyFor = (name: string) => encodeURIComponent(`steward/test/${name}`);

describe('the etcd lease when the lock service restarts', () => {
  let etcd: EtcdServer;
  before(async () => {
    etcd = await EtcdServer.start();
  });
  after(async () => {
    await etcd?.stop();
  });
  const url = (name: string) => `etcd://127.0.0.1:${etcd.clientPort}?key=${keyFor(name)}`;

  test('the lock service restarted while a lease is held: the holder keeps its lease and later epochs are larger', { timeout: 60_000 }, async (t) => {
    // etcd keeps leases in its data dir and, on electing a leader after the restart, extends
    // their remaining TTL; a holder whose renewals resume before its self-fence deadline (TTL
    // minus the margin, 4 s here, after the last renewal sent) keeps the lease. etcd stays down
    // for 1.5 s, about a renewal interval: renewals fail or wait for it meanwhile, by phase.
    const ttlMs = 5000;
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
    const renewedAt: number[] = [];
    const first = await openLease(url('restart'), { holder: holder('first'), ttlMs, logger, onRenew: () => renewedAt.push(performance.now()) });
    const lost: string[] = [];
    first.onLost((reason) => lost.push(reason));
    try {
      await etcd.restart(1500);
      const backAt = performance.now();
      await new Promise((r) => setTimeout(r, ttlMs * 1.5));
      assert.deepEqual(lost, []);
      assert.equal(first.held, true);
      // Held 1.5 TTL after the restart: the restarted etcd accepted renewals of the same lease.
      assert.ok(renewedAt.some((at) => at > backAt), 'renewed after the restart');
      const failed = warnings.filter((w) => w.includes('renewing the etcd lease failed')).length;
      const slow = warnings.filter((w) => w.includes('renewing the etcd lease was slow')).length;
      t.diagnostic(`while etcd was down ${failed} renewals failed and ${slow} were slow; the lease was held throughout`);
      await assert.rejects(openLease(url('restart'), { holder: holder('second'), ttlMs }), (e: unknown) => {
        assert.ok(isStewardError(e, 'STW_HOME_LOCKED'), String(e));
        return true;
      });
    } finally {
      await first.release();
    }
    const second = await openLease(url('restart'), { holder: holder('second'), ttlMs });
    try {
      assert.ok(second.epoch > first.epoch, `epoch ${second.epoch} > ${first.epoch}`);
    } finally {
      await second.release();
    }
  });

  test('the lock service down longer than the TTL: the holder stops, and after the restart the next holder gets a larger epoch', { timeout: 60_000 }, async (t) => {
    const ttlMs = 2000;
    const first = await openLease(url('outage'), { holder: holder('first'), ttlMs });
    const lostAt = new Promise<number>((resolve) => first.onLost(() => resolve(performance.now())));
    try {
      const downAt = performance.now();
      await etcd.kill();
      const stoppedAfter = (await lostAt) - downAt;
      assert.ok(stoppedAfter <= ttlMs, `the holder stopped ${Math.round(stoppedAfter)} ms after the lock service went down`);
      assert.equal(first.held, false);
    } finally {
      await first.release();
    }
    await etcd.restart();
    const restartedAt = performance.now();
    // etcd restored the first holder's lease with its TTL extended, so its key lives on until
    // that lease expires: the next holder waits for it, then gets a larger epoch.
    const second = await openLease(url('outage'), { holder: holder('second'), ttlMs, wait: true, timeoutMs: 20_000 });
    try {
      const waited = performance.now() - restartedAt;
      assert.ok(second.epoch > first.epoch, `epoch ${second.epoch} > ${first.epoch}`);
      t.diagnostic(`the next holder got the lease ${Math.round(waited)} ms after etcd was back (TTL ${ttlMs} ms)`);
      assert.ok(waited < ttlMs + 5000, `the next holder got the lease ${Math.round(waited)} ms after the restart`);
    } finally {
      await second.release();
    }
  });
});
