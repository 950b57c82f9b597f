import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { tempDir } from '../support/steward-process.js';
import { openHome, runOneBuild } from './home.js';
import { countNotRun, summarizeNotRun, type NotRunTreatment } from '../../src/jobs/index.js';

/** A freestyle project with the given parts, as Jenkins writes them. */
function project(parts: { scm?: string; builders?: string; wrappers?: string; publishers?: string; triggers?: string }): string {
  return `<?xml version='1.1' encoding='UTF-8'?>
<project>
  <description/>
  <keepDependencies>false</keepDependencies>
  <properties/>
  ${parts.scm ?? '<scm class="hudson.scm.NullSCM"/>'}
  <canRoam>true</canRoam>
  <disabled>false</disabled>
  <triggers>${parts.triggers ?? ''}</triggers>
  <concurrentBuild>false</concurrentBuild>
  <builders>${parts.builders ?? ''}</builders>
  <publishers>${parts.publishers ?? ''}</publishers>
  <buildWrappers>${parts.wrappers ?? ''}</buildWrappers>
</project>
`;
}

const SHELL = '<hudson.tasks.Shell><command>echo built</command><configuredLocalRules/></hudson.tasks.Shell>';
const JACOCO = '<hudson.plugins.jacoco.JacocoPublisher plugin="jacoco@3.3.4"><execPattern>**/**.exec</execPattern><classPattern>**/classes</classPattern></hudson.plugins.jacoco.JacocoPublisher>';
const TIMESTAMPER = '<hudson.plugins.timestamper.TimestamperBuildWrapper plugin="timestamper@1.26"/>';
const SVN = '<scm class="hudson.scm.SubversionSCM" plugin="subversion@2.17.3"><locations/><excludedRegions></excludedRegions></scm>';
// The Generic Webhook Trigger plugin's trigger, as its own README's job shows it.
const UNKNOWN_TRIGGER = '<org.jenkinsci.plugins.gwt.GenericTrigger plugin="generic-webhook-trigger@1.84"><genericVariables/><regexpFilterText></regexpFilterText><regexpFilterExpression></regexpFilterExpression><printPostContent>false</printPostContent><printContributedVariables>false</printContributedVariables><causeString>Generic Cause</causeString><token></token><silentResponse>false</silentResponse></org.jenkinsci.plugins.gwt.GenericTrigger>';


