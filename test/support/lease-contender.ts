/**
 * A real process contending for a lease, for the lease tests:
 *   node --import tsx test/support/lease-contender.ts --url URL --ttl MS --log FILE --id NAME
 *        [--hold MS] [--rounds N] [--tick MS]
 * It acquires (waiting), appends "EPOCH start ID" to the shared log, then "EPOCH tick ID" every
 * --tick ms while it holds the lease, and "EPOCH end ID" before releasing; it checks `held`
 * before every line, so a holder that lost its lease writes nothing more under its epoch. Events
 * go to stdout as JSON lines: {"event":"acquired"|"lost"|"released","epoch":N,"at":ms}.
 */
import { appendFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { openLease } from '../../src/ha/index.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    ttl: { type: 'string', default: '2000' },
    log: { type: 'string' },
    id: { type: 'string', default: String(process.pid) },
    hold: { type: 'string', default: '300' },
    rounds: { type: 'string', default: '1000000' },
    tick: { type: 'string', default: '50' },
  },
});
if (values.url === undefined || values.log === undefined) throw new Error('--url and --log are required');
const logFile = values.log;
const id = values.id;
const emit = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ ...event, at: Date.now() })}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let stopping = false;
const stop = new AbortController();
process.on('SIGTERM', () => {
  stopping = true;
  stop.abort();
});

for (let round = 0; round < Number(values.rounds) && !stopping; round++) {
  const lease = await openLease(values.url, {
    holder: { host: os.hostname(), pid: process.pid, instanceId: id, startedAt: new Date().toISOString() },
    ttlMs: Number(values.ttl),
    wait: true,
    signal: stop.signal,
  }).catch((err: unknown) => {
    if (stop.signal.aborted) return undefined;
    throw err;
  });
  if (lease === undefined) break;
  emit({ event: 'acquired', epoch: lease.epoch });
  let lost = false;
  lease.onLost((reason) => {
    lost = true;
    emit({ event: 'lost', epoch: lease.epoch, reason });
  });
  const write = (what: string): boolean => {
    if (!lease.held) return false;
    appendFileSync(logFile, `${lease.epoch} ${what} ${id}\n`);
    return true;
  };
  write('start');
  const until = Date.now() + Number(values.hold);
  while (Date.now() < until && !lost && !stopping) {
    await sleep(Number(values.tick));
    if (!write('tick')) break;
  }
  write('end');
  if (!lease.held && !lost) emit({ event: 'lost', epoch: lease.epoch, reason: 'not held' });
  await lease.release();
  emit({ event: 'released', epoch: lease.epoch });
  await sleep(Math.random() * 50);
}
