import type { PublisherDescriptor } from '../../jobs/index.js';
import { cleanWorkspace, cleanupNotRun, LOG_PREFIX } from './cleanup.js';
import { WS_CLEANUP, parseWsCleanup } from './config.js';

/**
 * "Delete workspace when build is done" (hudson.plugins.ws__cleanup.WsCleanup): a notifier that
 * deletes the workspace's contents, or the files its patterns say, after the builds whose result
 * it is set to clean for. A deletion that fails fails the build, unless notFailBuild.
 */
export const wsCleanupPublisher: PublisherDescriptor = {
  id: WS_CLEANUP,
  displayName: 'Delete workspace when build is done',
  create(step) {
    const s = parseWsCleanup(step.element);
    const notRun = cleanupNotRun(s);
    return {
      notifier: true,
      ...(notRun.length === 0 ? {} : { notRun }),
      async perform(ctx, result) {
        ctx.log(`${LOG_PREFIX}Deleting project workspace...`);
        if (!s.cleanWhen[result as keyof typeof s.cleanWhen]) {
          ctx.log(`${LOG_PREFIX}Skipped based on build state ${result}`);
          return undefined;
        }
        try {
          await cleanWorkspace(ctx, s);
        } catch (err) {
          const message = (err as Error).message;
          if (s.notFailBuild) {
            ctx.log(`Cannot delete workspace: ${message}`);
            ctx.log("Option not to fail the build is turned on, so let's continue");
            return undefined;
          }
          ctx.log(`Cannot delete workspace :${message}`);
          return 'FAILURE';
        }
        ctx.log(`${LOG_PREFIX}done`);
        return undefined;
      },
    };
  },
};
