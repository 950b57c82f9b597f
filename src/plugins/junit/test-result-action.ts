import type { RunActionDescriptor, RunView } from '../../jobs/index.js';
import type { XmlSpec } from '../../xml/index.js';
import { JUNIT_RESULT_FILE } from './junit-result-file.js';
import { parseTestResultOffLoop } from './off-loop.js';
import { TestResultCache } from './result-cache.js';
import { casesByKey, caseKey, countsOf, isPassed, statusOf, type TestCounts, type TestResult } from './test-result.js';

/** The element build.xml holds for a build's test results (hudson.tasks.junit.TestResultAction). */
export const TEST_RESULT_ACTION = 'hudson.tasks.junit.TestResultAction';

/**
 * The largest junitResult.xml read: what the bounded reports of one build can make, with room for
 * a second archiver's.
 */
export const MAX_RESULT_FILE_BYTES = 512 * 1024 * 1024;

/** The action's element, as the junit plugin writes it into build.xml. */
export function testResultActionSpec(counts: TestCounts, healthScaleFactor: number): XmlSpec {
  return {
    name: TEST_RESULT_ACTION,
    children: [
      { name: 'descriptions', attributes: { class: 'concurrent-hash-map' } },
      { name: 'failCount', text: String(counts.failCount) },
      { name: 'skipCount', text: String(counts.skipCount) },
      { name: 'totalCount', text: String(counts.totalCount) },
      { name: 'healthScaleFactor', text: Number.isInteger(healthScaleFactor) ? `${healthScaleFactor}.0` : String(healthScaleFactor) },
      { name: 'testData' },
    ],
  };
}

function count(action: XmlSpec, name: string): number {
  const n = Number(action.children?.find((c) => c.name === name)?.text?.trim() ?? '0');
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}

/**
 * A build's results from its junitResult.xml, or the cache, with the characters of that file;
 * undefined when the file is gone.
 */
export async function readTestResult(run: RunView, cache: TestResultCache): Promise<{ result: TestResult; weight: number } | undefined> {
  const key = keyOf(run);
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const text = await run.readFile(JUNIT_RESULT_FILE, MAX_RESULT_FILE_BYTES);
  if (text === undefined) return undefined;
  const result = await parseTestResultOffLoop(text, `jobs/${run.job}/builds/${run.record.number}/${JUNIT_RESULT_FILE}`);
  cache.set(key, result, text.length);
  return { result, weight: text.length };
}

/** The newest earlier build that recorded test results (AbstractTestResultAction.getPreviousResult). */
async function previousRun(run: RunView): Promise<RunView | undefined> {
  for await (const earlier of run.previous()) {
    if ((earlier.record.actions ?? []).some((a) => a.name === TEST_RESULT_ACTION)) return earlier;
  }
  return undefined;
}

/** The results of the newest earlier build that recorded some. */
export async function previousTestResult(run: RunView, cache: TestResultCache): Promise<{ result: TestResult; weight: number } | undefined> {
  const earlier = await previousRun(run);
  return earlier === undefined ? undefined : readTestResult(earlier, cache);
}

const keyOf = (run: RunView): string => TestResultCache.key(run.job, run.record.number, run.record.startTime);

/** Jenkins' float for a duration in seconds, as its JSON writes it (no more digits than the file's). */
function seconds(n: number): number {
  return Number(Math.fround(n).toPrecision(7));
}

/**
 * /job/NAME/N/testReport/api/json in the junit plugin's shape (hudson.tasks.junit.TestResult,
 * its suites and cases with every exported field), the status and age of each case taken
 * against the previous build's results.
 */
export function testReportJson(result: TestResult, build: number, previous: TestResult | undefined): Record<string, unknown> {
  const counts = countsOf(result);
  const before = previous === undefined ? undefined : casesByKey(previous);
  return {
    _class: 'hudson.tasks.junit.TestResult',
    testActions: [],
    duration: seconds(result.duration),
    empty: counts.totalCount === 0,
    failCount: counts.failCount,
    passCount: counts.passCount,
    skipCount: counts.skipCount,
    suites: result.suites.map((s) => ({
      cases: s.cases.map((c) => ({
        testActions: [],
        age: isPassed(c) || c.skipped || c.failedSince <= 0 ? 0 : build - c.failedSince + 1,
        className: c.className,
        duration: seconds(c.duration),
        errorDetails: c.errorDetails ?? null,
        errorStackTrace: c.errorStackTrace ?? null,
        failedSince: c.failedSince,
        name: c.testName === '' ? '(?)' : c.testName,
        skipped: c.skipped,
        skippedMessage: c.skippedMessage ?? null,
        status: statusOf(c, before?.get(caseKey(s.name, c))),
        stderr: c.stderr ?? null,
        stdout: c.stdout ?? null,
      })),
      duration: seconds(s.duration),
      enclosingBlockNames: [],
      enclosingBlocks: [],
      id: s.id ?? null,
      name: s.name,
      nodeId: null,
      stderr: s.stderr ?? null,
      stdout: s.stdout ?? null,
      timestamp: s.timestamp ?? null,
    })),
  };
}

/** The build's test report: its summary in the build's actions, and /job/NAME/N/testReport/api/json. */
export function testResultAction(cache: TestResultCache): RunActionDescriptor {
  return {
    id: TEST_RESULT_ACTION,
    displayName: 'Test Result',
    urlName: 'testReport',
    summary: (action) => ({
      _class: TEST_RESULT_ACTION,
      failCount: count(action, 'failCount'),
      skipCount: count(action, 'skipCount'),
      totalCount: count(action, 'totalCount'),
      urlName: 'testReport',
    }),
    async api(_action, run) {
      const earlier = await previousRun(run);
      // The report of a build changes only with the build it is compared with.
      const key = `${keyOf(run)}\u0001${earlier === undefined ? '' : keyOf(earlier)}`;
      const known = cache.reports.get(key);
      if (known !== undefined) return known;
      const read = await readTestResult(run, cache);
      if (read === undefined) return undefined;
      const report = testReportJson(read.result, run.record.number, earlier === undefined ? undefined : (await readTestResult(earlier, cache))?.result);
      cache.reports.set(key, report, read.weight);
      return report;
    },
  };
}
