import { StewardError, coerceError } from '../errors/index.js';
import type { AppendLog } from './append-log.js';
import { isDiskTrouble } from './io-error.js';

/** How a rotating log is bounded. */
export interface RotationOptions {
  /** A file is rotated before a write would take it past this many bytes. */
  readonly maxBytes: number;
  /** Files kept in all, the current one included: `log`, `log.1` ... `log.(files-1)`. At least 1. */
  readonly files: number;
}

/** What a rotating log needs of the home store; every call is fenced there. */
export interface RotationStore {
  openAppend(rel: string, opts: { wholeRecords: true }): Promise<AppendLog>;
  exists(rel: string): Promise<boolean>;
  rename(fromRel: string, toRel: string): Promise<void>;
  remove(rel: string): Promise<void>;
}

/**
 * An append log bounded on disk: before a write that would take `rel` past `maxBytes`, `rel` is
 * closed and renamed to `rel.1` (`rel.1` to `rel.2`..., replacing the oldest kept), and a new
 * `rel` is started. A line is never split between files. The files together hold at most about
 * `files × maxBytes`. Each rename is an atomic, fenced rename of the home store; a rotation that a
 * crash interrupts leaves every file whole, and the next one goes on shifting. Each write is a
 * whole record: one the disk refuses (full, failing) is lost, not torn, and the log goes on once
 * the disk takes writes again, a rotation the disk stopped included.
 */
export class RotatingAppendLog implements AppendLog {
  readonly #store: RotationStore;
  readonly #rel: string;
  readonly #opts: RotationOptions;
  /** Undefined after a rotation the disk stopped: the next write opens `rel` again. */
  #current: AppendLog | undefined;
  #tail: Promise<void> = Promise.resolve();
  #failure: StewardError | undefined;
  #closing: Promise<void> | undefined;

  private constructor(store: RotationStore, rel: string, opts: RotationOptions, current: AppendLog) {
    this.#store = store;
    this.#rel = rel;
    this.#opts = opts;
    this.#current = current;
  }

  static async open(store: RotationStore, rel: string, opts: RotationOptions): Promise<RotatingAppendLog> {
    if (!Number.isSafeInteger(opts.maxBytes) || opts.maxBytes < 1 || !Number.isSafeInteger(opts.files) || opts.files < 1) {
      throw new StewardError('STW_INTERNAL', `a rotating log needs maxBytes and files of at least 1, not ${opts.maxBytes} and ${opts.files}`);
    }
    return new RotatingAppendLog(store, rel, opts, await store.openAppend(rel, { wholeRecords: true }));
  }

  /** Bytes in the current file. */
  get size(): number {
    return this.#current?.size ?? 0;
  }

  write(chunk: Buffer | string): Promise<void> {
    if (this.#closing !== undefined) {
      return Promise.reject(new StewardError('STW_HOME_IO', `could not append to ${this.#rel}: the log is closed`, { file: this.#rel }));
    }
    const data = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    return this.#enqueue(async () => {
      this.#throwIfFailed();
      let current = (this.#current ??= await this.#store.openAppend(this.#rel, { wholeRecords: true }));
      if (current.size > 0 && current.size + data.length > this.#opts.maxBytes) current = await this.#rotate(current);
      await current.write(data);
    });
  }

  sync(): Promise<void> {
    return this.#enqueue(async () => {
      this.#throwIfFailed();
      await this.#current?.sync();
    });
  }

  close(): Promise<void> {
    this.#closing ??= this.#enqueue(async () => {
      await this.#current?.close();
      this.#throwIfFailed();
    });
    return this.#closing;
  }

  async #rotate(current: AppendLog): Promise<AppendLog> {
    try {
      this.#current = undefined;
      await current.close();
      const name = (n: number): string => (n === 0 ? this.#rel : `${this.#rel}.${n}`);
      if (this.#opts.files === 1) {
        await this.#store.remove(this.#rel);
      } else {
        // Oldest first, so each rename lands on a name already moved away (or the one dropped).
        for (let n = this.#opts.files - 2; n >= 0; n--) {
          if (await this.#store.exists(name(n))) await this.#store.rename(name(n), name(n + 1));
        }
      }
      this.#current = await this.#store.openAppend(this.#rel, { wholeRecords: true });
      return this.#current;
    } catch (err) {
      // A disk that refused the rotation may take it later: the next write tries again. Anything
      // else is final, and every later write fails the same way, as an append log's do.
      if (isDiskTrouble(err)) throw err;
      this.#failure = coerceError(err);
      throw this.#failure;
    }
  }

  /** Chains `task` after everything queued before it; the chain survives failed tasks. */
  #enqueue(task: () => Promise<void>): Promise<void> {
    const result = this.#tail.then(task);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }
}
