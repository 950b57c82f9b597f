import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO, StewardProcess, basic, createApiToken, freestyleXml, projectMatrixConfig, tempDir } from '../support/steward-process.js';

/** The junit plugin's own test home: a job, a build and its junitResult.xml as Jenkins wrote them (see SOURCE beside). */
const JENKINS_HOME = path.join(REPO, 'src', 'plugins', 'junit', 'fixtures', 'jenkins-home');
const jenkinsFile = (name: string): string => readFileSync(path.join(JENKINS_HOME, name), 'utf8');

/** That job with a shell step that writes a Surefire report in which one test of three fails. */
const CALC = jenkinsFile('config.xml').replace(
  '<builders/>',
  `<builders>
    <hudson.tasks.Shell>
      <command>cat &gt; TEST-x.xml &lt;&lt;'EOF'
&lt;?xml version="1.0" encoding="UTF-8"?&gt;
&lt;testsuite name="com.example.CalculatorTest" time="0.042" tests="3" failures="1" errors="0" skipped="0"&gt;
  &lt;testcase classname="com.example.CalculatorTest" name="adds" time="0.011"/&gt;
  &lt;testcase classname="com.example.CalculatorTest" name="subtracts" time="0.012"/&gt;
  &lt;testcase classname="com.example.CalculatorTest" name="divides" time="0.019"&gt;
    &lt;failure message="expected:&amp;lt;2&amp;gt; but was:&amp;lt;3&amp;gt;" type="java.lang.AssertionError"&gt;java.lang.AssertionError: expected:&amp;lt;2&amp;gt; but was:&amp;lt;3&amp;gt;
	at com.example.CalculatorTest.divides(CalculatorTest.java:21)&lt;/failure&gt;
    &lt;system-out&gt;dividing 6 by 3&lt;/system-out&gt;
  &lt;/testcase&gt;
&lt;/testsuite&gt;
EOF</command>
      <configuredLocalRules/>
    </hudson.tasks.Shell>
  </builders>`,
);

interface Report {
  _class: string;
  duration: number;
  empty: boolean;
  failCount: number;
  passCount: number;
  skipCount: number;
  suites: { name: string; duration: number; cases: Record<string, unknown>[] }[];
}

