/**
 * What the JUnit publisher and the test report cost on a report of 10,000 test cases (100 Surefire
 * files of 100 cases, 2 % failing with a 40-line stack trace and their output, 1 % skipped), on a
 * real controller:
 * - recording: a build whose shell step copies the reports into the workspace and whose
 *   publisher records them, against the same build without the publisher (the difference of their
 *   durations, median of the rounds);
 * - the report: GET /job/NAME/N/testReport/api/json, the first request after a restart (the
 *   results read from junitResult.xml, the build's and the previous build's) and then again
 *   (p50, p90), whole and with a tree of the counts.
 *
 *   npm run build && node --import tsx bench/junit-report.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Controller, QUICK, freestyleXml, machineLine, ms, scratchDir, summary } from './lib.js';

const RECORD_GOAL_MS = 1000;
const API_GOAL_MS = 50;
const FILES = 100;
const CASES_PER_FILE = 100;
const ROUNDS = QUICK ? 2 : 5;
const REQUESTS = QUICK ? 10 : 50;

function surefireReport(f: number): string {
  const cls = `com.example.module${f}.ServiceTest`;
  let x = `<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="${cls}" time="1.5" tests="${CASES_PER_FILE}" failures="2" errors="0" skipped="1">\n`;
  for (let c = 0; c < CASES_PER_FILE; c++) {
    const name = `handles request ${c} of module ${f}`;
    if (c % 50 === 7) {
      const trace = `\tat com.example.module${f}.Service.call(Service.java:42)\n`.repeat(40);
      x += `  <testcase classname="${cls}" name="${name}" time="0.015"><failure message="expected:&lt;200&gt; but was:&lt;500&gt;" type="java.lang.AssertionError">java.lang.AssertionError: expected:&lt;200&gt; but was:&lt;500&gt;\n${trace}</failure><system-out>${'a line the test logged\n'.repeat(20)}</system-out></testcase>\n`;
    } else if (c === CASES_PER_FILE - 1) {
      x += `  <testcase classname="${cls}" name="${name}" time="0"><skipped message="not on this platform"/></testcase>\n`;
    } else {
      x += `  <testcase classname="${cls}" name="${name}" time="0.015"/>\n`;
    }
  }
  return `${x}</testsuite>\n`;
}

const ARCHIVER = `
  <publishers>
    <hudson.tasks.junit.JUnitResultArchiver plugin="junit@1265.v65b_14fa_f12f0">
      <testResults>reports/*.xml</testResults>
      <keepLongStdio>false</keepLongStdio>
      <healthScaleFactor>1.0</healthScaleFactor>
      <allowEmptyResults>false</allowEmptyResults>
      <skipPublishingChecks>false</skipPublishingChecks>
      <skipMarkingBuildUnstable>false</skipMarkingBuildUnstable>
      <skipOldReports>false</skipOldReports>
    </hudson.tasks.junit.JUnitResultArchiver>
  </publishers>`;

async function timed(c: Controller, p: string): Promise<{ ms: number; bytes: number }> {
  const t0 = performance.now();
  const res = await c.fetch(p);
  const body = await res.arrayBuffer();
  const took = performance.now() - t0;
  if (res.status !== 200) throw new Error(`GET ${p}: ${res.status} ${Buffer.from(body).toString('utf8')}`);
  return { ms: took, bytes: body.byteLength };
}

async function build(c: Controller, job: string): Promise<{ n: number; duration: number; result: string }> {
  const n = await c.buildNumberOf(await c.queueBuild(job));
  const result = await c.waitForResult(job, n);
  const b = await c.json<{ duration: number }>(`job/${job}/${n}/api/json`);
  return { n, duration: b.duration, result };
}

console.log(`junit-report: a report of ${(FILES * CASES_PER_FILE).toLocaleString('en-US')} test cases recorded, and its test report answered`);
console.log(machineLine());
const scratch = scratchDir('junit-report');
const reports = path.join(scratch, 'reports');
mkdirSync(reports, { recursive: true });
let bytes = 0;
for (let f = 0; f < FILES; f++) {
  const text = surefireReport(f);
  bytes += Buffer.byteLength(text);
  writeFileSync(path.join(reports, `TEST-com.example.module${f}.ServiceTest.xml`), text);
}
console.log(`reports: ${FILES} files, ${(bytes / 2 ** 20).toFixed(1)} MiB`);
const home = path.join(scratch, 'home');
const logFile = path.join(scratch, 'steward.log');
let c = await Controller.start(home, { logFile });
try {
  const copy = `rm -rf reports && cp -r '${reports}' reports`;
  await c.createJob('with-junit', freestyleXml({ command: copy }).replace('<publishers/>', ARCHIVER));
  await c.createJob('without', freestyleXml({ command: copy }));
  const withJunit: number[] = [];
  const without: number[] = [];
  let last = 0;
  for (let r = 0; r < ROUNDS; r++) {
    without.push((await build(c, 'without')).duration);
    const b = await build(c, 'with-junit');
    if (b.result !== 'UNSTABLE') throw new Error(`with-junit #${b.n} ended ${b.result}, not UNSTABLE`);
    withJunit.push(b.duration);
    last = b.n;
  }
  const recording = summary(withJunit).p50 - summary(without).p50;
  console.log(`build with the publisher: p50 ${ms(summary(withJunit).p50, 0)} (${withJunit.join(', ')}); without: p50 ${ms(summary(without).p50, 0)} (${without.join(', ')})`);
  console.log(`recording 10,000 cases: ${ms(recording, 0)} (goal < ${RECORD_GOAL_MS} ms)${recording < RECORD_GOAL_MS ? '' : ' NOT MET'}`);

  // A restart empties the controller's cache of results: the first request reads the files.
  await c.stop();
  c = await Controller.start(home, { logFile });
  const report = `job/with-junit/${last}/testReport/api/json`;
  const cold = await timed(c, report);
  console.log(`first request after a restart: ${ms(cold.ms, 0)} (${(cold.bytes / 2 ** 20).toFixed(1)} MiB of JSON)`);
  const whole: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    whole.push((await timed(c, report)).ms);
    counts.push((await timed(c, `${report}?tree=failCount,passCount,skipCount`)).ms);
  }
  const w = summary(whole);
  const k = summary(counts);
  console.log(`whole report, again: p50 ${ms(w.p50, 1)}, p90 ${ms(w.p90, 1)} (goal p50 < ${API_GOAL_MS} ms)${w.p50 < API_GOAL_MS ? '' : ' NOT MET'}`);
  console.log(`counts only (tree=failCount,passCount,skipCount): p50 ${ms(k.p50, 1)}, p90 ${ms(k.p90, 1)}`);
} finally {
  await c.stop();
  await rm(scratch, { recursive: true, force: true });
}
