import path from 'node:path';
import { pino, type Logger } from 'pino';
import { ExtensionRegistry } from '../../src/extensions/index.js';
import { acquireFileLease } from '../../src/ha/index.js';
import { HomeStore, leaseFence } from '../../src/home/index.js';
import { Jobs, registerBuiltInSteps } from '../../src/jobs/index.js';

/**
 * The jobs of a home in `dir`, behind a real file lease and its fence, with the built-in steps and
 * a clock the test moves (`advance`). `logger` receives what Jobs logs; silent by default.
 */
export async function openHome(dir: string, logger: Logger = pino({ level: 'silent' })) {
  const lease = await acquireFileLease({
    path: path.join(dir, '.steward', 'lock'),
    holder: { host: 'h', pid: process.pid, instanceId: 'i', startedAt: new Date().toISOString() },
  });
  const store = new HomeStore({ root: dir, fence: leaseFence(lease, path.join(dir, '.steward', 'epoch')), logger: pino({ level: 'silent' }) });
  await store.writeAtomic('.steward/epoch', `${lease.epoch}\n`);
  const extensions = new ExtensionRegistry();
  registerBuiltInSteps(extensions);
  let now = Date.parse('2026-01-01T00:00:00Z');
  const jobs = new Jobs({ store, extensions, logger, now: () => now });
  return { lease, store, jobs, advance: (ms: number) => (now += ms), [Symbol.asyncDispose]: () => lease.release() };
}
