/**
 * "Poll SCM" (core Jenkins' `hudson.triggers.SCMTrigger`): a trigger that polls the job's SCM on
 * Jenkins' cron syntax with `H`, parsed by the cron parser of jobs, and lets push notifications
 * poll it unless it ignores post-commit hooks.
 */
import { TRIGGER } from '../../jobs/index.js';
import type { BuiltInPlugin } from '../../extensions/index.js';
import { scmTrigger } from './trigger.js';

export { SCM_TRIGGER, parseScmTrigger, type ScmTriggerStep } from './config.js';

export const plugin: BuiltInPlugin = {
  name: 'scm-trigger',
  register(registry) {
    registry.register(TRIGGER, scmTrigger);
  },
};
