import { parseXml } from '../../xml/index.js';

/** The github plugin's trigger: "GitHub hook trigger for GITScm polling". */
export const GITHUB_PUSH_TRIGGER = 'com.cloudbees.jenkins.GitHubPushTrigger';

/** The github plugin's global configuration, at the top of the home, as the plugin keeps it. */
export const GITHUB_PLUGIN_CONFIGURATION = 'github-plugin-configuration.xml';

/**
 * The ids of the "Secret text" credentials whose secrets sign webhooks (the plugin's "Shared
 * secrets", HookSecretConfig), from `github-plugin-configuration.xml`:
 *
 *   <github-plugin-configuration>
 *     <hookSecretConfigs>
 *       <org.jenkinsci.plugins.github.config.HookSecretConfig>
 *         <credentialsId>github-webhook</credentialsId>
 *       </org.jenkinsci.plugins.github.config.HookSecretConfig>
 *     </hookSecretConfigs>
 *   </github-plugin-configuration>
 *
 * and the single `<hookSecretConfig>` of the plugin's 1.2x versions.
 */
export function hookSecretIds(text: string | undefined): string[] {
  if (text === undefined) return [];
  const root = parseXml(text, GITHUB_PLUGIN_CONFIGURATION).root;
  const configs = [...(root.child('hookSecretConfigs')?.children() ?? []), ...(root.child('hookSecretConfig') === undefined ? [] : [root.child('hookSecretConfig')])];
  return configs.map((c) => c?.childText('credentialsId')?.trim() ?? '').filter((id) => id !== '');
}
