/**
 * The Workspace Cleanup plugin (`ws-cleanup`): a build wrapper that deletes the workspace before
 * the checkout, and a publisher that deletes it after the build, both as the build's steps' user on
 * the build's node.
 */
import { BUILD_WRAPPER, PUBLISHER } from '../../jobs/index.js';
import type { BuiltInPlugin } from '../../extensions/index.js';
import { wsCleanupPublisher } from './publisher.js';
import { preBuildCleanupWrapper } from './wrapper.js';

export { PRE_BUILD_CLEANUP, WS_CLEANUP, parsePreBuildCleanup, parseWsCleanup } from './config.js';

export const plugin: BuiltInPlugin = {
  name: 'ws-cleanup',
  register(registry) {
    registry.register(BUILD_WRAPPER, preBuildCleanupWrapper);
    registry.register(PUBLISHER, wsCleanupPublisher);
  },
};
