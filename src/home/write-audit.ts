import { closeSync, openSync, writeSync } from 'node:fs';

import { StewardError } from '../errors/index.js';

/** What a completed write of the home did. */
export type WriteOperation = 'write' | 'append' | 'open' | 'mkdir' | 'remove' | 'rename' | 'protect' | 'hand-over';

/**
 * One line of the write audit: JSON with the writer's epoch and pid, the home-relative path, the
 * operation, and the wall-clock times (ms since the Unix epoch, with microseconds) just before the
 * operation's last system call and just after it completed.
 */
export interface WriteAuditRecord {
  readonly epoch: number;
  readonly pid: number;
  readonly op: WriteOperation;
  readonly path: string;
  readonly start: number;
  readonly end: number;
}

/**
 * Records every completed write of the home, with the writer's epoch, in a file outside the home,
 * so that a test can prove that no write landed after a controller with a higher epoch took over
 * (`steward start` with STEWARD_WRITE_AUDIT=FILE). Each record is one `write(2)` to a descriptor
 * opened with O_APPEND, made synchronously: several controllers can share the file without
 * interleaving lines, and a record made before a `kill -9` is in the file.
 */
export interface WriteAudit {
  record(op: WriteOperation, path: string, start: number): void;
  close(): void;
}

/** The wall clock with sub-millisecond resolution, as the write audit records it. */
export function auditClock(): number {
  return performance.timeOrigin + performance.now();
}

/** Opens (creating) the audit file `file`, outside the home; `epoch` gives the writer's epoch now. */
export function openWriteAudit(file: string, epoch: () => number): WriteAudit {
  let fd: number;
  try {
    fd = openSync(file, 'a', 0o600);
  } catch (err) {
    throw new StewardError('STW_CONFIG_INVALID', `could not open the write audit file ${file} (STEWARD_WRITE_AUDIT)`, { cause: err });
  }
  let closed = false;
  return {
    record(op, path, start) {
      const end = auditClock();
      if (closed) return;
      writeSync(fd, `${JSON.stringify({ epoch: epoch(), pid: process.pid, op, path, start, end } satisfies WriteAuditRecord)}\n`);
    },
    close() {
      if (closed) return;
      closed = true;
      closeSync(fd);
    },
  };
}
