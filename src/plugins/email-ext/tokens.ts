/*
 * email-ext's content tokens (its ContentBuilder with the token-macro syntax): `$NAME`, `${NAME}`
 * and `${NAME, arg=value, arg="quoted"}`; `$$` is a `$`. The defaults ($DEFAULT_SUBJECT,
 * $PROJECT_DEFAULT_CONTENT...) are put in first, as text that may hold tokens itself; then every
 * token is expanded once, so that a value (an environment variable, a log line) is never read as
 * tokens again. A token that is neither known nor a variable of the build is left as it is.
 */

/** The texts the default tokens stand for. */
export interface DefaultTexts {
  readonly DEFAULT_SUBJECT: string;
  readonly DEFAULT_CONTENT: string;
  readonly DEFAULT_RECIPIENTS: string;
  readonly DEFAULT_REPLYTO: string;
  readonly PROJECT_DEFAULT_SUBJECT: string;
  readonly PROJECT_DEFAULT_CONTENT: string;
  readonly PROJECT_DEFAULT_REPLYTO: string;
}

/** What the other tokens stand for. */
export interface TokenValues {
  readonly jobName: string;
  readonly buildNumber: number;
  readonly buildStatus: string;
  readonly env: Readonly<Record<string, string>>;
  /** The last `maxLines` lines of the build's log (bounded by the caller). */
  logTail(maxLines: number): Promise<string[]>;
}

/** The longest text an expansion gives; past it the text is cut, saying so. */
export const MAX_EXPANDED_CHARS = 4 * 1024 * 1024;
/** The most lines ${BUILD_LOG, maxLines=N} gives. */
export const MAX_BUILD_LOG_LINES = 10_000;
/** email-ext's default for ${BUILD_LOG}. */
const DEFAULT_BUILD_LOG_LINES = 250;

const NAME = '[A-Za-z_][A-Za-z0-9_]*';
const ARG = `\\s*,\\s*${NAME}\\s*=\\s*(?:"(?:[^"\\\\]|\\\\.)*"|'[^']*'|[^,}\\s]*)`;
const TOKEN = new RegExp(`\\$\\$|\\$\\{(${NAME})((?:${ARG})*)\\s*\\}|\\$(${NAME})`, 'g');
const ARGS = new RegExp(`\\s*,\\s*(${NAME})\\s*=\\s*("(?:[^"\\\\]|\\\\.)*"|'[^']*'|[^,}\\s]*)`, 'g');

const DEFAULT_TOKENS: ReadonlySet<string> = new Set([
  'DEFAULT_SUBJECT',
  'DEFAULT_CONTENT',
  'DEFAULT_RECIPIENTS',
  'DEFAULT_REPLYTO',
  'PROJECT_DEFAULT_SUBJECT',
  'PROJECT_DEFAULT_CONTENT',
  'PROJECT_DEFAULT_REPLYTO',
  'DEFAULT_PRESEND_SCRIPT',
  'DEFAULT_POSTSEND_SCRIPT',
]);

function cut(text: string): string {
  return text.length <= MAX_EXPANDED_CHARS ? text : `${text.slice(0, MAX_EXPANDED_CHARS)}\n[cut: the text is longer than ${MAX_EXPANDED_CHARS} characters]`;
}

function parseArgs(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(ARGS)) {
    let value = m[2] ?? '';
    if (value.startsWith('"')) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    else if (value.startsWith("'")) value = value.slice(1, -1);
    out.set(m[1] ?? '', value);
  }
  return out;
}

/** Puts in the default texts, which may name each other, a few levels deep. */
function putDefaults(text: string, defaults: DefaultTexts): string {
  let out = text;
  for (let depth = 0; depth < 4; depth++) {
    let changed = false;
    out = cut(
      out.replace(TOKEN, (all, braced: string | undefined, _args: string | undefined, bare: string | undefined) => {
        const name = braced ?? bare;
        if (name === undefined || !DEFAULT_TOKENS.has(name)) return all;
        changed = true;
        return name in defaults ? defaults[name as keyof DefaultTexts] : '';
      }),
    );
    if (!changed) break;
  }
  return out;
}

function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

function lineCount(args: Map<string, string>): number {
  const n = Number(args.get('maxLines') ?? DEFAULT_BUILD_LOG_LINES);
  return Number.isSafeInteger(n) && n > 0 ? Math.min(n, MAX_BUILD_LOG_LINES) : DEFAULT_BUILD_LOG_LINES;
}

/** `text` with every token expanded. */
export async function expandTokens(text: string, defaults: DefaultTexts, values: TokenValues): Promise<string> {
  const withDefaults = putDefaults(text, defaults);
  // The log is read once, as many lines as the largest ${BUILD_LOG} asks for.
  let wanted = 0;
  for (const m of withDefaults.matchAll(TOKEN)) {
    if ((m[1] ?? m[3]) === 'BUILD_LOG') wanted = Math.max(wanted, lineCount(parseArgs(m[2] ?? '')));
  }
  const log = wanted > 0 ? await values.logTail(wanted) : [];
  const env = values.env;
  return cut(
    withDefaults.replace(TOKEN, (all, braced: string | undefined, argText: string | undefined, bare: string | undefined) => {
      if (all === '$$') return '$';
      const name = braced ?? bare ?? '';
      const args = parseArgs(argText ?? '');
      switch (name) {
        case 'PROJECT_NAME':
        case 'PROJECT_DISPLAY_NAME':
          return values.jobName;
        case 'PROJECT_URL':
          return env.JOB_URL ?? '';
        case 'BUILD_NUMBER':
          return String(values.buildNumber);
        case 'BUILD_STATUS':
          return values.buildStatus;
        case 'BUILD_URL':
          return env.BUILD_URL ?? '';
        case 'BUILD_LOG': {
          const lines = log.slice(-lineCount(args)).map((l) => `${l}\n`).join('');
          return args.get('escapeHtml') === 'true' ? escapeHtml(lines) : lines;
        }
        case 'ENV':
          return env[args.get('var') ?? ''] ?? '';
        default:
          return Object.hasOwn(env, name) ? (env[name] ?? '') : all;
      }
    }),
  );
}
