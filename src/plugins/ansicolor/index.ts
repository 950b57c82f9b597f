/**
 * The AnsiColor plugin (`ansicolor`): its build wrapper runs, leaving a build's escape sequences
 * in its log as Jenkins' consoleText keeps them.
 */
import { BUILD_WRAPPER } from '../../jobs/index.js';
import type { BuiltInPlugin } from '../../extensions/index.js';
import { ansiColorWrapper } from './wrapper.js';

export { ANSI_COLOR_BUILD_WRAPPER, parseAnsiColor } from './config.js';

export const plugin: BuiltInPlugin = {
  name: 'ansicolor',
  register(registry) {
    registry.register(BUILD_WRAPPER, ansiColorWrapper);
  },
};