describe('the JUnit test report of a build, through the remote API', () => {
  let home: Awaited<ReturnType<typeof tempDir>>;
  let s: StewardProcess;
  let eve = '';
  let calc = 0;
  before(async () => {
    home = await tempDir();
    // Signed-in users read the controller; eve reads no job (project matrix, no grant on the jobs).
    writeFileSync(path.join(home.dir, 'config.xml'), projectMatrixConfig());
    // A build Jenkins recorded, in the home before the controller starts.
    mkdirSync(path.join(home.dir, 'jobs', 'p', 'builds', '1'), { recursive: true });
    writeFileSync(path.join(home.dir, 'jobs', 'p', 'config.xml'), jenkinsFile('config.xml'));
    writeFileSync(path.join(home.dir, 'jobs', 'p', 'builds', '1', 'build.xml'), jenkinsFile('build.xml'));
    writeFileSync(path.join(home.dir, 'jobs', 'p', 'builds', '1', 'junitResult.xml'), jenkinsFile('junitResult.xml'));
    s = await StewardProcess.start(home.dir);
    const res = await s.fetch('securityRealm/createAccountByAdmin', {
      method: 'POST',
      body: new URLSearchParams({ username: 'eve', password1: 'eve-password-1', password2: 'eve-password-1' }),
    });
    assert.equal(res.status, 302, await res.text());
    eve = basic('eve', await createApiToken(s.url, 'eve', 'eve-password-1'));
    await s.createJob('calc', CALC);
    await s.createJob('plain', freestyleXml({ command: 'true' }));
    calc = await s.buildNumberOf(await s.queueBuild('calc'));
    assert.equal(await s.waitForResult('calc', calc), 'UNSTABLE');
    assert.equal(await s.waitForResult('plain', await s.buildNumberOf(await s.queueBuild('plain'))), 'SUCCESS');
  });
  after(async () => {
    await s.stop();
    await home[Symbol.asyncDispose]();
  });

  test('a failing test makes the build UNSTABLE, and the build lists its test results in its actions', async () => {
    const log = await (await s.fetch(`job/calc/${calc}/consoleText`)).text();
    assert.match(log, /^Recording test results\nBuild step 'Publish JUnit test result report' changed build result to UNSTABLE\nFinished: UNSTABLE\n$/m);
    const build = await s.json<{ result: string; actions: Record<string, unknown>[] }>(`job/calc/${calc}/api/json`);
    assert.equal(build.result, 'UNSTABLE');
    assert.deepEqual(
      build.actions.filter((a) => a._class === 'hudson.tasks.junit.TestResultAction'),
      [{ _class: 'hudson.tasks.junit.TestResultAction', failCount: 1, skipCount: 0, totalCount: 3, urlName: 'testReport' }],
    );
  });

  test('testReport/api/json answers the counts and each case in the junit plugin\'s shape', async () => {
    const report = await s.json<Report>(`job/calc/${calc}/testReport/api/json`);
    assert.deepEqual({ ...report, suites: undefined }, { _class: 'hudson.tasks.junit.TestResult', testActions: [], duration: 0.042, empty: false, failCount: 1, passCount: 2, skipCount: 0, suites: undefined });
    assert.deepEqual(
      report.suites.map((suite) => [suite.name, suite.duration, suite.cases.map((c) => [c.name, c.status])]),
      [['com.example.CalculatorTest', 0.042, [['adds', 'PASSED'], ['subtracts', 'PASSED'], ['divides', 'FAILED']]]],
    );
    assert.deepEqual(report.suites[0]?.cases[2], {
      testActions: [],
      age: 1,
      className: 'com.example.CalculatorTest',
      duration: 0.019,
      errorDetails: 'expected:<2> but was:<3>',
      errorStackTrace: 'java.lang.AssertionError: expected:<2> but was:<3>\n\tat com.example.CalculatorTest.divides(CalculatorTest.java:21)',
      failedSince: calc,
      name: 'divides',
      skipped: false,
      skippedMessage: null,
      status: 'FAILED',
      stderr: null,
      stdout: 'dividing 6 by 3',
    });
  });

  test('tree= picks fields as for every api/json, and a permalink names the build', async () => {
    const picked = await s.json(`job/calc/lastBuild/testReport/api/json?tree=failCount,suites[cases[name,status,age]]`);
    assert.deepEqual(picked, {
      _class: 'hudson.tasks.junit.TestResult',
      failCount: 1,
      suites: [{ cases: [{ name: 'adds', status: 'PASSED', age: 0 }, { name: 'subtracts', status: 'PASSED', age: 0 }, { name: 'divides', status: 'FAILED', age: 1 }] }],
    });
  });

  test('a build Jenkins recorded shows its report from the junitResult.xml Jenkins wrote', async () => {
    const build = await s.json<{ actions: Record<string, unknown>[] }>('job/p/1/api/json');
    assert.deepEqual(
      build.actions.filter((a) => a._class === 'hudson.tasks.junit.TestResultAction'),
      [{ _class: 'hudson.tasks.junit.TestResultAction', failCount: 1, skipCount: 0, totalCount: 1, urlName: 'testReport' }],
    );
    const report = await s.json<Report>('job/p/1/testReport/api/json?tree=failCount,passCount,suites[name,stdout,cases[className,name,status,errorDetails]]');
    assert.deepEqual(report, {
      _class: 'hudson.tasks.junit.TestResult',
      failCount: 1,
      passCount: 0,
      suites: [{ name: 'x', stdout: 'foo\u0000bar', cases: [{ className: 'X', name: 'x', status: 'FAILED', errorDetails: 'x' }] }],
    });
  });

  test('a build without test results, a job the caller may not read, and an unknown action answer 404', async () => {
    const none = await s.fetch('job/plain/1/testReport/api/json');
    assert.equal(none.status, 404);
    assert.match(((await none.json()) as { error: { message: string } }).error.message, /^plain #1 has no testReport$/);
    assert.equal((await s.fetch(`job/calc/${calc}/coverage/api/json`)).status, 404);
    // eve may not read calc: its report is not there for her, as the job is not.
    const hidden = await s.fetch(`job/calc/${calc}/testReport/api/json`, { headers: { authorization: eve } });
    const missing = await s.fetch(`job/nosuchjob/1/testReport/api/json`, { headers: { authorization: eve } });
    assert.equal(hidden.status, 404);
    assert.equal(missing.status, 404);
    assert.doesNotMatch(await hidden.text(), /CalculatorTest|divides/);
    // Anonymous callers are asked to sign in, as everywhere but the open paths.
    assert.equal((await s.fetchAnonymous(`job/calc/${calc}/testReport/api/json`)).status, 401);
  });
});
