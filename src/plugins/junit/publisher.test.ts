import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { openHome, runOneBuild } from '../../../test/jobs/home.js';
import { tempDir } from '../../../test/support/steward-process.js';

/** A freestyle project whose shell step runs `script` and whose publishers are `publishers`, as Jenkins writes it. */
function project(script: string, publishers: string): string {
  return `<?xml version='1.1' encoding='UTF-8'?>
<project>
  <keepDependencies>false</keepDependencies>
  <properties/>
  <scm class="hudson.scm.NullSCM"/>
  <canRoam>true</canRoam>
  <disabled>false</disabled>
  <triggers/>
  <concurrentBuild>false</concurrentBuild>
  <builders>
    <hudson.tasks.Shell>
      <command>${script.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')}</command>
      <configuredLocalRules/>
    </hudson.tasks.Shell>
  </builders>
  <publishers>${publishers}</publishers>
  <buildWrappers/>
</project>
`;
}

/** The archiver as the junit plugin 1265 writes it (see fixtures/jenkins-home/config.xml). */
function archiver(testResults: string, more = ''): string {
  return `
    <hudson.tasks.junit.JUnitResultArchiver plugin="junit@1265.v65b_14fa_f12f0">
      <testResults>${testResults}</testResults>
      <keepLongStdio>false</keepLongStdio>
      <healthScaleFactor>1.0</healthScaleFactor>
      <allowEmptyResults>false</allowEmptyResults>
      <skipPublishingChecks>false</skipPublishingChecks>
      <skipMarkingBuildUnstable>false</skipMarkingBuildUnstable>
      <skipOldReports>false</skipOldReports>${more}
    </hudson.tasks.junit.JUnitResultArchiver>`;
}

/** A shell step writing a Surefire-style report where `failing` fails, under reports/. */
function writeReport(failing: readonly string[]): string {
  const cases = ['adds', 'subtracts', 'divides']
    .map((name) => (failing.includes(name) ? `<testcase classname="com.example.CalculatorTest" name="${name}" time="0.01"><failure message="expected 2 but was 3" type="java.lang.AssertionError">java.lang.AssertionError: expected 2 but was 3\n\tat com.example.CalculatorTest.${name}(CalculatorTest.java:12)</failure></testcase>` : `<testcase classname="com.example.CalculatorTest" name="${name}" time="0.02"/>`))
    .join('');
  return `mkdir -p reports && cat > reports/TEST-com.example.CalculatorTest.xml <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="com.example.CalculatorTest" time="0.05" tests="3" failures="${failing.length}" errors="0" skipped="0">${cases}</testsuite>
EOF`;
}

