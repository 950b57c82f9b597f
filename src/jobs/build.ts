import type { AppendLog } from '../home/index.js';
import type { BuildRecord } from './config/index.js';
import type { StepProcess } from '../nodes/index.js';
import type { Result } from './result.js';

/**
 * A build in progress (Jenkins' Run while building). Completed builds are only records on disk,
 * read when asked for.
 */
export class Build {
  readonly job: string;
  readonly number: number;
  readonly record: BuildRecord;
  readonly log: AppendLog;
  /** Marks this build's processes so that a tree kill finds them. */
  readonly cookie: string;
  readonly abortController = new AbortController();
  /** The step process running now. */
  current: StepProcess | undefined;
  /** Set once by stop() or a timeout: the result the build ends with and why. */
  interruption: { result: Result; reason: string; by: string | undefined } | undefined;
  /** Resolves when the build is complete and its record written. */
  readonly done: Promise<Result>;
  /**
   * Resolves once the build's number and first record are durable (Jobs.allocate); no step of the
   * build may start before. Rejects when they could not be made durable: the build is then
   * abandoned. Resolved from the start for a build taken back from an earlier controller.
   */
  readonly setUp: Promise<void>;
  #resolveDone!: (r: Result) => void;

  constructor(opts: { job: string; number: number; record: BuildRecord; log: AppendLog; cookie: string; setUp?: Promise<void> }) {
    this.job = opts.job;
    this.setUp = opts.setUp ?? Promise.resolve();
    this.number = opts.number;
    this.record = opts.record;
    this.log = opts.log;
    this.cookie = opts.cookie;
    this.done = new Promise((resolve) => {
      this.#resolveDone = resolve;
    });
  }

  get building(): boolean {
    return this.record.result === undefined;
  }

  /** Asks the build to end as `result`; the first interruption wins. */
  interrupt(result: Result, reason: string, by?: string): void {
    if (this.interruption !== undefined || !this.building) return;
    this.interruption = { result, reason, by };
    this.abortController.abort(new Error(reason));
  }

  finished(result: Result): void {
    this.#resolveDone(result);
  }
}
