/**
 * Upstream and downstream builds of core Jenkins: the publisher "Build other projects"
 * (`hudson.tasks.BuildTrigger`) and the trigger "Build after other projects are built"
 * (`jenkins.triggers.ReverseBuildTrigger`). Both queue the downstream job with an UpstreamCause.
 */
import { PUBLISHER, TRIGGER } from '../../jobs/index.js';
import type { BuiltInPlugin } from '../../extensions/index.js';
import { buildTrigger } from './publisher.js';
import { reverseBuildTrigger } from './reverse-trigger.js';

export {
  BUILD_TRIGGER,
  REVERSE_BUILD_TRIGGER,
  parseBuildTrigger,
  parseReverseBuildTrigger,
  readProjectList,
  renameInProjectList,
  readResult,
  type BuildTriggerStep,
  type ReverseBuildTriggerStep,
} from './config.js';
export { triggerChild } from './publisher.js';

export const plugin: BuiltInPlugin = {
  name: 'build-trigger',
  register(registry) {
    registry.register(PUBLISHER, buildTrigger);
    registry.register(TRIGGER, reverseBuildTrigger);
  },
};
