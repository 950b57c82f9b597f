import type { XmlElementHandle } from '../../xml/index.js';

/** The element a job's `<buildWrappers>` holds for EnvInject's wrapper, and the alias Jenkins writes for it. */
export const ENVINJECT_BUILD_WRAPPER = 'org.jenkinsci.plugins.envinject.EnvInjectBuildWrapper';
export const ENVINJECT_BUILD_WRAPPER_ALIAS = 'EnvInjectBuildWrapper';

/** `EnvInjectBuildWrapper` (the alias Jenkins writes) or its class name. */
export interface EnvInjectStep {
  /** `info/propertiesContent`. */
  readonly properties: Record<string, string>;
  /** `info/propertiesFilePath`: a properties file of the workspace, read before the content. */
  readonly propertiesFilePath: string;
  /** `info/scriptFilePath` and `info/scriptContent`: run first, with sh -xe; a failure fails the build. */
  readonly scriptFilePath: string;
  readonly scriptContent: string;
  /** `info/loadFilesFromMaster`: the files are the controller's, not the node's. */
  readonly loadFilesFromMaster: boolean;
  /** `info/secureGroovyScript/script` (or the older `groovyScriptContent`): a Groovy script, not run here. */
  readonly groovyScript: string;
}

export function parseEnvInjectWrapper(el: XmlElementHandle): EnvInjectStep {
  const text = (name: string) => el.descendant(`info/${name}`)?.text().trim() ?? '';
  return {
    properties: parseJavaProperties(el.descendant('info/propertiesContent')?.text() ?? ''),
    propertiesFilePath: text('propertiesFilePath'),
    scriptFilePath: text('scriptFilePath'),
    scriptContent: el.descendant('info/scriptContent')?.text() ?? '',
    loadFilesFromMaster: text('loadFilesFromMaster') === 'true',
    groovyScript: el.descendant('info/secureGroovyScript/script')?.text().trim() ?? text('groovyScriptContent'),
  };
}

/**
 * java.util.Properties text: `#` and `!` comments, `=`, `:` or whitespace between key and value,
 * a trailing backslash continues the line, and `\t`, `\n`, `\uXXXX` style escapes.
 */
export function parseJavaProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = (lines[i] ?? '').replace(/^[ \t\f]+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (endsWithOddBackslashes(line) && i + 1 < lines.length) {
      line = line.slice(0, -1) + (lines[++i] ?? '').replace(/^[ \t\f]+/, '');
    }
    if (endsWithOddBackslashes(line)) line = line.slice(0, -1);
    const split = /^((?:\\.|[^\\=: \t\f])*)[ \t\f]*[=:]?[ \t\f]*(.*)$/s.exec(line);
    const key = unescapeProperty(split?.[1] ?? line);
    out[key] = unescapeProperty(split?.[2] ?? '');
  }
  return out;
}

function endsWithOddBackslashes(line: string): boolean {
  const trailing = /\\*$/.exec(line)?.[0].length ?? 0;
  return trailing % 2 === 1;
}

function unescapeProperty(value: string): string {
  return value.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_all, c: string) => {
    if (c.length === 5) return String.fromCharCode(parseInt(c.slice(1), 16));
    return ({ t: '\t', n: '\n', r: '\r', f: '\f' } as Record<string, string>)[c] ?? c;
  });
}
