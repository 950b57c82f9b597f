import type { BuildWrapperDescriptor } from '../../jobs/index.js';
import { cleanWorkspace, cleanupNotRun, LOG_PREFIX } from './cleanup.js';
import { PRE_BUILD_CLEANUP, parsePreBuildCleanup } from './config.js';

/**
 * "Delete workspace before build starts" (hudson.plugins.ws__cleanup.PreBuildCleanup): before the
 * checkout, the workspace's contents go, or the files its patterns say; with a cleanupParameter,
 * only when that parameter is `true`. A deletion that fails fails the build before the checkout.
 */
export const preBuildCleanupWrapper: BuildWrapperDescriptor = {
  id: PRE_BUILD_CLEANUP,
  displayName: 'Delete workspace before build starts',
  create(step) {
    const s = parsePreBuildCleanup(step.element);
    const notRun = cleanupNotRun(s);
    return {
      ...(notRun.length === 0 ? {} : { notRun }),
      async preCheckout(ctx) {
        if (s.cleanupParameter !== '' && ctx.env[s.cleanupParameter] !== 'true') {
          ctx.log(`${LOG_PREFIX}Clean-up disabled, skipping workspace deletion.`);
          return;
        }
        ctx.log(`${LOG_PREFIX}Deleting project workspace...`);
        try {
          await cleanWorkspace(ctx, s);
        } catch (err) {
          ctx.log(`ERROR: ${LOG_PREFIX}Cannot delete workspace: ${(err as Error).message}`);
          throw new Error(`Cannot delete workspace: ${(err as Error).message}`, { cause: err });
        }
        ctx.log(`${LOG_PREFIX}Done`);
      },
      setUp: () => Promise.resolve({}),
    };
  },
};
