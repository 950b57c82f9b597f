import { isStewardError } from '../../errors/index.js';
import type { BuildContext, PublisherDescriptor, Result } from '../../jobs/index.js';
import { antPatterns } from '../artifact-archiver/index.js';
import { JUNIT_RESULT_ARCHIVER, parseJUnitResultArchiver, type JUnitResultArchiverStep } from './config.js';
import { JUNIT_RESULT_FILE, serializeTestResult } from './junit-result-file.js';
import { parseReportOffLoop } from './off-loop.js';
import { REPORT_LIMITS, type ReadOptions, type ReportLimits } from './report-parser.js';
import { TestResultCache } from './result-cache.js';
import { TEST_RESULT_ACTION, previousTestResult, readTestResult, testResultActionSpec } from './test-result-action.js';
import { countsOf, markFailedSince, type SuiteResult, type TestResult } from './test-result.js';

const DISPLAY_NAME = 'Publish JUnit test result report';

/** `${VAR}` and `$VAR` from the build's environment, as Jenkins expands testResults; unknown ones stay. */
function expand(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (all, braced: string | undefined, bare: string | undefined) => env[braced ?? bare ?? ''] ?? all);
}

/**
 * hudson.tasks.junit.JUnitResultArchiver: reads the workspace's JUnit XML reports, records them
 * in the build's junitResult.xml with a TestResultAction in its record, and makes the build
 * UNSTABLE when a test failed. No report, or reports without a test, fail the build unless
 * allowEmptyResults, with Jenkins' words.
 */
export function junitResultArchiver(cache: TestResultCache, limits: ReportLimits = REPORT_LIMITS): PublisherDescriptor {
  return {
    id: JUNIT_RESULT_ARCHIVER,
    displayName: DISPLAY_NAME,
    create(step) {
      const s = parseJUnitResultArchiver(step.element);
      return {
        async perform(ctx, result) {
          if (result === 'ABORTED') return undefined;
          return record(ctx, result, s, cache, limits);
        },
      };
    },
  };
}

/**
 * The suite with the build's secrets masked in every text it holds: tests print what their
 * environment gives them (a bound credential), and the report is answered to whoever reads the job.
 */
function masked(suite: SuiteResult, mask: (text: string) => string): SuiteResult {
  const m = <T extends string | undefined>(text: T): T => (text === undefined ? text : (mask(text) as T));
  return {
    ...suite,
    name: m(suite.name),
    ...(suite.stdout === undefined ? {} : { stdout: m(suite.stdout) }),
    ...(suite.stderr === undefined ? {} : { stderr: m(suite.stderr) }),
    cases: suite.cases.map((c) => ({
      ...c,
      className: m(c.className),
      testName: m(c.testName),
      ...(c.skippedMessage === undefined ? {} : { skippedMessage: m(c.skippedMessage) }),
      ...(c.errorStackTrace === undefined ? {} : { errorStackTrace: m(c.errorStackTrace) }),
      ...(c.errorDetails === undefined ? {} : { errorDetails: m(c.errorDetails) }),
      ...(c.stdout === undefined ? {} : { stdout: m(c.stdout) }),
      ...(c.stderr === undefined ? {} : { stderr: m(c.stderr) }),
    })),
  };
}

function failed(ctx: BuildContext, message: string): Result {
  ctx.log(`ERROR: Step ‘${DISPLAY_NAME}’ failed: ${message}`);
  return 'FAILURE';
}

async function record(ctx: BuildContext, buildResult: Result, s: JUnitResultArchiverStep, cache: TestResultCache, limits: ReportLimits): Promise<Result | undefined> {
  ctx.log('Recording test results');
  for (const p of s.testDataPublishers) ctx.log(`WARNING: test data publisher ${p} is not supported by this controller; the test results are recorded without it`);
  if (s.skipOldReports) ctx.log('WARNING: skipOldReports is not supported by this controller; every matching report is read');
  const files = await ctx.listFiles(antPatterns(expand(s.testResults, ctx.env)), []);
  if (files.length === 0 && !s.allowEmptyResults) return failed(ctx, 'No test report files were found. Configuration error?');

  // A second archiver in the job adds to what the first recorded, as in Jenkins.
  const earlier = (ctx.run.record.actions ?? []).some((a) => a.name === TEST_RESULT_ACTION) ? (await readTestResult(ctx.run, cache))?.result : undefined;
  const alreadyRecorded = earlier === undefined ? 0 : countsOf(earlier).totalCount;
  const opts: ReadOptions = { stdioRetention: s.stdioRetention, maxCases: limits.maxCases, casesLeft: limits.maxCases - alreadyRecorded };
  const suites: SuiteResult[] = [...(earlier?.suites ?? [])];
  let bytes = 0;
  for (const file of files) {
    const read = await ctx.readWorkspaceFile(file, limits.maxFileBytes);
    if (!read.read) {
      if (read.tooLarge) return failed(ctx, `the test report ${file} is not read: ${read.skipped}`);
      ctx.log(`WARNING: skipped ${file}: ${read.skipped}`);
      continue;
    }
    bytes += read.bytes.length;
    if (bytes > limits.maxTotalBytes) return failed(ctx, `the test reports are larger than ${limits.maxTotalBytes / 1024 / 1024} MiB in all; ${file} and those after it are not read`);
    try {
      const parsed = await parseReportOffLoop(read.bytes, `${ctx.workspace}/${file}`, opts);
      for (const suite of parsed) suites.push(masked(suite, (text) => ctx.maskSecrets(text)));
    } catch (err) {
      if (isStewardError(err, 'STW_REQUEST_TOO_LARGE')) return failed(ctx, err.message);
      throw err;
    }
  }
  const result: TestResult = { suites, duration: suites.reduce((sum, suite) => sum + suite.duration, 0) };
  const counts = countsOf(result);
  if (counts.totalCount === 0) {
    // Most likely the build failed before its tests ran: no confusing message.
    if (buildResult === 'FAILURE') return undefined;
    if (s.allowEmptyResults) {
      ctx.log('None of the test reports contained any result');
      return undefined;
    }
    return failed(ctx, 'None of the test reports contained any result');
  }
  markFailedSince(result, ctx.buildNumber, (await previousTestResult(ctx.run, cache))?.result);
  const text = serializeTestResult(result, s);
  await ctx.writeBuildFile(JUNIT_RESULT_FILE, text);
  cache.set(TestResultCache.key(ctx.jobName, ctx.buildNumber, ctx.run.record.startTime), result, text.length);
  ctx.addAction(testResultActionSpec(counts, s.healthScaleFactor));
  if (counts.failCount === 0 || s.skipMarkingBuildUnstable) return undefined;
  if (buildResult === 'SUCCESS') ctx.log(`Build step '${DISPLAY_NAME}' changed build result to UNSTABLE`);
  return 'UNSTABLE';
}
