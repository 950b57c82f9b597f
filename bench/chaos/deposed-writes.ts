/**
 * Counts writes from a deposed epoch in a write audit (STEWARD_WRITE_AUDIT, one JSON line per
 * completed home write, src/home/write-audit.ts): a write by epoch e that landed after a
 * controller with an epoch above e had written `.steward/epoch`. All the controllers run on one
 * machine, so their wall clocks agree.
 *
 * When a write landed: the home store makes the system call of an atomic write's rename, an
 * append, a log's creation, a mkdir and a rename synchronously, right after the audit's `start`,
 * so it landed at `start`; a pause (SIGSTOP) that falls inside the call delays only the `end`
 * the audit records. A remove (and the start-up's protect and hand-over) runs asynchronously and
 * may land any time up to `end`, which is taken.
 */
import { readFile } from 'node:fs/promises';
import type { WriteAuditRecord, WriteOperation } from '../../src/home/index.js';

export const EPOCH_FILE = '.steward/epoch';

export interface DeposedWrite extends WriteAuditRecord {
  /** The epoch that had taken over, and when its epoch file write completed. */
  readonly deposedBy: number;
  readonly deposedAt: number;
}

const SYNCHRONOUS: ReadonlySet<WriteOperation> = new Set(['write', 'append', 'open', 'mkdir', 'rename']);

/** When the write became visible, as far as the audit can tell. */
export function landedAt(r: WriteAuditRecord): number {
  return SYNCHRONOUS.has(r.op) ? r.start : r.end;
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
  // When each epoch took over: the end of its first write of the epoch file (its rename was
  // done by then; the end is the later, the safer bound).
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
    if (by !== undefined && landedAt(r) > by[1]) deposed.push({ ...r, deposedBy: by[0], deposedAt: by[1] });
  }
  return deposed;
}

/** The epochs that took over, with when, in order. */
export function takeovers(records: readonly WriteAuditRecord[]): { epoch: number; at: number; pid: number }[] {
  return records.filter((r) => r.op === 'write' && r.path === EPOCH_FILE).map((r) => ({ epoch: r.epoch, at: r.end, pid: r.pid }));
}
