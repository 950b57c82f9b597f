import { unsupportedBuildWrapper, type BuildWrapperDescriptor } from '../../jobs/index.js';
import { BUILD_TIMEOUT_WRAPPER, parseBuildTimeoutWrapper } from './config.js';

/**
 * The Build Timeout plugin's wrapper with an absolute timeout: after N minutes the build is
 * aborted (or failed, with the fail operation) and its processes are stopped. Other strategies
 * (no activity, elastic, likely stuck, deadline) load, as Jenkins keeps what it cannot run, and
 * builds run without a timeout, saying so in their log.
 */
export const buildTimeoutWrapper: BuildWrapperDescriptor = {
  id: BUILD_TIMEOUT_WRAPPER,
  displayName: 'Abort the build if it is stuck',
  create(step) {
    const t = parseBuildTimeoutWrapper(step.element);
    if (t === undefined) {
      const strategy = step.element.child('strategy')?.attribute('class') ?? `timeoutType ${step.element.childText('timeoutType')?.trim() ?? ''}`;
      const plugin = step.plugin === undefined ? '' : ` (plugin ${step.plugin})`;
      return {
        ...unsupportedBuildWrapper(`${step.type}${plugin} with ${strategy}`),
        notRun: [{ name: `strategy ${strategy}`, treatment: 'skipped', reason: 'only the absolute timeout runs here: builds run without a timeout, and their log says so' }],
      };
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
