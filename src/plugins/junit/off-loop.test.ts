import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isStewardError } from '../../errors/index.js';
import { serializeTestResult } from './junit-result-file.js';
import { REPORT_ON_LOOP_BYTES, RESULT_ON_LOOP_CHARS, parseReportOffLoop, parseTestResultOffLoop } from './off-loop.js';
import { parseReport, type ReadOptions } from './report-parser.js';
import { markFailedSince } from './test-result.js';

/** A Surefire report of `n` cases, every tenth failing with a stack trace. */
function bigReport(n: number): Buffer {
  let x = '<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="com.example.BigTest" time="20">\n';
  for (let i = 0; i < n; i++) {
    x += i % 10 === 3
      ? `<testcase classname="com.example.BigTest" name="case ${i}" time="0.001"><failure message="boom &amp; more">${'\tat com.example.Big.run(Big.java:1)\n'.repeat(10)}</failure></testcase>\n`
      : `<testcase classname="com.example.BigTest" name="case ${i}" time="0.001"/>\n`;
  }
  return Buffer.from(`${x}</testsuite>\n`);
}

const options = (casesLeft = 1_000_000): ReadOptions => ({ stdioRetention: 'NONE', maxCases: 1_000_000, casesLeft });

describe('reading large reports and results off the event loop', () => {
  it('reads a large report on a worker thread as it is read in place, counting its cases, while timers run', async () => {
    const bytes = bigReport(20_000);
    assert.ok(bytes.length > REPORT_ON_LOOP_BYTES);
    const inPlace = options();
    const expected = parseReport(bytes, '/ws/big.xml', inPlace);
    const offLoop = options();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      assert.deepEqual(await parseReportOffLoop(bytes, '/ws/big.xml', offLoop), expected);
    } finally {
      clearInterval(timer);
    }
    assert.equal(offLoop.casesLeft, inPlace.casesLeft);
    assert.ok(ticks > 0, 'the event loop ran timers while the report was read');
  });

  it('says on the calling side what a worker refused', async () => {
    await assert.rejects(parseReportOffLoop(bigReport(20_000), '/ws/big.xml', { ...options(10), maxCases: 10 }), (e: unknown) => isStewardError(e, 'STW_REQUEST_TOO_LARGE') && /more than 10 test cases/.test(e.message));
    const broken = `<result>${' '.repeat(RESULT_ON_LOOP_CHARS)}<suites></result>`;
    await assert.rejects(parseTestResultOffLoop(broken, 'jobs/j/builds/1/junitResult.xml'), (e: unknown) => isStewardError(e, 'STW_CONFIG_INVALID') && e.message.startsWith('jobs/j/builds/1/junitResult.xml:1: </result> closes <suites>'));
  });

  it('reads a large junitResult.xml on a worker thread as it is read in place', async () => {
    const result = { suites: parseReport(bigReport(20_000), '/ws/big.xml', options()), duration: 20 };
    markFailedSince(result, 4, undefined);
    const text = serializeTestResult(result, { stdioRetention: 'NONE', skipOldReports: false });
    assert.ok(text.length > RESULT_ON_LOOP_CHARS);
    assert.deepEqual(await parseTestResultOffLoop(text, 'junitResult.xml'), result);
  });
});
