/**
 * Lease backends on loopback: acquisition and renewal latency (p50, p99), and failover time from
 * SIGKILL of the holder to the waiter's acquisition, with TTL 2 s and 10 s. Each service is a real
 * server from Debian's packages, started on a free port (test/support/lease-servers.ts).
 *
 *   node --import tsx bench/lease.ts [backend...]     # all: file redis etcd zookeeper postgres
 *   BENCH_QUICK=1: fewer samples and TTL 2 s only.
 * Goals: failover within TTL + 0.5 s; acquisition within 2 round trips (a renewal is one).
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { createLeaseDriver, openLease, parseLeaseUrl } from '../src/ha/index.js';
import type { LeaseDriver } from '../src/ha/index.js';
import { Contender, holder } from '../test/ha/lease-contract.js';
import { LEASE_FIXTURES, type LeaseFixtureName } from '../test/support/lease-servers.js';
import { QUICK, machineLine, ms, scratchDir, summary } from './lib.js';

const ACQUIRES = QUICK ? 30 : 200;
const RENEWS = QUICK ? 100 : 1000;
const FAILOVERS = QUICK ? 1 : 3;
const TTLS = QUICK ? [2000] : [2000, 10_000];

async function driverFor(url: string): Promise<LeaseDriver> {
  const parsed = parseLeaseUrl(url);
  if (parsed.kind === 'file') throw new Error('the file lease has no driver');
  return createLeaseDriver(parsed);
}

/** Round trips of `renew` on a held lease, straight on its driver. */
async function measureRenewals(url: string): Promise<number[]> {
  const driver = await driverFor(url);
  const attempt = await driver.tryAcquire(holder('bench'), 10_000);
  if (!attempt.acquired) throw new Error('the renewal lease is not free');
  const renew: number[] = [];
  for (let i = 0; i < RENEWS; i++) {
    const t = performance.now();
    if ((await driver.renew(attempt.epoch, 10_000)) !== 'held') throw new Error('lost the lease while benchmarking renewals');
    renew.push(performance.now() - t);
  }
  await driver.release(attempt.epoch);
  await driver.close();
  return renew;
}

const names = (process.argv.slice(2).length > 0 ? process.argv.slice(2) : Object.keys(LEASE_FIXTURES)) as LeaseFixtureName[];
const dir = scratchDir('lease');
console.log(`lease backends on loopback: ${names.join(', ')}; ${ACQUIRES} acquisitions, ${RENEWS} renewals, ${FAILOVERS} failovers per TTL (${TTLS.map((t) => `${t / 1000} s`).join(', ')})`);
try {
  for (const name of names) {
    const server = await LEASE_FIXTURES[name].start();
    try {
      // Acquisition of a free lease (each on a key of its own), then release.
      const acquire: number[] = [];
      for (let i = 0; i < ACQUIRES; i++) {
        const url = server.url(`bench-acq-${process.pid}-${i}`);
        const t = performance.now();
        const lease = await openLease(url, { holder: holder('bench'), ttlMs: 10_000, defaultLockFile: path.join(dir, `acq-${i}.lock`) });
        acquire.push(performance.now() - t);
        await lease.release();
      }
      const A = summary(acquire);
      let renewLine = 'renewal: none (the kernel holds a flock until release or death)';
      let warmLine = '';
      let rtt = NaN;
      if (name !== 'file' && name !== 'zookeeper') {
        // Acquisition on a connection already open: what the protocol costs, without connecting.
        // (A ZooKeeper driver's release ends its session, so it serves one acquisition.)
        const warmDriver = await driverFor(server.url(`bench-warm-${process.pid}`));
        const warm: number[] = [];
        for (let i = 0; i <= ACQUIRES; i++) {
          const t = performance.now();
          const attempt = await warmDriver.tryAcquire(holder('bench'), 10_000);
          if (i > 0) warm.push(performance.now() - t);
          if (!attempt.acquired) throw new Error('the warm lease is not free');
          await warmDriver.release(attempt.epoch);
        }
        await warmDriver.close();
        const W = summary(warm);
        const renew = await measureRenewals(server.url(`bench-renew-${process.pid}`));
        const R = summary(renew);
        rtt = R.p50;
        renewLine = `renewal p50 ${ms(R.p50)}  p99 ${ms(R.p99)} (one round trip, or the backend's renewal)`;
        warmLine = `acquisition on an open connection p50 ${ms(W.p50)}  p99 ${ms(W.p99)}  (= ${(W.p50 / rtt).toFixed(1)} renewals at p50; goal <= 2 round trips)`;
      }
      if (name === 'zookeeper') {
        const renew = await measureRenewals(server.url(`bench-renew-${process.pid}`));
        const R = summary(renew);
        renewLine = `renewal p50 ${ms(R.p50)}  p99 ${ms(R.p99)} (a check transaction: one round trip)`;
        warmLine = 'acquisition on an open session: not measured (a driver serves one acquisition; acquiring is a create and a children listing, 2 round trips)';
      }
      console.log(`\n${name}:`);
      console.log(`  acquisition with a new connection p50 ${ms(A.p50)}  p99 ${ms(A.p99)}`);
      if (warmLine !== '') console.log(`  ${warmLine}`);
      console.log(`  ${renewLine}`);
      // Failover: a holder process killed with SIGKILL, a waiter process taking over.
      for (const ttl of TTLS) {
        const times: number[] = [];
        for (let i = 0; i < FAILOVERS; i++) {
          const key = `bench-fo-${process.pid}-${ttl}-${i}`;
          const url = name === 'file' ? `file:${path.join(dir, `${key}.lock`)}` : server.url(key);
          const log = path.join(dir, `${key}.log`);
          const a = new Contender({ url, log, id: 'a', ttlMs: ttl, holdMs: 600_000, rounds: 1 });
          await a.waitFor('acquired', 30_000);
          const b = new Contender({ url, log, id: 'b', ttlMs: ttl, holdMs: 600_000, rounds: 1 });
          await new Promise((r) => setTimeout(r, 1500));
          const killed = Date.now();
          await a.kill('SIGKILL');
          const got = await b.waitFor('acquired', ttl + 30_000);
          times.push(got.at - killed);
          await b.kill();
        }
        const F = summary(times);
        const met = F.max <= ttl + 500;
        console.log(`  failover with TTL ${ttl / 1000} s: ${times.map((t) => ms(t, 0)).join(', ')} (max ${ms(F.max, 0)}; goal <= TTL + 500 ms -> ${met ? 'MET' : 'NOT MET'})`);
      }
    } finally {
      await server.stop();
    }
  }
  console.log(`\n${machineLine()}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
