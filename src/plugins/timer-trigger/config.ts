import type { XmlElementHandle } from '../../xml/index.js';

/** The element a job's `<triggers>` holds for "Build periodically" (core Jenkins). */
export const TIMER_TRIGGER = 'hudson.triggers.TimerTrigger';

/** `hudson.triggers.TimerTrigger`: a cron spec, as written. */
export interface CronTriggerStep {
  /** Jenkins cron text: may hold several lines, `#` comments and `H`; parsing is the caller's. */
  readonly spec: string;
}

export function parseTimerTrigger(el: XmlElementHandle): CronTriggerStep {
  return { spec: el.childText('spec') ?? '' };
}
