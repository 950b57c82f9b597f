import { configInvalid, readBoolean, readInteger, type XmlElementHandle } from '../../xml/index.js';

/*
 * Parsers for the step types Steward runs itself. Each takes the step's element (Step.element)
 * and returns its settings; the caller dispatches on Step.type.
 */

/** `hudson.tasks.Shell`. */
export interface ShellStep {
  readonly command: string;
  /** Exit code that marks the build UNSTABLE instead of FAILURE (`<unstableReturn>`). */
  readonly unstableReturn: number | undefined;
}

export function parseShellStep(el: XmlElementHandle): ShellStep {
  // <configuredLocalRules/> (Jenkins 2.3xx+) holds nothing Steward needs.
  return { command: el.childText('command') ?? '', unstableReturn: readInteger(el, 'unstableReturn') };
}

/** `hudson.plugins.build__timeout.BuildTimeoutWrapper` with an absolute timeout. */
export interface BuildTimeout {
  readonly timeoutMinutes: number;
  /** On timeout, mark the build FAILURE. */
  readonly failBuild: boolean;
  /** On timeout, abort the build (ABORTED); what the plugin does when no operation is set. */
  readonly abortBuild: boolean;
}

const ABSOLUTE = 'hudson.plugins.build_timeout.impl.AbsoluteTimeOutStrategy';
const FAIL_OPERATION = 'hudson.plugins.build__timeout.operations.FailOperation';
const ABORT_OPERATION = 'hudson.plugins.build__timeout.operations.AbortOperation';

/**
 * Reads the current form (`<strategy class="...AbsoluteTimeOutStrategy">` and `<operationList>`)
 * and the pre-1.12 form (`<timeoutMinutes>`, `<failBuild>`, `<timeoutType>` in the wrapper).
 * Returns undefined for strategies Steward does not implement (no activity, elastic, likely
 * stuck, deadline); the caller decides whether that refuses the job.
 */
export function parseBuildTimeoutWrapper(el: XmlElementHandle): BuildTimeout | undefined {
  const strategy = el.child('strategy');
  if (strategy === undefined) {
    const type = el.childText('timeoutType')?.trim() ?? 'absolute';
    if (type !== 'absolute') return undefined;
    const failBuild = readBoolean(el, 'failBuild', false);
    return { timeoutMinutes: readMinutes(el), failBuild, abortBuild: !failBuild };
  }
  if (strategy.attribute('class') !== ABSOLUTE) return undefined;
  const operations = el.child('operationList')?.children().map((op) => op.name) ?? [];
  const failBuild = operations.includes(FAIL_OPERATION);
  const abortBuild = operations.includes(ABORT_OPERATION) || !failBuild;
  return { timeoutMinutes: readMinutes(strategy), failBuild, abortBuild };
}

function readMinutes(el: XmlElementHandle): number {
  const minutes = readInteger(el, 'timeoutMinutes', 1);
  if (minutes === undefined) throw configInvalid(el, el.childPath('timeoutMinutes'), 'is missing');
  return minutes;
}

/** `EnvInjectBuildWrapper` (the alias Jenkins writes) or its class name. */
export interface EnvInjectStep {
  readonly properties: Record<string, string>;
}

export function parseEnvInjectWrapper(el: XmlElementHandle): EnvInjectStep {
  return { properties: parseJavaProperties(el.descendant('info/propertiesContent')?.text() ?? '') };
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

/** `hudson.tasks.ArtifactArchiver`. */
export interface ArtifactArchiverStep {
  /** Comma-separated Ant patterns of files to archive. */
  readonly artifacts: string;
  readonly excludes: string;
  readonly allowEmptyArchive: boolean;
  readonly fingerprint: boolean;
}

export function parseArtifactArchiver(el: XmlElementHandle): ArtifactArchiverStep {
  return {
    artifacts: el.childText('artifacts')?.trim() ?? '',
    excludes: el.childText('excludes')?.trim() ?? '',
    allowEmptyArchive: readBoolean(el, 'allowEmptyArchive', false),
    fingerprint: readBoolean(el, 'fingerprint', false),
  };
}

/** `hudson.triggers.TimerTrigger` and `hudson.triggers.SCMTrigger`: a cron spec, as written. */
export interface CronTriggerStep {
  /** Jenkins cron text: may hold several lines, `#` comments and `H`; parsing is the caller's. */
  readonly spec: string;
}

export function parseTimerTrigger(el: XmlElementHandle): CronTriggerStep {
  return { spec: el.childText('spec') ?? '' };
}

export function parseScmTrigger(el: XmlElementHandle): CronTriggerStep {
  return { spec: el.childText('spec') ?? '' };
}
