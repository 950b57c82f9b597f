import type { XmlElementHandle } from '../../xml/index.js';

/** The element a job's `<triggers>` holds for "Build periodically" (core Jenkins). */
export const TIMER_TRIGGER = 'hudson.triggers.TimerTrigger';

/** `hudson.triggers.TimerTrigger` and `hudson.triggers.SCMTrigger`: a cron spec, as written. */
export interface CronTriggerStep {
  /** Jenkins cron text: may hold several lines, `#` comments and `H`; parsing is the caller's. */
  readonly spec: string;
}

export function parseTimerTrigger(el: XmlElementHandle): CronTriggerStep {
  return { spec: el.childText('spec') ?? '' };
}

/**
 * SCMTrigger's element has the same shape; read here until SCM polling, which will share the
 * cron parser of jobs, has a folder of its own.
 */
export function parseScmTrigger(el: XmlElementHandle): CronTriggerStep {
  return { spec: el.childText('spec') ?? '' };
}
