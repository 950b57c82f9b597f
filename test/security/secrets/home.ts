import path from 'node:path';
import { pino } from 'pino';
import { acquireFileLease } from '../../../src/ha/index.js';
import { HomeStore, leaseFence } from '../../../src/home/index.js';

/** A real home store on `dir`, behind a file lease and its fence, as the controller builds it. */
export async function openHome(dir: string): Promise<{ store: HomeStore; [Symbol.asyncDispose](): Promise<void> }> {
  const lease = await acquireFileLease({
    path: path.join(dir, '.steward', 'lock'),
    holder: { host: 'h', pid: process.pid, instanceId: 'i', startedAt: new Date().toISOString() },
  });
  const store = new HomeStore({ root: dir, fence: leaseFence(lease, path.join(dir, '.steward', 'epoch')), logger: pino({ level: 'silent' }) });
  await store.writeAtomic('.steward/epoch', `${lease.epoch}\n`);
  return { store, [Symbol.asyncDispose]: () => lease.release() };
}
