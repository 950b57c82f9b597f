/**
 * The plugins Steward ships with, one folder each (src/plugins/<name>/: element names and parser
 * in `config.ts`, the runtime, tests beside, and an `index.ts` exporting `plugin`). A plugin
 * implements extension points that jobs defines (Builder, BuildWrapper, Publisher, Trigger, SCM) and
 * imports only the index of a part; jobs never imports a plugin.
 */
import type { BuiltInPlugin, ExtensionRegistry } from '../extensions/index.js';
import { plugin as ansiColor } from './ansicolor/index.js';
import { plugin as artifactArchiver } from './artifact-archiver/index.js';
import { plugin as buildTrigger } from './build-trigger/index.js';
import { plugin as buildTimeout } from './build-timeout/index.js';
import { plugin as credentialsBinding } from './credentials-binding/index.js';
import { plugin as emailExt } from './email-ext/index.js';
import { plugin as envinject } from './envinject/index.js';
import { plugin as git } from './git/index.js';
import { plugin as github } from './github/index.js';
import { plugin as junit } from './junit/index.js';
import { plugin as mailer } from './mailer/index.js';
import { plugin as parameterizedTrigger } from './parameterized-trigger/index.js';
import { plugin as shell } from './shell/index.js';
import { plugin as throttleConcurrents } from './throttle-concurrents/index.js';
import { plugin as timerTrigger } from './timer-trigger/index.js';
import { plugin as wsCleanup } from './ws-cleanup/index.js';
import { plugin as scmTrigger } from './scm-trigger/index.js';

/** Every built-in plugin, in the order they register. */
export const BUILT_IN_PLUGINS: readonly BuiltInPlugin[] = [shell, buildTimeout, envinject, credentialsBinding, artifactArchiver, junit, timerTrigger, scmTrigger, git, github, mailer, emailExt, wsCleanup, buildTrigger, parameterizedTrigger, throttleConcurrents, ansiColor];

/** Registers the steps and triggers of every built-in plugin; the composition root calls it once per registry. */
export function registerBuiltInPlugins(registry: ExtensionRegistry): void {
  for (const p of BUILT_IN_PLUGINS) p.register(registry);
}
