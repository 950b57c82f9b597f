import type { Logger } from 'pino';
import { coerceError } from '../errors/index.js';
import type { Cause, Job, Jobs, Trigger } from '../jobs/index.js';

/**
 * Runs the triggers of every job (timers now; SCM polling later): started when a job loads or is
 * created, restarted when it is reconfigured, all stopped when the controller stops.
 */
export class TriggerRunner {
  readonly #running = new Map<string, Trigger[]>();
  readonly #log: Logger;
  readonly #schedule: (job: string, cause: Cause) => void;
  readonly #unsubscribe: () => void;

  constructor(jobs: Jobs, schedule: (job: string, cause: Cause) => void, logger: Logger) {
    this.#log = logger;
    this.#schedule = schedule;
    for (const job of jobs.all()) this.#restart(job);
    this.#unsubscribe = jobs.onChange((job) => this.#restart(job));
  }

  #restart(job: Job): void {
    for (const t of this.#running.get(job.name) ?? []) t.stop();
    this.#running.delete(job.name);
    const def = job.definition;
    if (def.kind !== 'freestyle' || def.triggers.length === 0) return;
    const started = def.triggers.map((t) =>
      t.start({
        jobName: job.name,
        schedule: (cause) => {
          try {
            this.#schedule(job.name, cause);
          } catch (err) {
            this.#log.warn({ job: job.name, err: coerceError(err).toJSON() }, `${t.type} could not queue a build of ${job.name}`);
          }
        },
      }),
    );
    this.#running.set(job.name, started);
  }

  close(): void {
    this.#unsubscribe();
    for (const ts of this.#running.values()) for (const t of ts) t.stop();
    this.#running.clear();
  }
}
