import { StewardError } from '../errors/index.js';

/** Items a job may have in the queue at once, unless configured (`--max-queued-per-job`). */
export const DEFAULT_MAX_QUEUED_PER_JOB = 1_000;
/** Items the whole queue may hold at once, unless configured (`--max-queued`). */
export const DEFAULT_MAX_QUEUED = 10_000;
/** What a refused client is told to wait: the queue drains only as builds run. */
export const QUEUE_FULL_RETRY_AFTER_SECONDS = 30;

/** How many items the queue holds at most, per job and in total. */
export interface QueueLimits {
  readonly perJob: number;
  readonly total: number;
}

/** A build request refused because the queue, or the job's share of it, is full (STW_QUEUE_FULL). */
export class QueueFullError extends StewardError {
  readonly retryAfterSeconds = QUEUE_FULL_RETRY_AFTER_SECONDS;

  constructor(message: string) {
    super('STW_QUEUE_FULL', `${message}; try again in ${QUEUE_FULL_RETRY_AFTER_SECONDS} s`);
  }
}
