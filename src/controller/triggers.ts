import type { Logger } from 'pino';
import { coerceError } from '../errors/index.js';
import type { Cause, Job, Jobs, Trigger } from '../jobs/index.js';

/**
 * Runs the triggers of every job (timers, SCM polling, builds of upstream jobs): started when a job loads or is
 * created, restarted when it is reconfigured, all stopped when the controller stops.
 */
export class TriggerRunner {
  readonly #running = new Map<string, Trigger[]>();
  /** Per job, its triggers' subscriptions to builds' ends, dropped with them. */
  readonly #listening = new Map<string, (() => void)[]>();
  readonly #jobs: Jobs;
  readonly #log: Logger;
  readonly #schedule: (job: string, cause: Cause) => void;
  readonly #poll: (job: string) => void;
  readonly #unsubscribe: () => void;

  constructor(jobs: Jobs, schedule: (job: string, cause: Cause) => void, poll: (job: string) => void, logger: Logger) {
    this.#log = logger;
    this.#schedule = schedule;
    this.#jobs = jobs;
    this.#poll = poll;
    for (const job of jobs.all()) this.#restart(job);
    this.#unsubscribe = jobs.onChange((job) => this.#restart(job));
  }

  #stop(name: string): void {
    for (const t of this.#running.get(name) ?? []) t.stop();
    this.#running.delete(name);
    for (const u of this.#listening.get(name) ?? []) u();
    this.#listening.delete(name);
  }

  #restart(job: Job): void {
    this.#stop(job.name);
    const def = job.definition;
    if (def.kind !== 'freestyle' || def.triggers.length === 0) return;
    const started: Trigger[] = def.triggers.map((t) =>
      t.start({
        jobName: job.name,
        poll: () => this.#poll(job.name),
        schedule: (cause) => {
          // The job was deleted or renamed since: its triggers end here.
          if (this.#jobs.get(job.name) !== job) {
            if (this.#running.get(job.name) === started) this.#stop(job.name);
            return;
          }
          try {
            this.#schedule(job.name, cause);
          } catch (err) {
            this.#log.warn({ job: job.name, err: coerceError(err).toJSON() }, `${t.type} could not queue a build of ${job.name}`);
          }
        },
        onCompleted: (listener) => {
          const u = this.#jobs.onCompleted(listener);
          const list = this.#listening.get(job.name) ?? [];
          list.push(u);
          this.#listening.set(job.name, list);
          return u;
        },
      }),
    );
    this.#running.set(job.name, started);
  }

  close(): void {
    this.#unsubscribe();
    for (const ts of this.#running.values()) for (const t of ts) t.stop();
    this.#running.clear();
    for (const us of this.#listening.values()) for (const u of us) u();
    this.#listening.clear();
  }
}
