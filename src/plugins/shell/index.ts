/**
 * "Execute shell" (core Jenkins' `hudson.tasks.Shell`): a builder that runs its command with
 * `/bin/sh -xe`, or with the `#!` interpreter its first line names.
 */
import { BUILDER } from '../../jobs/index.js';
import type { BuiltInPlugin } from '../../extensions/index.js';
import { shellBuilder } from './builder.js';

export { SHELL, parseShellStep, type ShellStep } from './config.js';

export const plugin: BuiltInPlugin = {
  name: 'shell',
  register(registry) {
    registry.register(BUILDER, shellBuilder);
  },
};
