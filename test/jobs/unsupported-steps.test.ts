import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { tempDir } from '../support/steward-process.js';
import { openHome, runOneBuild } from './home.js';

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
const POLL = '<hudson.triggers.SCMTrigger><spec>H/15 * * * *</spec><ignorePostCommitHooks>false</ignorePostCommitHooks></hudson.triggers.SCMTrigger>';


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
    const xml = project({ builders: SHELL, triggers: POLL, publishers: JACOCO });
    await h.jobs.create('nightly', xml);
    // The job keeps what it does not run, as written.
    assert.equal(await readFile(path.join(home.dir, 'jobs/nightly/config.xml'), 'utf8'), xml);
    await h.jobs.updateConfig('nightly', project({ scm: SVN, builders: SHELL }));
    await h.jobs.updateConfig('nightly', project({ builders: SHELL }));
    const warnings = lines.filter((l) => l.level === 40).map((l) => [l.job, l.msg]);
    assert.deepEqual(warnings, [
      ['nightly', 'job nightly runs without what this controller does not run: trigger hudson.triggers.SCMTrigger, publisher hudson.plugins.jacoco.JacocoPublisher (plugin jacoco@3.3.4)'],
      ['nightly', 'builds of job nightly will fail: this controller does not run scm hudson.scm.SubversionSCM (plugin subversion@2.17.3)'],
    ]);
  });
});
