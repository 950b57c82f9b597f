import type { ExtensionRegistry } from '../../extensions/index.js';
import { BUILDER, BUILD_WRAPPER } from './api.js';
import { envInjectWrapper } from './envinject.js';
import { shellBuilder } from './shell.js';
import { buildTimeoutWrapper } from './timeout.js';

/** Registers the steps Steward runs itself. Plugins add theirs the same way. */
export function registerBuiltInSteps(registry: ExtensionRegistry): void {
  registry.register(BUILDER, shellBuilder);
  registry.register(BUILD_WRAPPER, buildTimeoutWrapper);
  registry.register(BUILD_WRAPPER, envInjectWrapper);
}
