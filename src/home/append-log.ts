import type { FileHandle } from 'node:fs/promises';

import { StewardError } from '../errors/index.js';
import type { Fence } from './fence.js';
import { homeIoError } from './io-error.js';

/** An append-only file of the home, such as a build's console log. */
export interface AppendLog {
  /**
   * Appends `chunk`. Writes land in call order even when the caller does not await between
   * calls. A Buffer must not be modified until its write resolves. After one write fails (a fence
   * refusal, an I/O error) every later write, `sync` and `close` fails with the same error, so a
   * log never has a hole in the middle.
   */
  write(chunk: Buffer | string): Promise<void>;
  /** Bytes in the file: what existed when it was opened plus what has been written since. */
  readonly size: number;
  /** Waits for the writes queued so far and makes them durable. */
  sync(): Promise<void>;
  /** Waits for queued writes, fsyncs, closes; idempotent. */
  close(): Promise<void>;
}

/**
 * How long a successful fence check is trusted by an append log. Appends are hot (a build can log
 * thousands of lines a second) and a fence check reads the epoch file, so a log re-checks at most
 * every 250 ms. The price: a deposed controller may go on appending for up to 250 ms after a
 * takeover. Appends only add bytes at the end of a file, so they can never damage what the new
 * active controller wrote; every other kind of write is checked each time.
 */
export const APPEND_FENCE_CACHE_MS = 250;

export class FileAppendLog implements AppendLog {
  readonly #handle: FileHandle;
  readonly #rel: string;
  readonly #fence: Fence;
  #size: number;
  #tail: Promise<void> = Promise.resolve();
  #failure: StewardError | undefined;
  #closing: Promise<void> | undefined;
  #closed = false;
  #fenceCheckedAt = Number.NEGATIVE_INFINITY;

  /** Takes ownership of `handle`, opened for appending; `size` is the file's size at open. */
  constructor(handle: FileHandle, rel: string, fence: Fence, size: number) {
    this.#handle = handle;
    this.#rel = rel;
    this.#fence = fence;
    this.#size = size;
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
        await this.#handle.sync();
      } catch (err) {
        throw homeIoError('sync', this.#rel, err);
      }
    });
  }

  close(): Promise<void> {
    this.#closing ??= this.#enqueue(async () => {
      try {
        await this.#handle.sync();
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
    try {
      const now = performance.now();
      if (now - this.#fenceCheckedAt >= APPEND_FENCE_CACHE_MS) {
        await this.#fence.assertWritable();
        this.#fenceCheckedAt = now;
      }
      // O_APPEND: every write lands at the end; a short write is continued with the rest.
      let offset = 0;
      while (offset < data.length) {
        const { bytesWritten } = await this.#handle.write(data, offset, data.length - offset);
        offset += bytesWritten;
        this.#size += bytesWritten;
      }
    } catch (err) {
      this.#failure = homeIoError('append to', this.#rel, err);
      throw this.#failure;
    }
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }
}
