/**
 * A build's test results as the junit plugin records them (hudson.tasks.junit.TestResult,
 * SuiteResult, CaseResult): what junitResult.xml holds and the test report answers.
 */

/** One test case (hudson.tasks.junit.CaseResult). */
export interface CaseResult {
  readonly className: string;
  readonly testName: string;
  /** Seconds. */
  readonly duration: number;
  readonly skipped: boolean;
  readonly skippedMessage?: string;
  /** The text of its `<error>` or `<failure>`: set (maybe empty) when the test did not pass. */
  readonly errorStackTrace?: string;
  /** The `message` of its `<error>` or `<failure>`. */
  readonly errorDetails?: string;
  readonly stdout?: string;
  readonly stderr?: string;
  /** The build since which it fails without a pass between; 0 for a case that did not fail. */
  failedSince: number;
}

/** One test suite (hudson.tasks.junit.SuiteResult). */
export interface SuiteResult {
  /** The report file it was read from, as a path on the build's node. */
  readonly file: string;
  readonly name: string;
  readonly id?: string;
  readonly timestamp?: string;
  readonly stdout?: string;
  readonly stderr?: string;
  /** Seconds. */
  readonly duration: number;
  readonly cases: CaseResult[];
}

/** A build's test results (hudson.tasks.junit.TestResult). */
export interface TestResult {
  readonly suites: SuiteResult[];
  /** Seconds. */
  readonly duration: number;
}

export type CaseStatus = 'PASSED' | 'SKIPPED' | 'FAILED' | 'FIXED' | 'REGRESSION';

export function isPassed(c: CaseResult): boolean {
  return !c.skipped && c.errorDetails === undefined && c.errorStackTrace === undefined;
}

export function isFailed(c: CaseResult): boolean {
  return !c.skipped && !isPassed(c);
}

export interface TestCounts {
  readonly failCount: number;
  readonly skipCount: number;
  readonly passCount: number;
  readonly totalCount: number;
}

export function countsOf(result: TestResult): TestCounts {
  let failCount = 0;
  let skipCount = 0;
  let totalCount = 0;
  for (const suite of result.suites) {
    for (const c of suite.cases) {
      totalCount++;
      if (c.skipped) skipCount++;
      else if (!isPassed(c)) failCount++;
    }
  }
  return { failCount, skipCount, passCount: totalCount - failCount - skipCount, totalCount };
}

/** How a case is looked up in another build's results: suite, class and test name. */
export function caseKey(suite: string, c: CaseResult): string {
  return `${suite}\u0000${c.className}\u0000${c.testName}`;
}

/** Every case of `result` by {@link caseKey}; the first of two cases with one key wins, as in the junit plugin. */
export function casesByKey(result: TestResult): Map<string, CaseResult> {
  const out = new Map<string, CaseResult>();
  for (const suite of result.suites) {
    for (const c of suite.cases) {
      const key = caseKey(suite.name, c);
      if (!out.has(key)) out.set(key, c);
    }
  }
  return out;
}

/**
 * Sets each failing case's failedSince from the previous build's result (CaseResult.freeze): a
 * case that failed there too has failed since the build it named, any other since `build`.
 */
export function markFailedSince(result: TestResult, build: number, previous: TestResult | undefined): void {
  const before = previous === undefined ? undefined : casesByKey(previous);
  for (const suite of result.suites) {
    for (const c of suite.cases) {
      if (!isFailed(c)) {
        c.failedSince = 0;
        continue;
      }
      const prev = before?.get(caseKey(suite.name, c));
      c.failedSince = prev !== undefined && !isPassed(prev) && prev.failedSince > 0 ? prev.failedSince : build;
    }
  }
}

/** The case's status against the previous build's (CaseResult.getStatus). */
export function statusOf(c: CaseResult, previous: CaseResult | undefined): CaseStatus {
  if (c.skipped) return 'SKIPPED';
  const passed = isPassed(c);
  if (previous === undefined) return passed ? 'PASSED' : 'FAILED';
  if (isPassed(previous)) return passed ? 'PASSED' : 'REGRESSION';
  return passed ? 'FIXED' : 'FAILED';
}

/** `{ key: value }`, or nothing when value is undefined (optional fields under exactOptionalPropertyTypes). */
export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
