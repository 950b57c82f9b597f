import path from 'node:path';
import { pino, type Logger } from 'pino';
import { acquireFileLease } from '../../src/ha/index.js';
import { HomeStore, leaseFence } from '../../src/home/index.js';
import { AgentNodes } from '../../src/nodes/index.js';
import { AgentSecretKey } from '../../src/security/secrets/index.js';

/** What a logger was told: one parsed pino line each. */
export type LogLines = Record<string, unknown>[];

/**
 * The agent nodes of a home in `dir`, loaded as the controller loads them: a real home store
 * behind a file lease and its fence, and the home's agent secret key. `lines` gets what they log.
 */
export async function openNodes(dir: string, lines: LogLines = []) {
  const lease = await acquireFileLease({
    path: path.join(dir, '.steward', 'lock'),
    holder: { host: 'h', pid: process.pid, instanceId: 'i', startedAt: new Date().toISOString() },
  });
  const store = new HomeStore({ root: dir, fence: leaseFence(lease, path.join(dir, '.steward', 'epoch')), logger: pino({ level: 'silent' }) });
  await store.writeAtomic('.steward/epoch', `${lease.epoch}\n`);
  const logger: Logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  const key = await AgentSecretKey.load(store);
  const nodes = await AgentNodes.load({ store, logger, secrets: key });
  return { store, nodes, key, lines, [Symbol.asyncDispose]: () => lease.release() };
}
