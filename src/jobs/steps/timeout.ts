import { StewardError } from '../../errors/index.js';
import { parseBuildTimeoutWrapper } from '../config/index.js';
import type { BuildWrapperDescriptor } from './api.js';

/**
 * The Build Timeout plugin's wrapper with an absolute timeout: after N minutes the build is
 * aborted (or failed, with the fail operation) and its processes are stopped.
 */
export const buildTimeoutWrapper: BuildWrapperDescriptor = {
  id: 'hudson.plugins.build__timeout.BuildTimeoutWrapper',
  displayName: 'Abort the build if it is stuck',
  create(step, file) {
    const t = parseBuildTimeoutWrapper(step.element);
    if (t === undefined) {
      throw new StewardError('STW_CONFIG_INVALID', `${file}: buildWrappers/${step.type}: only the absolute timeout strategy is supported`, {
        file,
        field: `buildWrappers/${step.type}/strategy`,
      });
    }
    return {
      async setUp(ctx) {
        const ms = t.timeoutMinutes * 60_000;
        const timer = setTimeout(() => {
          const minutes = `${t.timeoutMinutes} minute${t.timeoutMinutes === 1 ? '' : 's'}`;
          if (t.failBuild) ctx.interrupt('FAILURE', `Build timed out (after ${minutes}). Marking the build as failed.`);
          else ctx.interrupt('ABORTED', `Build timed out (after ${minutes}). Marking the build as aborted.`);
        }, ms);
        return { tearDown: async () => clearTimeout(timer) };
      },
    };
  },
};
