/**
 * The Build Timeout plugin (`build-timeout`): a build wrapper that aborts or fails a build after
 * an absolute number of minutes. Its other strategies load and run as stand-ins.
 */
import { BUILD_WRAPPER } from '../../jobs/index.js';
import type { BuiltInPlugin } from '../../extensions/index.js';
import { buildTimeoutWrapper } from './wrapper.js';

export { BUILD_TIMEOUT_WRAPPER, parseBuildTimeoutWrapper, type BuildTimeout } from './config.js';

export const plugin: BuiltInPlugin = {
  name: 'build-timeout',
  register(registry) {
    registry.register(BUILD_WRAPPER, buildTimeoutWrapper);
  },
};
