import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isStewardError } from '../../errors/index.js';
import { parseReport, type ReadOptions } from './report-parser.js';
import { countsOf, type SuiteResult } from './test-result.js';

const report = (name: string): Buffer => readFileSync(new URL(`./fixtures/reports/${name}`, import.meta.url));
const options = (o: Partial<ReadOptions> = {}): ReadOptions => ({ stdioRetention: 'NONE', maxCases: 1000, casesLeft: 1000, ...o });
const read = (name: string, o?: Partial<ReadOptions>): SuiteResult[] => parseReport(report(name), `/srv/ws/${name}`, options(o));
const counts = (suites: SuiteResult[]) => countsOf({ suites, duration: 0 });
const summary = (suites: SuiteResult[]) =>
  suites.map((s) => [s.name, s.duration, s.cases.map((c) => [c.className, c.testName, c.duration, c.skipped ? 'skipped' : c.errorStackTrace === undefined ? 'passed' : 'failed'])]);

describe('JUnit XML reports', () => {
  it('reads go-junit-report: suites per package, a failure in CDATA, skipped tests with their message', () => {
    const suites = read('001-go-junit-report.xml');
    assert.deepEqual(summary(suites), [
      ['package/pass', 0.16, [['package/pass', 'TestPass', 0.06, 'passed'], ['package/pass', 'TestPassLog', 0.1, 'passed']]],
      ['package/fail', 0.151, [['package/fail', 'TestOne', 0.151, 'failed']]],
      ['package/skip', 0.15, [['package/skip', 'TestSkip', 0.02, 'skipped'], ['package/skip', 'TestSkipNow', 0.13, 'skipped']]],
    ]);
    const failing = suites[1]?.cases[0];
    assert.equal(failing?.errorDetails, 'Failed');
    assert.equal(failing?.errorStackTrace, '    fail_test.go:6: Error message\n    fail_test.go:7: Longer\n        error\n        message.');
    assert.equal(suites[2]?.cases[0]?.skippedMessage, 'Skipped');
    assert.equal(suites[0]?.file, '/srv/ws/001-go-junit-report.xml');
    assert.equal(suites[0]?.timestamp, '2022-01-01T00:00:00Z');
    assert.deepEqual(counts(suites), { failCount: 1, skipCount: 2, passCount: 2, totalCount: 5 });
  });

  it('reads pytest --junitxml: failure, error in a fixture, skip reason, captured output', () => {
    const suites = read('pytest.xml');
    assert.deepEqual(
      summary(suites).map(([name, , cases]) => [name, cases]),
      [['pytest', [['test_shop', 'test_total', 0.001, 'passed'], ['test_shop', 'test_discount', 0.001, 'failed'], ['test_shop', 'test_payment', 0, 'skipped'], ['test_shop', 'test_orders', 0, 'failed']]]],
    );
    const [total, discount, payment, orders] = suites[0]?.cases ?? [];
    assert.equal(discount?.errorDetails, 'assert (10 * 0.9) == 8');
    assert.match(discount?.errorStackTrace ?? '', /^> {7}assert 10 \* 0\.9 == 8$/m);
    assert.equal(orders?.errorDetails, 'failed on setup with "ConnectionError: database is not reachable"');
    assert.equal(payment?.skippedMessage, 'the payment sandbox is down');
    assert.match(discount?.stderr ?? '', /^stderr line$/m);
    // A passing test's long output keeps its first and last 500 characters, as Jenkins keeps it.
    const out = total?.stdout ?? '';
    assert.match(out, /\n\.\.\.\[truncated \d+ chars\]\.\.\.\n/);
    assert.equal(out.split(/\n\.\.\.\[truncated \d+ chars\]\.\.\.\n/).map((part) => part.length).join(','), '500,500');
    // A failing test's 3,000 characters are kept whole (up to 100,000).
    assert.match(discount?.stdout ?? '', /x{3000}/);
    assert.deepEqual(counts(suites), { failCount: 2, skipCount: 1, passCount: 1, totalCount: 4 });
  });

  it('keeps all output with ALL, and a failing test\'s only with FAILED', () => {
    assert.match(read('pytest.xml', { stdioRetention: 'ALL' })[0]?.cases[0]?.stdout ?? '', /^(0123456789){200}$/m);
    assert.match(read('pytest.xml', { stdioRetention: 'FAILED' })[0]?.cases[0]?.stdout ?? '', /truncated/);
  });

  it('reads jest-junit (non-ASCII names) and Ant\'s junitreport aggregate with suite ids and empty output', () => {
    assert.deepEqual(summary(read('jest-junit.xml')), [['addition', 0.162, [['addition › positive numbers should add up', 'addition › positive numbers should add up', 0.004, 'passed']]]]);
    const ant = read('TESTS-TestSuites.xml');
    assert.deepEqual(summary(ant), [
      ['TestMessage', 0.063, [['com.sample.test.TestMessage', 'test_welcome_message', 0.002, 'passed']]],
      ['TestMessage2', 0.06, [['com.sample.test.TestMessage2', 'test_welcome_message_2', 0.001, 'passed'], ['com.sample.test.TestMessage2', 'test_welcome_message_3', 0.003, 'passed']]],
    ]);
    assert.deepEqual([ant[1]?.id, ant[1]?.stdout], ['1', '']);
  });

  it('decodes character references in an error message, once', () => {
    const c = read('cucumber-error.xml')[0]?.cases[0];
    assert.equal(c?.errorDetails, 'RuntimeException; nested exception is: \n\tjava.lang.IllegalArgumentException: id to load is required for loading');
    assert.equal(c?.errorStackTrace?.trim(), 'java.rmi.ServerException: RuntimeException');
    const twice = parseReport(Buffer.from('<testsuite name="s"><testcase name="t"><failure message="&amp;#10; &lt;x&gt;">a &amp;lt; b</failure></testcase></testsuite>'), 'r.xml', options()).at(0)?.cases[0];
    assert.deepEqual([twice?.errorDetails, twice?.errorStackTrace], ['&#10; <x>', 'a &lt; b']);
  });

  it('reads a report in the encoding it declares, and nested suites, a class that failed to load and a name with its class', () => {
    const latin1 = Buffer.concat([Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><testsuite name="caf'), Buffer.from([0xe9]), Buffer.from('"><testcase name="t"/></testsuite>')]);
    assert.equal(parseReport(latin1, 'r.xml', options())[0]?.name, 'café');
    const nested = parseReport(
      Buffer.from('<testrun><testsuite name="outer"><testsuite name="inner"><testcase name="com.example.A.works" time="1,200.5"/></testsuite></testsuite><error message="no class">NoClassDefFoundError</error></testrun>'),
      'r.xml',
      options(),
    );
    assert.deepEqual(summary(nested), [
      ['inner', 1200.5, [['com.example.A', 'works', 1200.5, 'passed']]],
      ['outer', 0, []],
      ['(no name)', 0, [['<init>', '(no name)', 0, 'failed']]],
    ]);
  });

  it('turns an empty, malformed or DOCTYPE report into a failing case naming the file, as Jenkins does', () => {
    const empty = parseReport(Buffer.alloc(0), '/srv/ws/out/TEST-a.xml', options());
    assert.deepEqual(summary(empty), [['TEST-a.xml', 0, [['TEST-a.xml', '[empty]', 0, 'failed']]]]);
    assert.equal(empty[0]?.cases[0]?.errorStackTrace, 'Test report file /srv/ws/out/TEST-a.xml was length 0');
    const broken = parseReport(Buffer.from('<testsuite><testcase name="a"></testsuite>'), '/srv/ws/b.xml', options());
    assert.match(broken[0]?.cases[0]?.errorStackTrace ?? '', /^Failed to read test report file \/srv\/ws\/b\.xml\nline 1, column \d+: /);
    const doctype = parseReport(Buffer.from('<?xml version="1.0"?>\n<!-- x -->\n<!DOCTYPE t [<!ENTITY a "aaaa">]><testsuite name="&a;"/>'), '/srv/ws/d.xml', options());
    assert.equal(doctype[0]?.cases[0]?.errorStackTrace, 'Failed to read test report file /srv/ws/d.xml\na report with a DOCTYPE is not read');
  });

  it('refuses more test cases than the limit', () => {
    const many = Buffer.from(`<testsuite name="s">${'<testcase name="t"/>'.repeat(11)}</testsuite>`);
    assert.throws(
      () => parseReport(many, 'r.xml', options({ maxCases: 10, casesLeft: 10 })),
      (err: unknown) => isStewardError(err, 'STW_REQUEST_TOO_LARGE') && /more than 10 test cases/.test(err.message),
    );
  });
});
