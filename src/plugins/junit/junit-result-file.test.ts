import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isStewardError } from '../../errors/index.js';
import { parseTestResult, serializeTestResult } from './junit-result-file.js';
import { parseReport } from './report-parser.js';
import { countsOf, markFailedSince, type TestResult } from './test-result.js';

const fixture = (path: string): string => readFileSync(new URL(`./fixtures/${path}`, import.meta.url), 'utf8');

describe('junitResult.xml', () => {
  it('reads the file Jenkins wrote, control characters included', () => {
    const result = parseTestResult(fixture('jenkins-home/junitResult.xml'), 'jobs/p/builds/1/junitResult.xml');
    assert.deepEqual(result, {
      duration: 0,
      suites: [
        {
          file: '…/workspace/p/TEST-x.xml',
          name: 'x',
          stdout: 'foo\u0000bar',
          duration: 0,
          cases: [{ className: 'X', testName: 'x', duration: 0, skipped: false, errorStackTrace: 'xxx', errorDetails: 'x', failedSince: 0 }],
        },
      ],
    });
    assert.deepEqual(countsOf(result), { failCount: 1, skipCount: 0, passCount: 0, totalCount: 1 });
  });

  it('writes what it reads back, laid out as the junit plugin writes it', () => {
    const suites = parseReport(Buffer.from(fixture('reports/pytest.xml')), '/srv/ws/pytest.xml', { stdioRetention: 'NONE', maxCases: 100, casesLeft: 100 });
    const result: TestResult = { suites, duration: 0.039 };
    markFailedSince(result, 7, undefined);
    const text = serializeTestResult(result, { stdioRetention: 'NONE', skipOldReports: false });
    assert.deepEqual(parseTestResult(text, 'junitResult.xml'), result);
    assert.match(text, /^<\?xml version='1\.1' encoding='UTF-8'\?>\n<result plugin="junit">\n {2}<suites>\n {4}<suite>\n {6}<file>\/srv\/ws\/pytest\.xml<\/file>\n {6}<name>pytest<\/name>/);
    assert.match(text, /<case>\n {10}<duration>0\.001<\/duration>\n {10}<className>test_shop<\/className>\n {10}<testName>test_discount<\/testName>\n {10}<skipped>false<\/skipped>\n {10}<errorStackTrace>def test_discount\(\):/);
    assert.match(text, /<failedSince>7<\/failedSince>/);
    assert.match(text, /\n {2}<duration>0\.039<\/duration>\n {2}<keepLongStdio>false<\/keepLongStdio>\n/);
  });

  it('writes control characters from a test\'s output as references, and reads them back', () => {
    const result: TestResult = { duration: 1, suites: [{ file: 'f', name: 's', duration: 1, stdout: '\u001b[31mred\u001b[0m <b> & "q"', cases: [] }] };
    const text = serializeTestResult(result, { stdioRetention: 'ALL', skipOldReports: false });
    assert.match(text, /<stdout>&#x1b;\[31mred&#x1b;\[0m &lt;b&gt; &amp; &quot;q&quot;<\/stdout>/);
    assert.deepEqual(parseTestResult(text, 'f'), result);
  });

  it('refuses a file that is not a test result, naming it', () => {
    assert.throws(() => parseTestResult('<result><suites>', 'jobs/p/builds/2/junitResult.xml'), (e: unknown) => isStewardError(e, 'STW_CONFIG_INVALID') && e.message.startsWith('jobs/p/builds/2/junitResult.xml:1:'));
    assert.throws(() => parseTestResult('<build/>', 'jobs/p/builds/2/junitResult.xml'), /not a test result/);
  });
});