describe('JUnit result archiver', () => {
  test('a failing test makes the build UNSTABLE and is recorded in junitResult.xml and build.xml as Jenkins records it', async () => {
    await using home = await tempDir();
    await using h = await openHome(home.dir);
    await h.jobs.create('calc', project(writeReport(['divides']), archiver('reports/*.xml')));
    const { result, log, number } = await runOneBuild(h.jobs, home.dir, 'calc');
    assert.equal(result, 'UNSTABLE', log);
    assert.match(log, /^Recording test results\nBuild step 'Publish JUnit test result report' changed build result to UNSTABLE\nFinished: UNSTABLE\n$/m);
    const buildXml = await readFile(path.join(home.dir, 'jobs/calc/builds', String(number), 'build.xml'), 'utf8');
    assert.match(
      buildXml,
      /<hudson\.tasks\.junit\.TestResultAction>\n {6}<descriptions class="concurrent-hash-map"\/>\n {6}<failCount>1<\/failCount>\n {6}<skipCount>0<\/skipCount>\n {6}<totalCount>3<\/totalCount>\n {6}<healthScaleFactor>1\.0<\/healthScaleFactor>\n {6}<testData\/>\n {4}<\/hudson\.tasks\.junit\.TestResultAction>/,
    );
    const junitXml = await readFile(path.join(home.dir, 'jobs/calc/builds', String(number), 'junitResult.xml'), 'utf8');
    assert.match(junitXml, /<name>com\.example\.CalculatorTest<\/name>/);
    assert.match(junitXml, /<testName>divides<\/testName>\n {10}<skipped>false<\/skipped>\n {10}<errorStackTrace>java\.lang\.AssertionError: expected 2 but was 3\n\tat com\.example\.CalculatorTest\.divides\(CalculatorTest\.java:12\)<\/errorStackTrace>\n {10}<errorDetails>expected 2 but was 3<\/errorDetails>\n {10}<failedSince>1<\/failedSince>/);
    // The record read back carries the action, as a restarted controller reads it.
    const record = await h.jobs.record(h.jobs.require('calc'), number);
    assert.deepEqual(h.jobs.runActions(record!).map((a) => a.descriptor.summary(a.action)), [
      { _class: 'hudson.tasks.junit.TestResultAction', failCount: 1, skipCount: 0, totalCount: 3, urlName: 'testReport' },
    ]);
  });

  test('the report gives each case its status and age against the previous build: REGRESSION, FIXED, FAILED since', async () => {
    await using home = await tempDir();
    await using h = await openHome(home.dir);
    const job = async (failing: string[]) => {
      await h.jobs.updateConfig('calc', project(writeReport(failing), archiver('reports/*.xml')));
      const { number, result } = await runOneBuild(h.jobs, home.dir, 'calc');
      const record = await h.jobs.record(h.jobs.require('calc'), number);
      const [action] = h.jobs.runActions(record!);
      const report = (await action!.descriptor.api(action!.action, h.jobs.runView(h.jobs.require('calc'), record!))) as { suites: { cases: { name: string; status: string; age: number; failedSince: number }[] }[] };
      return { result, cases: report.suites[0]!.cases.map((c) => [c.name, c.status, c.age, c.failedSince]) };
    };
    await h.jobs.create('calc', project('true', ''));
    assert.deepEqual(await job([]), { result: 'SUCCESS', cases: [['adds', 'PASSED', 0, 0], ['subtracts', 'PASSED', 0, 0], ['divides', 'PASSED', 0, 0]] });
    assert.deepEqual(await job(['divides']), { result: 'UNSTABLE', cases: [['adds', 'PASSED', 0, 0], ['subtracts', 'PASSED', 0, 0], ['divides', 'REGRESSION', 1, 2]] });
    assert.deepEqual(await job(['divides', 'adds']), { result: 'UNSTABLE', cases: [['adds', 'REGRESSION', 1, 3], ['subtracts', 'PASSED', 0, 0], ['divides', 'FAILED', 2, 2]] });
    assert.deepEqual(await job(['adds']), { result: 'UNSTABLE', cases: [['adds', 'FAILED', 2, 3], ['subtracts', 'PASSED', 0, 0], ['divides', 'FIXED', 0, 0]] });
  });

  test('no report fails the build with Jenkins\' message, unless allowEmptyResults', async () => {
    await using home = await tempDir();
    await using h = await openHome(home.dir);
    await h.jobs.create('none', project('true', archiver('reports/*.xml')));
    const none = await runOneBuild(h.jobs, home.dir, 'none');
    assert.equal(none.result, 'FAILURE');
    assert.match(none.log, /^Recording test results\nERROR: Step ‘Publish JUnit test result report’ failed: No test report files were found\. Configuration error\?\nFinished: FAILURE\n$/m);

    await h.jobs.create('empty', project('mkdir -p reports && echo "<testsuite name=\\"s\\"/>" > reports/a.xml', archiver('reports/*.xml')));
    const empty = await runOneBuild(h.jobs, home.dir, 'empty');
    assert.equal(empty.result, 'FAILURE');
    assert.match(empty.log, /^ERROR: Step ‘Publish JUnit test result report’ failed: None of the test reports contained any result$/m);

    await h.jobs.create('allowed', project('true', archiver('reports/*.xml').replace('<allowEmptyResults>false', '<allowEmptyResults>true')));
    const allowed = await runOneBuild(h.jobs, home.dir, 'allowed');
    assert.equal(allowed.result, 'SUCCESS', allowed.log);
    assert.match(allowed.log, /^Recording test results\nNone of the test reports contained any result\nFinished: SUCCESS\n$/m);
  });

  test('testResults takes the build\'s variables; skipMarkingBuildUnstable records failures and leaves the result; a test data publisher is named as not supported', async () => {
    await using home = await tempDir();
    await using h = await openHome(home.dir);
    const more = '\n      <testDataPublishers><hudson.plugins.junitattachments.AttachmentPublisher plugin="junit-attachments@1.3"/></testDataPublishers>';
    await h.jobs.create('calc', project(`${writeReport(['adds'])}\nmv reports calc-out`, archiver('${JOB_NAME}-out/*.xml', more).replace('<skipMarkingBuildUnstable>false', '<skipMarkingBuildUnstable>true')));
    const { result, log, number } = await runOneBuild(h.jobs, home.dir, 'calc');
    assert.equal(result, 'SUCCESS', log);
    assert.match(log, /^WARNING: test data publisher hudson\.plugins\.junitattachments\.AttachmentPublisher is not supported by this controller; the test results are recorded without it$/m);
    const record = await h.jobs.record(h.jobs.require('calc'), number);
    assert.deepEqual(h.jobs.runActions(record!).map((a) => a.descriptor.summary(a.action).failCount), [1]);
  });

  test('two archivers in one job record one set of results, the second adding its reports to the first\'s', async () => {
    await using home = await tempDir();
    await using h = await openHome(home.dir);
    const script = `${writeReport(['divides'])}\nmkdir -p more && cat > more/TEST-b.xml <<'EOF'\n<testsuite name="b"><testcase classname="b.B" name="one"/><testcase classname="b.B" name="two"><skipped/></testcase></testsuite>\nEOF`;
    await h.jobs.create('two', project(script, archiver('reports/*.xml') + archiver('more/*.xml')));
    const { result, log, number } = await runOneBuild(h.jobs, home.dir, 'two');
    assert.equal(result, 'UNSTABLE', log);
    assert.equal(log.match(/^Recording test results$/gm)?.length, 2);
    const record = await h.jobs.record(h.jobs.require('two'), number);
    const [action] = h.jobs.runActions(record!);
    assert.deepEqual(action?.descriptor.summary(action.action), { _class: 'hudson.tasks.junit.TestResultAction', failCount: 1, skipCount: 1, totalCount: 5, urlName: 'testReport' });
    const report = (await action!.descriptor.api(action!.action, h.jobs.runView(h.jobs.require('two'), record!))) as { suites: { name: string }[]; passCount: number };
    assert.deepEqual([report.suites.map((x) => x.name), report.passCount], [['com.example.CalculatorTest', 'b'], 3]);
  });

  test('a report larger than the limit fails the build, naming it', async () => {
    await using home = await tempDir();
    await using h = await openHome(home.dir);
    await h.jobs.create('huge', project('mkdir -p reports && head -c 70000000 /dev/zero > reports/TEST-huge.xml', archiver('reports/*.xml')));
    const { result, log } = await runOneBuild(h.jobs, home.dir, 'huge');
    assert.equal(result, 'FAILURE');
    assert.match(log, /^ERROR: Step ‘Publish JUnit test result report’ failed: the test report reports\/TEST-huge\.xml is not read: it is larger than 64 MiB$/m);
  });
});
