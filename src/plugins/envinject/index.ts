/**
 * The EnvInject plugin (`envinject`): a build wrapper that adds its properties content to the
 * build's environment. {@link parseJavaProperties} reads java.util.Properties text for others too.
 */
import { BUILD_WRAPPER } from '../../jobs/index.js';
import type { BuiltInPlugin } from '../../extensions/index.js';
import { envInjectWrapper } from './wrapper.js';

export { ENVINJECT_BUILD_WRAPPER, parseEnvInjectWrapper, parseJavaProperties, type EnvInjectStep } from './config.js';

export const plugin: BuiltInPlugin = {
  name: 'envinject',
  register(registry) {
    registry.register(BUILD_WRAPPER, envInjectWrapper);
  },
};
