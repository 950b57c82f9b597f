import { configInvalid, readBoolean, type XmlElementHandle } from '../../xml/index.js';

/** The element a job's `<publishers>` holds for "Publish JUnit test result report" (the junit plugin). */
export const JUNIT_RESULT_ARCHIVER = 'hudson.tasks.junit.JUnitResultArchiver';

/**
 * How much of a test's standard output and error is kept (the junit plugin's StdioRetention):
 * `ALL`, of failed tests only (`FAILED`), or `NONE`, where long output is cut to its first and
 * last 500 characters (50,000 for a failing test).
 */
export type StdioRetention = 'ALL' | 'FAILED' | 'NONE';

/** `hudson.tasks.junit.JUnitResultArchiver`. */
export interface JUnitResultArchiverStep {
  /** Comma-separated Ant patterns of report files in the workspace. */
  readonly testResults: string;
  readonly stdioRetention: StdioRetention;
  readonly keepProperties: boolean;
  readonly keepTestNames: boolean;
  /** How much a failing test lowers the job's health (1.0: 10 % failing is 90 % healthy). */
  readonly healthScaleFactor: number;
  /** No report file, or reports without a test, leaves the result as it is instead of failing it. */
  readonly allowEmptyResults: boolean;
  readonly skipPublishingChecks: boolean;
  /** Failing tests leave the result as it is instead of making it UNSTABLE. */
  readonly skipMarkingBuildUnstable: boolean;
  readonly skipOldReports: boolean;
  /** The element names of `<testDataPublishers>` (attachments, test stability...). */
  readonly testDataPublishers: readonly string[];
}

const RETENTIONS: ReadonlySet<string> = new Set(['ALL', 'FAILED', 'NONE']);

/**
 * Reads the archiver as the junit plugin writes it: `<stdioRetention>` (1.60 and later; any
 * case, as the plugin parses it) or the older `<keepLongStdio>` (true is ALL).
 */
export function parseJUnitResultArchiver(el: XmlElementHandle): JUnitResultArchiverStep {
  const results = el.child('testResults');
  const testResults = results?.text().trim() ?? '';
  if (testResults === '') throw configInvalid(results ?? el, results?.path ?? el.childPath('testResults'), 'names no test report files');
  return {
    testResults,
    stdioRetention: readRetention(el),
    keepProperties: readBoolean(el, 'keepProperties', false),
    keepTestNames: readBoolean(el, 'keepTestNames', false),
    healthScaleFactor: readScaleFactor(el),
    allowEmptyResults: readBoolean(el, 'allowEmptyResults', false),
    skipPublishingChecks: readBoolean(el, 'skipPublishingChecks', false),
    skipMarkingBuildUnstable: readBoolean(el, 'skipMarkingBuildUnstable', false),
    skipOldReports: readBoolean(el, 'skipOldReports', false),
    testDataPublishers: el.child('testDataPublishers')?.children().map((p) => p.name) ?? [],
  };
}

function readRetention(el: XmlElementHandle): StdioRetention {
  const retention = el.child('stdioRetention');
  const text = retention?.text().trim().toUpperCase() ?? '';
  if (retention === undefined || text === '') return readBoolean(el, 'keepLongStdio', false) ? 'ALL' : 'NONE';
  if (!RETENTIONS.has(text)) throw configInvalid(retention, retention.path, `expected ALL, FAILED or NONE, got ${JSON.stringify(retention.text().trim())}`);
  return text as StdioRetention;
}

function readScaleFactor(el: XmlElementHandle): number {
  const factor = el.child('healthScaleFactor');
  const text = factor?.text().trim() ?? '';
  if (factor === undefined || text === '') return 1;
  const value = /^[0-9]*\.?[0-9]+([eE][+-]?[0-9]+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(value)) throw configInvalid(factor, factor.path, `expected a number of 0 or more, got ${JSON.stringify(text)}`);
  return value;
}
