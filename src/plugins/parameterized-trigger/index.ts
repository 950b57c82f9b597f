/**
 * The parameterized-trigger plugin: the publisher "Trigger parameterized build on other projects"
 * (`hudson.plugins.parameterizedtrigger.BuildTrigger`) and the build step "Trigger/call builds on
 * other projects" (`hudson.plugins.parameterizedtrigger.TriggerBuilder`), with predefined, current
 * and boolean parameters. Other parameter sources and parameter factories are not run: a config
 * that has one triggers nothing and its build's log says so.
 */
import { BUILDER, PUBLISHER } from '../../jobs/index.js';
import type { BuiltInPlugin } from '../../extensions/index.js';
import { triggerBuilder } from './builder.js';
import { parameterizedBuildTrigger } from './publisher.js';

export {
  CONDITIONS,
  PARAMETERIZED_BUILD_TRIGGER,
  TRIGGER_BUILDER,
  parseTriggerConfigs,
  type Blocking,
  type Condition,
  type ParameterSource,
  type TriggerConfig,
} from './config.js';
export { expandVariables, parseProperties } from './parameters.js';

export const plugin: BuiltInPlugin = {
  name: 'parameterized-trigger',
  register(registry) {
    registry.register(PUBLISHER, parameterizedBuildTrigger);
    registry.register(BUILDER, triggerBuilder);
  },
};
