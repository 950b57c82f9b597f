import { writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

import { StewardError } from '../errors/index.js';
import { fsyncCount } from './durable.js';
import type { Fence } from './fence.js';
import { homeIoError, isDiskTrouble } from './io-error.js';
import { auditClock, type WriteAudit } from './write-audit.js';

/** An append-only file of the home, such as a build's console log. */
export interface AppendLog {
  /**
   * Appends `chunk`. Writes land in call order even when the caller does not await between
   * calls. A Buffer must not be modified until its write resolves. A write that fails part way
   * (the disk filled up) is cut off the file again, so the file never ends in a torn chunk. After
   * one write fails (a fence refusal, an I/O error) every later write, `sync` and `close` fails
   * with the same error, so a log never has a hole in the middle; except in a log of whole
   * records (`wholeRecords`), where each write stands alone and the next one tries again.
   */
  write(chunk: Buffer | string): Promise<void>;
  /** Bytes in the file: what existed when it was opened plus what has been written since. */
  readonly size: number;
  /** Waits for the writes queued so far and makes them durable. */
  sync(): Promise<void>;
  /**
   * Waits for queued writes, fsyncs (unless `sync` is false), closes; idempotent. Without the
   * fsync the bytes are in the file for every reader, and reach the disk with the next
   * checkpoint of the home's journal (a syncfs) or when the kernel writes them back.
   */
  close(opts?: { sync?: boolean }): Promise<void>;
}

/**
 * How long an append log trusts the epoch file it read. Appends are hot (a build can log
 * thousands of lines a second) and a full fence check reads the epoch file, so a log reads it at
 * most every 250 ms. Whether the lease is still held is checked on every append, without I/O: a
 * controller that lost its lease (partitioned from the lock service, or paused past its TTL)
 * stops appending at that instant, before any other controller can take over, so the cache only
 * matters for a takeover this controller has not noticed, which the lease's safety margin rules
 * out. (Without that check, a controller stopping after a lost lease appended "Aborted" to the
 * log of an agent build that its successor then adopted.)
 */
export const APPEND_FENCE_CACHE_MS = 250;

/** What an append log tells its store about the disk: a write it refused, a write that went through. */
export interface DiskReport {
  troubled(err: StewardError): void;
  wrote(): void;
}

export interface FileAppendLogOptions {
  /**
   * Each write is one record (a JSON line of the audit log) that means something on its own: a
   * failed write is reported to its caller and cut off the file, and later writes go on, so that
   * the log works again once the disk has room. Otherwise (a build's console log, whose bytes only
   * make sense in sequence) the first failure is final.
   */
  wholeRecords?: boolean;
  report?: DiskReport;
  /** Told of every completed append (STEWARD_WRITE_AUDIT). */
  audit?: WriteAudit | undefined;
}

export class FileAppendLog implements AppendLog {
  readonly #handle: FileHandle;
  readonly #rel: string;
  readonly #fence: Fence;
  readonly #wholeRecords: boolean;
  readonly #report: DiskReport | undefined;
  #size: number;
  #tail: Promise<void> = Promise.resolve();
  #failure: StewardError | undefined;
  #closing: Promise<void> | undefined;
  #closed = false;
  #fenceCheckedAt = Number.NEGATIVE_INFINITY;
  readonly #audit: WriteAudit | undefined;

  /** Takes ownership of `handle`, opened for appending; `size` is the file's size at open. */
  constructor(handle: FileHandle, rel: string, fence: Fence, size: number, opts: FileAppendLogOptions = {}) {
    this.#handle = handle;
    this.#rel = rel;
    this.#fence = fence;
    this.#size = size;
    this.#wholeRecords = opts.wholeRecords === true;
    this.#report = opts.report;
    this.#audit = opts.audit;
  }

  get size(): number {
    return this.#size;
  }

  write(chunk: Buffer | string): Promise<void> {
    if (this.#closing !== undefined) {
      return Promise.reject(
        new StewardError('STW_HOME_IO', `could not append to ${this.#rel}: the log is closed`, { file: this.#rel }),
      );
    }
    const data = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    return this.#enqueue(() => this.#append(data));
  }

  sync(): Promise<void> {
    return this.#enqueue(async () => {
      this.#throwIfFailed();
      if (this.#closed) return; // close() has synced
      try {
        fsyncCount.value++;
        await this.#handle.sync();
      } catch (err) {
        throw homeIoError('sync', this.#rel, err);
      }
    });
  }

  close(opts: { sync?: boolean } = {}): Promise<void> {
    this.#closing ??= this.#enqueue(async () => {
      try {
        if (opts.sync !== false) {
          fsyncCount.value++;
          await this.#handle.sync();
        }
      } catch (err) {
        this.#failure ??= homeIoError('sync', this.#rel, err);
      } finally {
        this.#closed = true;
        await this.#handle.close();
      }
      this.#throwIfFailed();
    });
    return this.#closing;
  }

  /** Chains `task` after everything queued before it; the chain survives failed tasks. */
  #enqueue(task: () => Promise<void>): Promise<void> {
    const result = this.#tail.then(task);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  async #append(data: Buffer): Promise<void> {
    this.#throwIfFailed();
    const before = this.#size;
    try {
      const now = performance.now();
      if (now - this.#fenceCheckedAt >= APPEND_FENCE_CACHE_MS) {
        await this.#fence.assertWritable();
        this.#fenceCheckedAt = now;
      }
      // O_APPEND: every write lands at the end; a short write is continued with the rest. The
      // lease is checked right before each write(2), made synchronously for the reason an atomic
      // write renames synchronously (atomic-write.ts): a write waiting in the thread pool could
      // land after a pause that cost this controller its lease.
      let offset = 0;
      while (offset < data.length) {
        this.#fence.assertHeld();
        const startedAt = this.#audit === undefined ? 0 : auditClock();
        const bytesWritten = writeSync(this.#handle.fd, data, offset, data.length - offset);
        offset += bytesWritten;
        this.#size += bytesWritten;
        this.#audit?.record('append', this.#rel, startedAt);
      }
    } catch (err) {
      const error = homeIoError('append to', this.#rel, err);
      // A refused lease leaves what was written: the file may already be another controller's.
      if (this.#size > before && !isFenceRefusal(error)) await this.#cutBack(before);
      if (isDiskTrouble(error)) this.#report?.troubled(error);
      if (!this.#wholeRecords) this.#failure = error;
      throw error;
    }
    this.#report?.wrote();
  }

  /**
   * Takes the part of a failed write off the end of the file. Shrinking a file needs no free
   * space, so this works on a full disk; should it fail too (a dying disk), the size kept is the
   * file's, and a reader sees the torn chunk as the last bytes of the log.
   */
  async #cutBack(size: number): Promise<void> {
    try {
      await this.#handle.truncate(size);
      this.#size = size;
    } catch {
      // Left as it is: #size still counts the bytes that are in the file.
    }
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }
}

function isFenceRefusal(err: StewardError): boolean {
  return err.code === 'STW_LEASE_LOST' || err.code === 'STW_HOME_FENCED';
}
