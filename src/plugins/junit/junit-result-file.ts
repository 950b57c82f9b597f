import { StewardError } from '../../errors/index.js';
import { JENKINS_XML_DECLARATION, escapeText } from '../../xml/index.js';
import type { StdioRetention } from './config.js';
import { optional, type CaseResult, type SuiteResult, type TestResult } from './test-result.js';
import { decodeReferences } from './xml-nodes.js';

/**
 * `builds/N/junitResult.xml`, where the junit plugin keeps a build's test results (XStream's form
 * of hudson.tasks.junit.TestResult), so that a Jenkins home's results read here and Steward's
 * read in Jenkins.
 */
export const JUNIT_RESULT_FILE = 'junitResult.xml';

/** Java's Float.toString for the durations the plugin writes (`0.0`, `0.016`). */
function javaFloat(n: number): string {
  const rounded = Math.fround(n);
  if (Number.isInteger(rounded)) return `${rounded}.0`;
  // The shortest decimal that reads back as the same float, as Java prints it.
  for (let digits = 1; digits < 10; digits++) {
    const text = rounded.toPrecision(digits);
    if (Math.fround(Number(text)) === rounded) return String(Number(text));
  }
  return String(rounded);
}

function field(out: string[], indent: string, name: string, value: string | undefined): void {
  if (value !== undefined) out.push(`${indent}<${name}>${escapeText(value)}</${name}>`);
}

/** The file's text, laid out as the junit plugin writes it. */
export function serializeTestResult(result: TestResult, settings: { stdioRetention: StdioRetention; skipOldReports: boolean }): string {
  const out: string[] = [JENKINS_XML_DECLARATION, '<result plugin="junit">', '  <suites>'];
  for (const s of result.suites) {
    out.push('    <suite>');
    field(out, '      ', 'file', s.file);
    field(out, '      ', 'name', s.name);
    field(out, '      ', 'stdout', s.stdout);
    field(out, '      ', 'stderr', s.stderr);
    field(out, '      ', 'duration', javaFloat(s.duration));
    field(out, '      ', 'timestamp', s.timestamp);
    field(out, '      ', 'id', s.id);
    out.push('      <enclosingBlocks/>', '      <enclosingBlockNames/>');
    if (s.cases.length === 0) {
      out.push('      <cases/>');
    } else {
      out.push('      <cases>');
      for (const c of s.cases) {
        out.push('        <case>');
        field(out, '          ', 'duration', javaFloat(c.duration));
        field(out, '          ', 'className', c.className);
        field(out, '          ', 'testName', c.testName);
        field(out, '          ', 'skippedMessage', c.skippedMessage);
        field(out, '          ', 'skipped', String(c.skipped));
        field(out, '          ', 'errorStackTrace', c.errorStackTrace);
        field(out, '          ', 'errorDetails', c.errorDetails);
        field(out, '          ', 'stdout', c.stdout);
        field(out, '          ', 'stderr', c.stderr);
        field(out, '          ', 'failedSince', String(c.failedSince));
        out.push('        </case>');
      }
      out.push('      </cases>');
    }
    out.push('    </suite>');
  }
  out.push(
    '  </suites>',
    `  <duration>${javaFloat(result.duration)}</duration>`,
    `  <keepLongStdio>${settings.stdioRetention === 'ALL'}</keepLongStdio>`,
    `  <stdioRetention>${settings.stdioRetention}</stdioRetention>`,
    `  <skipOldReports>${settings.skipOldReports}</skipOldReports>`,
    '</result>',
    '',
  );
  return out.join('\n');
}

/** An element of junitResult.xml: XStream writes elements and text only, no mixed content. */
interface Element {
  readonly name: string;
  readonly children: Element[];
  text: string;
}

/** A tag with attributes, a declaration, a comment or CDATA: the forms the plain scan hands over. */
const TAG = /<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!\[CDATA\[([\s\S]*?)\]\]>/y;
const NAME = /^[A-Za-z_][\w.:-]*$/;

/**
 * Reads the elements and text of a file written by XStream, checking that tags nest. A reader of
 * its own: a general XML parser takes half a second for a result of 10,000 cases, and the test
 * report of a build reads two of them. Plain tags (`<name>`, `</name>`, `<name/>`) are cut out
 * with indexOf; the rest goes through one expression.
 */
