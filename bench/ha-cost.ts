/**
 * The cost of HA in steady state: build throughput of a controller holding a Redis lease (TTL 10 s,
 * renewed every 3.3 s, a real redis-server on loopback) against one holding the home's `file:`
 * lock, in the same run. Both controllers run side by side, each on a home of its own with 2
 * executors; rounds alternate between them (file, redis, file, redis...), each round a stream of
 * trivial builds (build-stream.ts: 20 jobs, 8 POSTs in flight), so that both see the same machine.
 *
 *   node --import tsx bench/ha-cost.ts                  # 5 rounds each of 400 builds
 *   BENCH_QUICK=1: 2 rounds each of 150 builds; BENCH_ROUNDS, BENCH_BUILDS override.
 * Goal: the Redis lease's throughput within 5 % of file:'s (medians of the rounds).
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { RedisServer } from '../test/support/redis-server.js';
import { createTrivialJobs, runBuilds } from './build-stream.js';
import { Controller, QUICK, machineLine, scratchDir, summary } from './lib.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 2 : 5));
const BUILDS = Number(process.env.BENCH_BUILDS ?? (QUICK ? 150 : 400));
const JOBS = 20;
const dir = scratchDir('ha-cost');
const redis = await RedisServer.start();
const kinds = [
  { name: 'file:', args: [] as string[] },
  { name: 'redis', args: ['--lock', `redis://127.0.0.1:${redis.port}/0?key=ha-cost`, '--lease-ttl', '10s'] },
];
const controllers: Controller[] = [];
try {
  for (const [i, k] of kinds.entries()) {
    const c = await Controller.start(path.join(dir, `home-${i}`), { logFile: path.join(dir, `controller-${i}.log`), args: k.args });
    controllers.push(c);
    await c.setExecutors(2);
    await createTrivialJobs(c, JOBS);
    // A first stream warms each controller (JIT, the launcher, the page cache) and is not counted.
    await runBuilds(c, { builds: 50, jobs: JOBS, inFlight: 8, timeoutMs: 120_000 });
  }
  const rates: number[][] = kinds.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    for (const [i, c] of controllers.entries()) {
      const { doneMs } = await runBuilds(c, { builds: BUILDS, jobs: JOBS, inFlight: 8, timeoutMs: 8 * 60_000 });
      (rates[i] as number[]).push(BUILDS / (doneMs / 1000));
    }
  }
  console.log(`HA cost: throughput of trivial builds with a Redis lease (TTL 10 s) against file:, ${ROUNDS} alternating rounds of ${BUILDS} builds each, 2 executors`);
  const medians = rates.map((r) => summary(r).p50);
  for (const [i, k] of kinds.entries()) {
    console.log(`  ${k.name.padEnd(6)} ${(rates[i] as number[]).map((x) => x.toFixed(1)).join(', ')} builds/s; median ${(medians[i] as number).toFixed(1)}`);
  }
  const [file, lease] = medians as [number, number];
  const diff = ((file - lease) / file) * 100;
  console.log(`  redis is ${Math.abs(diff).toFixed(1)} % ${diff >= 0 ? 'slower' : 'faster'} than file: at the median (goal: within 5 %) -> ${diff <= 5 ? 'MET' : 'NOT MET'}`);
  console.log(`  ${machineLine()}`);
} finally {
  for (const c of controllers) await c.stop();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
