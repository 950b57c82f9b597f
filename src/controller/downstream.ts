import { coerceError, isStewardError } from '../errors/index.js';
import type { Cause, DownstreamBuild, DownstreamHost, DownstreamRequest, Jobs } from '../jobs/index.js';
import type { Queue, QueueItem } from '../queue/index.js';

/** How often a step waiting for a downstream build looks whether its queue item left without one. */
const CANCEL_CHECK_MS = 1000;

/**
 * Starts builds on behalf of other builds (Jenkins' BuildTrigger and the parameterized trigger),
 * and lets a step wait for the build a queue item became.
 *
 * Whose authority: builds run as SYSTEM here, as in Jenkins when no QueueItemAuthenticator is
 * configured ("Access Control for Builds"); Jenkins then checks Item.READ and Item.BUILD of the
 * downstream job as SYSTEM, which may do everything, so every job that exists is triggered.
 */
export class Downstream implements DownstreamHost {
  readonly #jobs: Jobs;
  readonly #queue: () => Queue;
  readonly #schedule: (job: string, given: Record<string, string>, cause: Cause) => { item: QueueItem; merged: boolean };

  constructor(opts: {
    jobs: Jobs;
    queue: () => Queue;
    schedule: (job: string, given: Record<string, string>, cause: Cause) => { item: QueueItem; merged: boolean };
  }) {
    this.#jobs = opts.jobs;
    this.#queue = opts.queue;
    this.#schedule = opts.schedule;
  }

  schedule(job: string, parameters: Readonly<Record<string, string>>, cause: Cause): DownstreamRequest {
    const target = this.#jobs.get(job);
    if (target === undefined) return { outcome: 'not-found' };
    // Jenkins (SECURITY-170) passes only the parameters the downstream job defines.
    const defined = new Set(target.definition.kind === 'freestyle' ? target.definition.parsed.config.parameters.map((d) => d.name) : []);
    const given: Record<string, string> = {};
    const ignored: string[] = [];
    for (const [name, value] of Object.entries(parameters)) {
      if (defined.has(name)) given[name] = value;
      else ignored.push(name);
    }
    try {
      const { item, merged } = this.#schedule(job, given, cause);
      return { outcome: merged ? 'merged' : 'scheduled', queueId: item.id, ignored };
    } catch (err) {
      if (isStewardError(err, 'STW_JOB_DISABLED')) return { outcome: 'disabled' };
      if (isStewardError(err, 'STW_JOB_NOT_FOUND')) return { outcome: 'not-found' };
      return { outcome: 'refused', reason: coerceError(err).message };
    }
  }

  awaitBuild(job: string, queueId: number, signal: AbortSignal): Promise<DownstreamBuild> {
    return new Promise<DownstreamBuild>((resolve, reject) => {
      let settled = false;
      const done = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearInterval(timer);
        unsubscribe();
        signal.removeEventListener('abort', onAbort);
        fn();
      };
      const onAbort = (): void => done(() => reject(signal.reason instanceof Error ? signal.reason : new Error('the build was stopped')));
      /** The item's build, once it has one; ends the wait when it ended or the item left without one. */
      const look = (): void => {
        const item = this.#queue().get(queueId);
        if (item === undefined) return done(() => resolve({ cancelled: true, reason: `queue item #${queueId} is no longer known` }));
        if (item.state !== 'left') return;
        if (item.executable === undefined) {
          return done(() => resolve({ cancelled: true, reason: item.reason ?? `queue item #${queueId} was cancelled` }));
        }
        const number = item.executable.number;
        const j = this.#jobs.get(job);
        const running = j?.running.get(number);
        if (running !== undefined) {
          clearInterval(timer);
          void running.done.then((result) => done(() => resolve({ cancelled: false, number, result })));
          return;
        }
        if (j === undefined) return done(() => resolve({ cancelled: true, reason: `job ${job} no longer exists` }));
        void this.#jobs.record(j, number).then(
          (r) => done(() => resolve(r?.result === undefined ? { cancelled: true, reason: `${job} #${number} has no result` } : { cancelled: false, number, result: r.result })),
          (err: unknown) => done(() => reject(coerceError(err))),
        );
      };
      const unsubscribe = this.#jobs.onCompleted((b) => {
        if (b.job === job) look();
      });
      const timer = setInterval(look, CANCEL_CHECK_MS);
      timer.unref();
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      look();
    });
  }
}
