import { XMLValidator } from 'fast-xml-parser';
import { StewardError } from '../../errors/index.js';
import type { StdioRetention } from './config.js';
import { optional, type CaseResult, type SuiteResult } from './test-result.js';
import { attr, children, elementText, first, nodeParser, textOf, type Node } from './xml-nodes.js';

/*
 * Reads JUnit XML reports as the junit plugin does (SuiteResult.parse, CaseResult): a
 * `<testsuite>` root, or `<testsuites>` (or any other root) holding suites, suites nested in
 * suites, `<testcase>` with `<failure>`, `<error>`, `<skipped>`, `<system-out>`, `<system-err>`.
 * That is what Ant, Maven Surefire, Gradle, pytest (`--junitxml`), jest-junit and
 * go-junit-report write.
 */

/** What one build may read of reports: past these the publisher fails the build, saying which. */
export interface ReportLimits {
  /** Bytes of one report file. */
  readonly maxFileBytes: number;
  /** Bytes of all the report files of one publisher. */
  readonly maxTotalBytes: number;
  /** Test cases in all. */
  readonly maxCases: number;
}

export const REPORT_LIMITS: ReportLimits = {
  maxFileBytes: 64 * 1024 * 1024,
  maxTotalBytes: 256 * 1024 * 1024,
  maxCases: 500_000,
};

/** How long output is cut (CaseResult.possiblyTrimStdio): half of what is kept, for a passing and a failing test. */
const HALF_MAX_SIZE = 500;
const HALF_MAX_FAILING_SIZE = 50_000;

const REPEATED: ReadonlySet<string> = new Set(['testsuite', 'testcase', 'failure', 'error', 'skipped', 'system-out', 'system-err']);

const parser = nodeParser(REPEATED);

/** The options a report is read with. */
export interface ReadOptions {
  readonly stdioRetention: StdioRetention;
  /** How many cases a build may record, and how many may still be read; more throws STW_REQUEST_TOO_LARGE. */
  readonly maxCases: number;
  casesLeft: number;
}

/**
 * The suites of one report. `path` is the file on the node (recorded as the suite's `file`).
 * A report that is not well-formed XML becomes one failing case, as in the junit plugin: a suite
 * named for the file with a case `<init>` saying why it could not be read; an empty file a case
 * `[empty]`.
 */
export function parseReport(bytes: Buffer, path: string, opts: ReadOptions): SuiteResult[] {
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (bytes.length === 0) {
    return [unreadable(path, base, '[empty]', `Test report file ${path} was length 0`, opts)];
  }
  const text = decode(bytes);
  const refusal = refusalOf(text);
  if (refusal !== undefined) {
    return [unreadable(path, base, '<init>', `Failed to read test report file ${path}\n${refusal}`, opts)];
  }
  const doc = parser.parse(text) as Node;
  const rootName = Object.keys(doc).find((k) => k !== '?xml' && !k.startsWith('#'));
  const root = rootName === undefined ? undefined : first(doc[rootName]);
  const suites: SuiteResult[] = [];
  if (root === undefined) return suites;
  if (rootName === 'testsuites') {
    for (const s of children(root, 'testsuite')) parseSuite(s, path, opts, suites);
  } else {
    parseSuite(root, path, opts, suites);
  }
  return suites;
}

/** Why the text is not read: not well-formed, or a DOCTYPE (whose entities could expand without end). */
function refusalOf(text: string): string | undefined {
  if (/^<!DOCTYPE/i.test(afterProlog(text))) return 'a report with a DOCTYPE is not read';
  const valid = XMLValidator.validate(text);
  if (valid === true) return undefined;
  return `line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`;
}

/** The text from the root element on: past the declaration, comments and processing instructions. */
function afterProlog(text: string): string {
  let i = 0;
  for (;;) {
    while (i < text.length && /\s|\uFEFF/.test(text[i] as string)) i++;
    const close = text.startsWith('<?', i) ? '?>' : text.startsWith('<!--', i) ? '-->' : undefined;
    if (close === undefined) return text.slice(i, i + 16);
    const end = text.indexOf(close, i);
    if (end < 0) return '';
    i = end + close.length;
  }
}

/** The text in the encoding its declaration names (UTF-8 when none, or one this runtime lacks). */
function decode(bytes: Buffer): string {
  const head = bytes.subarray(0, 200).toString('latin1');
  const declared = /^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head)?.[1];
  if (declared !== undefined) {
    try {
      return new TextDecoder(declared).decode(bytes);
    } catch {
      // An encoding TextDecoder does not know: read as UTF-8.
    }
  }
  return new TextDecoder('utf-8').decode(bytes);
}

function unreadable(path: string, suiteName: string, testName: string, error: string, opts: ReadOptions): SuiteResult {
  take(opts, 1);
  return { file: path, name: suiteName, duration: 0, cases: [{ className: suiteName, testName, duration: 0, skipped: false, errorStackTrace: error, failedSince: 0 }] };
}

