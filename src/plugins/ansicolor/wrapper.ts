import type { BuildWrapperDescriptor } from '../../jobs/index.js';
import { ANSI_COLOR_BUILD_WRAPPER, COLOR_MAPS, parseAnsiColor } from './config.js';

/**
 * "Color ANSI Console Output" (hudson.plugins.ansicolor.AnsiColorBuildWrapper). In Jenkins it sets
 * nothing in the build: it marks the log for the console page to show the escape sequences as
 * colours, and consoleText keeps them as written. Here the log keeps them the same; the wrapper
 * runs, so the build's log has no warning that it was skipped. A colour map of its own (defined in
 * the plugin's global configuration) is read as the default one.
 */
export const ansiColorWrapper: BuildWrapperDescriptor = {
  id: ANSI_COLOR_BUILD_WRAPPER,
  displayName: 'Color ANSI Console Output',
  create(step) {
    const s = parseAnsiColor(step.element);
    const known = (COLOR_MAPS as readonly string[]).includes(s.colorMapName);
    return {
      ...(known ? {} : { notRun: [{ name: `colorMapName ${s.colorMapName}`, treatment: 'ignored' as const, reason: 'a colour map of the plugin\'s global configuration is not read; the log keeps its escape sequences as written' }] }),
      setUp: () => Promise.resolve({}),
    };
  },
};
