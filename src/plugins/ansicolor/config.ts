import type { XmlElementHandle } from '../../xml/index.js';

/** "Color ANSI Console Output" (the ansicolor plugin's build wrapper). */
export const ANSI_COLOR_BUILD_WRAPPER = 'hudson.plugins.ansicolor.AnsiColorBuildWrapper';

/** The plugin's colour maps, by name; `xterm` when the job names none, as the plugin defaults. */
export const COLOR_MAPS = ['xterm', 'vga', 'css', 'gnome-terminal'] as const;

export interface AnsiColorStep {
  readonly colorMapName: string;
}

export function parseAnsiColor(el: XmlElementHandle): AnsiColorStep {
  const name = el.childText('colorMapName')?.trim() ?? '';
  return { colorMapName: name === '' ? 'xterm' : name };
}
