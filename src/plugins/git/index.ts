/**
 * The Git plugin (`git`): the SCM `hudson.plugins.git.GitSCM` of freestyle jobs. Builds fetch
 * with the git CLI on their node and check out the revision the job's branch specs choose; the
 * build's environment gets GIT_COMMIT, GIT_BRANCH, GIT_PREVIOUS_COMMIT..., its record the
 * plugin's BuildData, and its changelog.xml the commits since the branch's previous build.
 */
import { SCM_POINT, UNPROTECTED_ROOT_ACTION } from '../../jobs/index.js';
import type { BuiltInPlugin } from '../../extensions/index.js';
import { gitScmDescriptor } from './scm.js';
import { notifyCommitDescriptor } from './notify-commit.js';

export { matchGitJob } from './notify-commit.js';
export { repositoryLocation, looselyMatches, type RepositoryLocation } from './urls.js';
export { GIT_SCM, parseGitScm, type GitScmConfig, type GitExtensions, type RemoteConfig } from './config.js';

export const plugin: BuiltInPlugin = {
  name: 'git',
  register(registry) {
    registry.register(SCM_POINT, gitScmDescriptor);
    registry.register(UNPROTECTED_ROOT_ACTION, notifyCommitDescriptor);
  },
};
