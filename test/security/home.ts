import path from 'node:path';

import { pino } from 'pino';

import { acquireFileLease } from '../../src/ha/index.js';
import { HomeStore, leaseFence } from '../../src/home/index.js';
import type { AuditEvent, AuditSink } from '../../src/security/index.js';
import { tempDir } from '../support/steward-process.js';

/** A temporary home with a real HomeStore behind a file lease and its fence. */
export async function openHome(): Promise<{ dir: string; store: HomeStore; [Symbol.asyncDispose](): Promise<void> }> {
  const tmp = await tempDir('steward-security-');
  const lease = await acquireFileLease({
    path: path.join(tmp.dir, '.steward', 'lock'),
    holder: { host: 'h', pid: process.pid, instanceId: 'i', startedAt: new Date().toISOString() },
  });
  const store = new HomeStore({ root: tmp.dir, fence: leaseFence(lease, path.join(tmp.dir, '.steward', 'epoch')), logger: pino({ level: 'silent' }) });
  await store.writeAtomic('.steward/epoch', `${lease.epoch}\n`);
  return {
    dir: tmp.dir,
    store,
    [Symbol.asyncDispose]: async () => {
      await lease.release();
      await tmp[Symbol.asyncDispose]();
    },
  };
}

/** An audit sink that keeps events in memory. */
export class MemoryAudit implements AuditSink {
  readonly events: AuditEvent[] = [];
  record(event: AuditEvent): Promise<void> {
    this.events.push(event);
    return Promise.resolve();
  }
}
