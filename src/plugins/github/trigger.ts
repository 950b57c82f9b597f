import type { TriggerDescriptor } from '../../jobs/index.js';
import { GITHUB_PUSH_TRIGGER } from './config.js';

/**
 * com.cloudbees.jenkins.GitHubPushTrigger: "GitHub hook trigger for GITScm polling". It runs no
 * schedule of its own: a push to a repository of the job's Git remotes, told through
 * `/github-webhook/`, polls the job.
 */
export const gitHubPushTrigger: TriggerDescriptor = {
  id: GITHUB_PUSH_TRIGGER,
  displayName: 'GitHub hook trigger for GITScm polling',
  create() {
    return {
      start() {
        return { stop() {} };
      },
    };
  },
};
