import type { AppendLog } from '../home/index.js';
import type { LogMasker } from './build-secrets.js';

/**
 * A build's console log as the build writes it: every chunk passes through one masker, so a
 * secret is replaced by `****` even when a step writes it in two pieces. Secrets can be added while
 * the build runs (a wrapper binds credentials); the masker is then replaced by one that knows them
 * all, after what the old one held back is written.
 *
 * Writes are not awaited, as before masking: an AppendLog keeps them in call order and a failed
 * write fails the log for good; `onFailure` hears the first failure, so that the build can end
 * rather than run on with nowhere to write.
 */
export class MaskedLog {
  readonly #log: AppendLog;
  readonly #makeMasker: ((secrets: readonly string[]) => LogMasker) | undefined;
  readonly #secrets = new Set<string>();
  readonly #onFailure: ((err: unknown) => void) | undefined;
  #masker: LogMasker | undefined;
  #ended = false;
  #failed = false;

  /** Without `makeMasker` (no security part wired in) the log is written as it comes. */
  constructor(log: AppendLog, makeMasker: ((secrets: readonly string[]) => LogMasker) | undefined, onFailure?: (err: unknown) => void) {
    this.#log = log;
    this.#makeMasker = makeMasker;
    this.#onFailure = onFailure;
  }

  write(chunk: Buffer | string): void {
    if (this.#ended) return;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    void this.#append(this.#masker === undefined ? bytes : this.#masker.write(bytes));
  }

  /** The values masked now: a step's node masks its output with them. */
  get secrets(): string[] {
    return [...this.#secrets];
  }

  /** Writes what the masker holds back, so that bytes masked elsewhere can follow in order. */
  flush(): void {
    if (this.#masker === undefined || this.#ended) return;
    void this.#append(this.#masker.end());
    this.#masker = this.#makeMasker?.([...this.#secrets]);
  }

  /**
   * Writes bytes already masked (a step's output, masked where it ran) as they are; resolves once
   * they are in the log (never rejects: a failed log shows when the build completes).
   */
  writeMasked(chunk: Buffer): Promise<void> {
    return this.#ended ? Promise.resolve() : this.#append(chunk);
  }

  /** Masks `secrets` from now on (empty ones are ignored). */
  mask(secrets: Iterable<string>): void {
    if (this.#makeMasker === undefined || this.#ended) return;
    const before = this.#secrets.size;
    for (const s of secrets) if (s !== '') this.#secrets.add(s);
    if (this.#secrets.size === before) return;
    if (this.#masker !== undefined) void this.#append(this.#masker.end());
    this.#masker = this.#makeMasker([...this.#secrets]);
  }

  /** Writes what the masker holds back; later writes are dropped. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#masker !== undefined) void this.#append(this.#masker.end());
    this.#masker = undefined;
  }

  /** Resolves once written; stays pending when the write failed, so that nothing counts it as written. */
  #append(bytes: Buffer): Promise<void> {
    if (bytes.length === 0) return Promise.resolve();
    return this.#log.write(bytes).catch((err: unknown) => {
      if (!this.#failed) {
        this.#failed = true;
        this.#onFailure?.(err);
      }
      return new Promise<void>(() => undefined);
    });
  }
}