function take(opts: ReadOptions, n: number): void {
  opts.casesLeft -= n;
  if (opts.casesLeft < 0) throw new StewardError('STW_REQUEST_TOO_LARGE', `the test reports hold more than ${opts.maxCases.toLocaleString('en-US')} test cases`);
}

/** A suite and the suites nested in it, each added to `out` (the nested ones first, as the plugin does). */
function parseSuite(el: Node, path: string, opts: ReadOptions, out: SuiteResult[]): void {
  for (const nested of children(el, 'testsuite')) parseSuite(nested, path, opts, out);
  const name = attr(el, 'name') ?? '(no name)';
  const elements = children(el, 'testcase');
  take(opts, elements.length);
  const cases: CaseResult[] = elements.map((tc) => parseCase(tc, name, opts.stdioRetention));
  // A suite-level <error>: the test class could not be loaded (junit-noframes.xsl).
  const classError = first(el.error);
  if (classError !== undefined) {
    take(opts, 1);
    cases.push({ className: '<init>', testName: name, duration: 0, skipped: false, errorStackTrace: textOf(classError), ...optional('errorDetails', attr(classError, 'message')), failedSince: 0 });
  }
  const time = attr(el, 'time');
  const duration = time === undefined ? cases.reduce((sum, c) => sum + c.duration, 0) : parseDuration(time);
  out.push({
    file: path,
    name,
    ...optional('id', attr(el, 'id')),
    ...optional('timestamp', attr(el, 'timestamp')),
    ...optional('stdout', stdio(cases, opts.stdioRetention, elementText(el, 'system-out'))),
    ...optional('stderr', stdio(cases, opts.stdioRetention, elementText(el, 'system-err'))),
    duration,
    cases,
  });
}

function parseCase(el: Node, suiteName: string, retention: StdioRetention): CaseResult {
  let testName = attr(el, 'name') ?? '';
  let className = attr(el, 'classname');
  // Some tools leave out classname and give the qualified name in name.
  if (className === undefined && testName.includes('.')) {
    className = testName.slice(0, testName.lastIndexOf('.'));
    testName = testName.slice(testName.lastIndexOf('.') + 1);
  }
  const problem = first(el.error) ?? first(el.failure);
  const skippedEl = first(el.skipped);
  const errorStackTrace = problem === undefined ? undefined : textOf(problem);
  const c = {
    className: className ?? suiteName,
    testName,
    duration: parseDuration(attr(el, 'time') ?? '0'),
    skipped: skippedEl !== undefined,
    ...optional('skippedMessage', skippedEl === undefined ? undefined : (attr(skippedEl, 'message') ?? textOf(skippedEl))),
    ...optional('errorStackTrace', errorStackTrace),
    ...optional('errorDetails', problem === undefined ? undefined : attr(problem, 'message')),
    failedSince: 0,
  };
  const self = [c];
  return {
    ...c,
    ...optional('stdout', stdio(self, retention, elementText(el, 'system-out'))),
    ...optional('stderr', stdio(self, retention, elementText(el, 'system-err'))),
  };
}

/**
 * Standard output or error as kept (CaseResult.possiblyTrimStdio): whole with ALL, or FAILED
 * and a failing case among `cases`; else longer text keeps its first and last 500 characters
 * (50,000 when a case failed) around a line saying how many were cut. NULs become `^@`.
 */
export function stdio(cases: readonly Pick<CaseResult, 'errorStackTrace'>[], retention: StdioRetention, text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const failing = cases.some((c) => c.errorStackTrace !== undefined);
  let kept = text;
  if (!(retention === 'ALL' || (retention === 'FAILED' && failing))) {
    const half = failing ? HALF_MAX_FAILING_SIZE : HALF_MAX_SIZE;
    const middle = text.length - half * 2;
    if (middle > 0) kept = `${wholeSurrogates(text.slice(0, half))}\n...[truncated ${middle} chars]...\n${wholeSurrogates(text.slice(text.length - half))}`;
  }
  return kept.replaceAll('\u0000', '^@');
}

/** Drops a surrogate cut from its pair at either end of a slice. */
function wholeSurrogates(s: string): string {
  let out = s;
  if (/^[\uDC00-\uDFFF]/.test(out)) out = out.slice(1);
  if (/[\uD800-\uDBFF]$/.test(out)) out = out.slice(0, -1);
  return out;
}

/** Seconds from a `time` attribute (`1,234.5` too); 0 when it is not a number; at most a year. */
export function parseDuration(text: string): number {
  const value = Number.parseFloat(text.replaceAll(',', ''));
  if (!Number.isFinite(value)) return 0;
  return Math.min(365 * 24 * 60 * 60, Math.max(0, value));
}
