/**
 * The GitHub plugin (`github`): its trigger "GitHub hook trigger for GITScm polling"
 * (`com.cloudbees.jenkins.GitHubPushTrigger`) and its webhook, `/github-webhook/`, which polls the
 * jobs of a pushed repository, signed with the shared secrets of `github-plugin-configuration.xml`.
 */
import { TRIGGER, UNPROTECTED_ROOT_ACTION } from '../../jobs/index.js';
import type { BuiltInPlugin } from '../../extensions/index.js';
import { gitHubPushTrigger } from './trigger.js';
import { gitHubWebhookDescriptor } from './webhook.js';

export { GITHUB_PUSH_TRIGGER, GITHUB_PLUGIN_CONFIGURATION, hookSecretIds } from './config.js';

export const plugin: BuiltInPlugin = {
  name: 'github',
  register(registry) {
    registry.register(TRIGGER, gitHubPushTrigger);
    registry.register(UNPROTECTED_ROOT_ACTION, gitHubWebhookDescriptor);
  },
};
