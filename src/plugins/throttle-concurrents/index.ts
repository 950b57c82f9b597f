/**
 * The throttle-concurrents plugin ("Throttle Concurrent Builds"): the job property
 * `hudson.plugins.throttleconcurrents.ThrottleJobProperty` limits how many builds of a job, or of
 * the jobs of a category, run at once in all and per node, as a queue task dispatcher.
 */
import { QUEUE_TASK_DISPATCHER } from '../../jobs/index.js';
import type { BuiltInPlugin } from '../../extensions/index.js';
import { throttleDispatcher } from './dispatcher.js';

export {
  THROTTLE_GLOBAL_FILE,
  THROTTLE_JOB_PROPERTY,
  parseThrottleCategories,
  parseThrottleProperty,
  type ThrottleCategory,
  type ThrottleSettings,
} from './config.js';

export const plugin: BuiltInPlugin = {
  name: 'throttle-concurrents',
  register(registry) {
    registry.register(QUEUE_TASK_DISPATCHER, throttleDispatcher);
  },
};
