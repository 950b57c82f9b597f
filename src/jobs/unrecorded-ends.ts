import type { Logger } from 'pino';
import { coerceError } from '../errors/index.js';
import { isDiskTrouble, type HomeStore } from '../home/index.js';
import { serializeBuildRecord, type BuildRecord } from './config/index.js';
import type { Job } from './job.js';

/** What of a build's end the home's disk refused. */
interface Unrecorded {
  readonly job: Job;
  readonly number: number;
  /** The final build.xml, when it was refused. */
  record: BuildRecord | undefined;
  /** The last lines of the console log (why it ended, `Finished: RESULT`), when the log was refused. */
  logEnd: string | undefined;
}

/**
 * The ends of builds that the home's disk refused (full, failing): the final build.xml, and the
 * last lines of a console log that could not be written to its end. They are written once the
 * disk takes writes again (`write`), so that such a build neither reads back as ABORTED after a
 * restart nor has a log that stops without saying why, as a log still being written would.
 */
export class UnrecordedEnds {
  readonly #store: HomeStore;
  readonly #log: Logger;
  /** By build folder. */
  readonly #ends = new Map<string, Unrecorded>();
  #writing: Promise<void> | undefined;

  constructor(store: HomeStore, logger: Logger) {
    this.#store = store;
    this.#log = logger;
  }

  /**
   * Keeps what of build `number`'s end the disk refused: `record` when its build.xml was refused,
   * `logEnd` when its log was. Other failures are not kept: writing again would not help.
   */
  keep(job: Job, number: number, refused: { record?: { value: BuildRecord; err: unknown }; logEnd?: { text: string; err: unknown } }): void {
    const record = refused.record !== undefined && isDiskTrouble(refused.record.err) ? refused.record.value : undefined;
    const logEnd = refused.logEnd !== undefined && isDiskTrouble(refused.logEnd.err) ? refused.logEnd.text : undefined;
    if (record === undefined && logEnd === undefined) return;
    this.#ends.set(job.buildDir(number), { job, number, record, logEnd });
  }

  /**
   * Writes what was kept, one build after another, while the disk takes it; what it refuses again
   * waits for the next call. `exists` says whether the build is still there (not deleted, nor its
   * job), since a write would make its folder again.
   */
  write(exists: (job: Job, number: number) => boolean): Promise<void> {
    this.#writing ??= this.#writeAll(exists).finally(() => {
      this.#writing = undefined;
    });
    return this.#writing;
  }

  async #writeAll(exists: (job: Job, number: number) => boolean): Promise<void> {
    for (const [dir, end] of [...this.#ends]) {
      const { job, number } = end;
      if (!exists(job, number)) {
        this.#ends.delete(dir);
        continue;
      }
      try {
        if (end.logEnd !== undefined) {
          await this.#appendToLog(`${dir}/log`, end.logEnd);
          end.logEnd = undefined;
        }
        if (end.record !== undefined) {
          await this.#store.commit([{ path: `${dir}/build.xml`, content: serializeBuildRecord(end.record) }]);
          end.record = undefined;
        }
        this.#ends.delete(dir);
        this.#log.info({ job: job.name, build: number }, `recorded the end of ${job.name} #${number}, which the home's disk had refused`);
      } catch (err) {
        if (isDiskTrouble(err)) return; // refused again: the next time the disk takes writes
        this.#ends.delete(dir);
        this.#log.warn({ job: job.name, build: number, err: coerceError(err).toJSON() }, `could not record the end of ${job.name} #${number}`);
      }
    }
  }

  /** Appends `text` to the log, on a line of its own. */
  async #appendToLog(rel: string, text: string): Promise<void> {
    const size = (await this.#store.size(rel)) ?? 0;
    const last = size === 0 ? undefined : await this.#store.readBytes(rel, size - 1);
    const log = await this.#store.openAppend(rel);
    try {
      await log.write(last === undefined || last.toString('latin1') === '\n' ? text : `\n${text}`);
    } finally {
      await log.close();
    }
  }
}