describe('steps this controller does not support', () => {
  test('a build runs without an unsupported wrapper and publisher, and its log says so where each would have run', async () => {
    await using home = await tempDir();
    await using h = await openHome(home.dir);
    await h.jobs.create('report', project({ builders: SHELL, wrappers: TIMESTAMPER, publishers: JACOCO }));
    const { result, log } = await runOneBuild(h.jobs, home.dir, 'report');
    assert.equal(result, 'SUCCESS', log);
    // The shell's `+ echo built` trace goes to stderr, so it may come before or after `built`.
    const lines = log.slice(log.indexOf('WARNING: build wrapper')).split('\n').filter((l) => !l.startsWith('+ '));
    assert.deepEqual(
      lines,
      [
        'WARNING: build wrapper hudson.plugins.timestamper.TimestamperBuildWrapper (plugin timestamper@1.26) is not supported by this controller; the build runs without it',
        'built',
        'WARNING: publisher hudson.plugins.jacoco.JacocoPublisher (plugin jacoco@3.3.4) is not supported by this controller; it was not run, so the result does not include it',
        'Finished: SUCCESS',
        '',
      ],
    );
  });

  test('a job that checks out with an SCM that is not installed fails its builds before any step runs, naming the SCM', async () => {
    await using home = await tempDir();
    await using h = await openHome(home.dir);
    await h.jobs.create('checkout', project({ scm: SVN, builders: SHELL }));
    const { result, log } = await runOneBuild(h.jobs, home.dir, 'checkout');
    assert.equal(result, 'FAILURE');
    assert.match(log, /^ERROR: this job uses steps that this controller does not support: SCM hudson\.scm\.SubversionSCM \(plugin subversion@2\.17\.3\)$/m);
    assert.doesNotMatch(log, /echo built/);
  });

  test('a job with NullSCM, as Jenkins and Jenkins Job Builder write "no SCM", builds', async () => {
    await using home = await tempDir();
    await using h = await openHome(home.dir);
    await h.jobs.create('plain', project({ builders: SHELL }));
    const { result, log } = await runOneBuild(h.jobs, home.dir, 'plain');
    assert.equal(result, 'SUCCESS', log);
  });

  test('creating or reconfiguring a job warns in the controller log about what it will run without', async () => {
    await using home = await tempDir();
    const lines: { level: number; msg: string; job?: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as { level: number; msg: string; job?: string }) });
    await using h = await openHome(home.dir, logger);
    const xml = project({ builders: SHELL, triggers: UNKNOWN_TRIGGER, publishers: JACOCO });
    await h.jobs.create('nightly', xml);
    // The job keeps what it does not run, as written.
    assert.equal(await readFile(path.join(home.dir, 'jobs/nightly/config.xml'), 'utf8'), xml);
    await h.jobs.updateConfig('nightly', project({ scm: SVN, builders: SHELL }));
    await h.jobs.updateConfig('nightly', project({ builders: SHELL }));
    const warnings = lines.filter((l) => l.level === 40).map((l) => [l.job, l.msg]);
    assert.deepEqual(warnings, [
      ['nightly', 'job nightly runs without what this controller does not run: trigger org.jenkinsci.plugins.gwt.GenericTrigger (plugin generic-webhook-trigger@1.84), publisher hudson.plugins.jacoco.JacocoPublisher (plugin jacoco@3.3.4)'],
      ['nightly', 'builds of job nightly will fail: this controller does not run scm hudson.scm.SubversionSCM (plugin subversion@2.17.3)'],
    ]);
  });
});

