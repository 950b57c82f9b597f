/**
 * Counts writes from a deposed epoch in a write audit (STEWARD_WRITE_AUDIT, one JSON line per
 * completed home write, src/home/write-audit.ts): a write by epoch e that completed after a
 * controller with an epoch above e had written `.steward/epoch`. All the controllers run on one
 * machine, so their wall clocks agree.
 */
import { readFile } from 'node:fs/promises';
import type { WriteAuditRecord } from '../../src/home/index.js';

export const EPOCH_FILE = '.steward/epoch';

export interface DeposedWrite extends WriteAuditRecord {
  /** The epoch that had taken over, and when its epoch file write completed. */
  readonly deposedBy: number;
  readonly deposedAt: number;
}

export async function readAudit(file: string): Promise<WriteAuditRecord[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as WriteAuditRecord);
}

/** Every write that completed after a higher epoch took over, in the order of the audit. */
export function deposedWrites(records: readonly WriteAuditRecord[]): DeposedWrite[] {
  // When each epoch took over: the end of its first write of the epoch file.
  const takeovers = new Map<number, number>();
  for (const r of records) {
    if (r.op === 'write' && r.path === EPOCH_FILE && !takeovers.has(r.epoch)) takeovers.set(r.epoch, r.end);
  }
  const sorted = [...takeovers].sort((a, b) => a[0] - b[0]);
  const deposed: DeposedWrite[] = [];
  for (const r of records) {
    // The earliest takeover by any higher epoch.
    let by: [number, number] | undefined;
    for (const t of sorted) if (t[0] > r.epoch && (by === undefined || t[1] < by[1])) by = t;
    if (by !== undefined && r.end > by[1]) deposed.push({ ...r, deposedBy: by[0], deposedAt: by[1] });
  }
  return deposed;
}

/** The epochs that took over, with when, in order. */
export function takeovers(records: readonly WriteAuditRecord[]): { epoch: number; at: number; pid: number }[] {
  return records.filter((r) => r.op === 'write' && r.path === EPOCH_FILE).map((r) => ({ epoch: r.epoch, at: r.end, pid: r.pid }));
}