function scan(text: string, file: string): Element {
  const stack: Element[] = [];
  let root: Element | undefined;
  let i = 0;
  const fail = (at: number, problem: string): never => {
    let line = 1;
    for (let k = text.indexOf('\n'); k >= 0 && k < at; k = text.indexOf('\n', k + 1)) line++;
    throw new StewardError('STW_CONFIG_INVALID', `${file}:${line}: ${problem}`, { file, line });
  };
  const open = (name: string, at: number, selfClosing: boolean): void => {
    const el: Element = { name, children: [], text: '' };
    const parent = stack.at(-1);
    if (parent !== undefined) parent.children.push(el);
    else if (root === undefined) root = el;
    else fail(at, 'a second root element');
    if (!selfClosing) stack.push(el);
  };
  const close = (name: string, at: number): void => {
    const top = stack.pop();
    if (top?.name !== name) fail(at, `</${name}> closes ${top === undefined ? 'nothing' : `<${top.name}>`}`);
  };
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const end = lt < 0 ? text.length : lt;
    if (end > i) {
      const top = stack.at(-1);
      // Only a leaf's text is kept; what is between child elements is their indentation.
      if (top !== undefined && top.children.length === 0) top.text += decodeReferences(text.slice(i, end));
      else if (top === undefined && text.slice(i, end).trim() !== '') fail(i, 'text outside the root element');
    }
    if (lt < 0) break;
    const gt = text.indexOf('>', lt);
    if (gt < 0) fail(lt, 'a tag that is not closed');
    const inner = text.slice(lt + 1, gt);
    if (inner.startsWith('/') && NAME.test(inner.slice(1))) {
      close(inner.slice(1), lt);
      i = gt + 1;
      continue;
    }
    const selfClosing = inner.endsWith('/');
    const name = selfClosing ? inner.slice(0, -1) : inner;
    if (NAME.test(name)) {
      open(name, lt, selfClosing);
      i = gt + 1;
      continue;
    }
    TAG.lastIndex = lt;
    const m = TAG.exec(text);
    if (m === null) return fail(lt, 'a tag that cannot be read');
    const [all, closing, tagName, , slash, cdata] = m;
    if (cdata !== undefined) {
      const top = stack.at(-1);
      if (top === undefined) fail(lt, 'CDATA outside the root element');
      else top.text += cdata;
    } else if (tagName !== undefined) {
      if (closing === '/') close(tagName, lt);
      else open(tagName, lt, slash === '/');
    }
    i = lt + all.length;
  }
  if (stack.length > 0) fail(text.length, `<${stack.at(-1)?.name ?? ''}> is not closed`);
  return root ?? fail(0, 'no root element');
}

function child(el: Element | undefined, name: string): Element | undefined {
  return el?.children.find((c) => c.name === name);
}

/** A child's text; undefined when there is no such child. */
function textOf(el: Element, name: string): string | undefined {
  return child(el, name)?.text;
}

/**
 * Reads a junitResult.xml written by Steward or by Jenkins. Throws STW_CONFIG_INVALID naming
 * `file` and the line when it is not such a file.
 */
export function parseTestResult(text: string, file: string): TestResult {
  const root = scan(text, file);
  if (root.name !== 'result') throw new StewardError('STW_CONFIG_INVALID', `${file}: not a test result: its root is <${root.name}>, not <result>`, { file });
  const suites: SuiteResult[] = [];
  for (const s of child(root, 'suites')?.children ?? []) {
    if (s.name !== 'suite') continue;
    const cases: CaseResult[] = [];
    for (const c of child(s, 'cases')?.children ?? []) {
      if (c.name !== 'case') continue;
      cases.push({
        className: textOf(c, 'className') ?? '',
        testName: textOf(c, 'testName') ?? '',
        duration: number(textOf(c, 'duration')),
        skipped: textOf(c, 'skipped')?.trim() === 'true',
        ...optional('skippedMessage', textOf(c, 'skippedMessage')),
        ...optional('errorStackTrace', textOf(c, 'errorStackTrace')),
        ...optional('errorDetails', textOf(c, 'errorDetails')),
        ...optional('stdout', textOf(c, 'stdout')),
        ...optional('stderr', textOf(c, 'stderr')),
        failedSince: Math.trunc(number(textOf(c, 'failedSince'))),
      });
    }
    suites.push({
      file: textOf(s, 'file') ?? '',
      name: textOf(s, 'name') ?? '',
      ...optional('id', textOf(s, 'id')),
      ...optional('timestamp', textOf(s, 'timestamp')),
      ...optional('stdout', textOf(s, 'stdout')),
      ...optional('stderr', textOf(s, 'stderr')),
      duration: number(textOf(s, 'duration')),
      cases,
    });
  }
  return { suites, duration: number(textOf(root, 'duration')) };
}

function number(text: string | undefined): number {
  const n = Number(text?.trim() ?? '');
  return Number.isFinite(n) ? n : 0;
}
