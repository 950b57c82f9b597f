import type { BuildContext } from '../../jobs/index.js';
import type { ParameterSource, TriggerConfig } from './config.js';

/** `$NAME` and `${NAME}` replaced by the build's variables; unknown ones stay as written (Jenkins' Util.replaceMacro). */
export function expandVariables(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_.]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare ?? '';
    return Object.hasOwn(env, name) ? (env[name] ?? whole) : whole;
  });
}

/**
 * Java properties text (`key=value`, `key: value`, `#` and `!` comments, a trailing `\` going on
 * to the next line), as the plugin reads PredefinedBuildParameters; the last of a key wins.
 */
export function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = (lines[i] ?? '').replace(/^\s+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < lines.length) line = line.slice(0, -1) + (lines[++i] ?? '').replace(/^\s+/, '');
    const m = /^((?:\\.|[^=:\s\\])*)\s*[=:\s]\s*(.*)$/s.exec(line);
    const key = unescape(m?.[1] ?? line);
    if (key === '') continue;
    out[key] = unescape(m?.[2] ?? '');
  }
  return out;
}

function unescape(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, c: string) => {
    if (c.length === 5) return String.fromCharCode(parseInt(c.slice(1), 16));
    return c === 't' ? '\t' : c === 'n' ? '\n' : c === 'r' ? '\r' : c === 'f' ? '\f' : c;
  });
}

function valuesOf(source: ParameterSource, ctx: BuildContext): Record<string, string> {
  switch (source.kind) {
    case 'predefined':
      return parseProperties(expandVariables(source.properties, ctx.env));
    case 'current':
      return Object.fromEntries(ctx.run.record.parameters.map((p) => [p.name, ctx.env[p.name] ?? p.value]));
    case 'boolean':
      return Object.fromEntries(source.values.map((v) => [v.name, v.value]));
    case 'unsupported':
      return {};
  }
}

/**
 * The parameters a trigger config gives its builds, later sources overriding earlier ones;
 * `unsupported` names what it cannot run (then it does not trigger at all).
 */
export function triggerParameters(config: TriggerConfig, ctx: BuildContext): { parameters: Record<string, string>; unsupported: string[] } {
  const unsupported = [
    ...config.sources.flatMap((s) => (s.kind === 'unsupported' ? [`parameters ${s.description}`] : [])),
    ...config.factories.map((f) => `parameter factory ${f}`),
  ];
  const parameters: Record<string, string> = {};
  for (const source of config.sources) Object.assign(parameters, valuesOf(source, ctx));
  return { parameters, unsupported };
}
