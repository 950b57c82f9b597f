import type { ExtensionRegistry } from '../../extensions/index.js';
import { BUILDER, BUILD_WRAPPER, PUBLISHER } from './api.js';
import { artifactArchiver } from './artifact-archiver.js';
import { credentialsBindingWrapper } from './credentials-binding.js';
import { envInjectWrapper } from './envinject.js';
import { shellBuilder } from './shell.js';
import { buildTimeoutWrapper } from './timeout.js';
import { TRIGGER, timerTrigger } from '../triggers/index.js';

/** Registers the steps and triggers Steward runs itself. Plugins add theirs the same way. */
export function registerBuiltInSteps(registry: ExtensionRegistry): void {
  registry.register(BUILDER, shellBuilder);
  registry.register(BUILD_WRAPPER, buildTimeoutWrapper);
  registry.register(BUILD_WRAPPER, envInjectWrapper);
  registry.register(BUILD_WRAPPER, credentialsBindingWrapper);
  registry.register(PUBLISHER, artifactArchiver);
  registry.register(TRIGGER, timerTrigger);
}
