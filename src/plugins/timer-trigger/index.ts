/**
 * "Build periodically" (core Jenkins' `hudson.triggers.TimerTrigger`): a trigger that queues a
 * build on Jenkins' cron syntax with `H`, parsed by the cron parser of jobs.
 */
import { TRIGGER } from '../../jobs/index.js';
import type { BuiltInPlugin } from '../../extensions/index.js';
import { timerTrigger } from './trigger.js';

export { TIMER_TRIGGER, parseTimerTrigger, type CronTriggerStep } from './config.js';

export const plugin: BuiltInPlugin = {
  name: 'timer-trigger',
  register(registry) {
    registry.register(TRIGGER, timerTrigger);
  },
};