describe("a job's list of what will not run", () => {
  test('names each element and setting with its kind, plugin and treatment, in the order of the file', async () => {
    await using home = await tempDir();
    await using h = await openHome(home.dir);
    const xml = project({
      scm: `<scm class="hudson.plugins.git.GitSCM" plugin="git@5.2.1">
    <configVersion>2</configVersion>
    <userRemoteConfigs><hudson.plugins.git.UserRemoteConfig><url>https://example.org/r.git</url></hudson.plugins.git.UserRemoteConfig></userRemoteConfigs>
    <branches><hudson.plugins.git.BranchSpec><name>*/main</name></hudson.plugins.git.BranchSpec></branches>
    <extensions><hudson.plugins.git.extensions.impl.ScmName><name>app</name></hudson.plugins.git.extensions.impl.ScmName></extensions>
  </scm>`,
      triggers: UNKNOWN_TRIGGER,
      builders: SHELL,
      wrappers:
        TIMESTAMPER +
        `<hudson.plugins.build__timeout.BuildTimeoutWrapper plugin="build-timeout@1.32"><strategy class="hudson.plugins.build_timeout.impl.NoActivityTimeOutStrategy"><timeoutSecondsString>180</timeoutSecondsString></strategy><operationList/></hudson.plugins.build__timeout.BuildTimeoutWrapper>` +
        `<org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper plugin="credentials-binding@657.v2b_19db_7d6e6d"><bindings><org.jenkinsci.plugins.credentialsbinding.impl.CertificateMultiBinding><credentialsId>cert</credentialsId><keystoreVariable>KS</keystoreVariable></org.jenkinsci.plugins.credentialsbinding.impl.CertificateMultiBinding></bindings></org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper>`,
      publishers: JACOCO,
    })
      .replace('<properties/>', '<properties>\n    <com.coravy.hudson.plugins.github.GithubProjectProperty plugin="github@1.37.3"><projectUrl>https://github.com/o/r/</projectUrl></com.coravy.hudson.plugins.github.GithubProjectProperty>\n  </properties>')
      .replace('<canRoam>true</canRoam>', '<canRoam>true</canRoam>\n  <blockBuildWhenUpstreamBuilding>true</blockBuildWhenUpstreamBuilding>\n  <customWorkspace>/srv/app</customWorkspace>');
    const job = await h.jobs.create('everything', xml);
    assert.equal(job.definition.kind, 'freestyle');
    if (job.definition.kind !== 'freestyle') return;
    assert.deepEqual(
      job.definition.notRun.map((e) => [e.kind, e.name, e.plugin ?? null, e.within ?? null, e.treatment]),
      [
        ['property', 'com.coravy.hudson.plugins.github.GithubProjectProperty', 'github@1.37.3', null, 'ignored'],
        ['option', 'customWorkspace', null, 'project', 'ignored'],
        ['option', 'hudson.plugins.git.extensions.impl.ScmName', null, 'hudson.plugins.git.GitSCM', 'skipped'],
        ['trigger', 'org.jenkinsci.plugins.gwt.GenericTrigger', 'generic-webhook-trigger@1.84', null, 'ignored'],
        ['wrapper', 'hudson.plugins.timestamper.TimestamperBuildWrapper', 'timestamper@1.26', null, 'skipped'],
        ['option', 'strategy hudson.plugins.build_timeout.impl.NoActivityTimeOutStrategy', null, 'hudson.plugins.build__timeout.BuildTimeoutWrapper', 'skipped'],
        ['option', 'binding org.jenkinsci.plugins.credentialsbinding.impl.CertificateMultiBinding', null, 'org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper', 'fails-build'],
        ['publisher', 'hudson.plugins.jacoco.JacocoPublisher', 'jacoco@3.3.4', null, 'skipped'],
      ],
    );
    for (const e of job.definition.notRun) assert.doesNotMatch(e.reason, /\n/, 'a reason is one line');
  });

  test('a job that runs everything it names has an empty list', async () => {
    await using home = await tempDir();
    await using h = await openHome(home.dir);
    const job = await h.jobs.create('plain', project({ builders: SHELL }).replace('<canRoam>true</canRoam>', '<canRoam>true</canRoam>\n  <jdk>(System)</jdk>'));
    assert.deepEqual(job.definition.kind === 'freestyle' ? job.definition.notRun : undefined, []);
  });

  test('the start-up summary names the five most common elements and counts the rest', () => {
    const el = (name: string, treatment: NotRunTreatment = 'skipped') => ({ kind: 'publisher' as const, name, plugin: undefined, treatment, reason: 'r' });
    const job = (name: string, notRun: ReturnType<typeof el>[]) => ({ name, notRun, counts: countNotRun(notRun) });
    const jobs = [
      job('a', [el('P1'), el('P2'), el('P3'), el('B', 'fails-build')]),
      job('b', [el('P1'), el('P2'), el('P4'), el('P5'), el('P6'), el('P1')]),
      job('c', []),
    ];
    const summary = summarizeNotRun(jobs, 3);
    assert.equal(
      summary?.message,
      "2 of 3 jobs use what this controller does not run, and builds of 1 will fail: P1 (2 jobs), P2 (2 jobs), B (1 job), P3 (1 job), P4 (1 job) and 2 more; each job's api/json lists its own in notRun",
    );
    assert.deepEqual(summary?.fields, { jobs: 2, failing: 1, elements: { P1: 2, P2: 2, B: 1, P3: 1, P4: 1 } });
    assert.equal(summarizeNotRun([job('c', [])], 1), undefined);
  });

  test('a config.xml naming thousands of elements that will not run lists the first 100 and counts them all', async () => {
    await using home = await tempDir();
    await using h = await openHome(home.dir);
    const many = Array.from({ length: 5000 }, (_, i) => `<org.example.Step${i}/>`).join('');
    const job = await h.jobs.create('many', project({ builders: SHELL, publishers: many }).replace('<builders>', `<builders><hudson.tasks.Maven/>`));
    assert.equal(job.definition.kind, 'freestyle');
    if (job.definition.kind !== 'freestyle') return;
    assert.equal(job.definition.notRun.length, 100);
    assert.deepEqual(job.definition.notRunCounts, { 'fails-build': 1, skipped: 5000, ignored: 0 });
    assert.equal(job.definition.notRun[0]?.name, 'hudson.tasks.Maven');
  });
});
