/**
 * Holds a file lease in a process of its own, for tests that need a real second holder.
 *
 *   node --import tsx test/support/hold-file-lease.ts LOCK_PATH
 *
 * Prints `{"epoch":N,"pid":P}` on one line once the lease is held, then holds it until its stdin
 * closes, releases it and exits 0. Exits 1 (after printing the error code) if it cannot acquire.
 */
import { hostname } from 'node:os';

import { acquireFileLease } from '../../src/ha/index.js';

const path = process.argv[2];
if (path === undefined) {
  process.stderr.write('usage: hold-file-lease.ts LOCK_PATH\n');
  process.exit(2);
}

try {
  const lease = await acquireFileLease({
    path,
    holder: {
      host: hostname(),
      pid: process.pid,
      instanceId: `holder-${process.pid}`,
      startedAt: new Date().toISOString(),
    },
  });
  process.stdout.write(`${JSON.stringify({ epoch: lease.epoch, pid: process.pid })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => {
    void lease.release().then(() => process.exit(0));
  });
} catch (err) {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : 'unknown';
  process.stdout.write(`${JSON.stringify({ error: code })}\n`);
  process.exit(1);
}
