import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openHome, runOneBuild } from '../../../test/jobs/home.js';
import { freestyleXml, tempDir } from '../../../test/support/steward-process.js';

/** A job with one shell step and core Jenkins' ArtifactArchiver with the options given. */
function job(command: string, archiver: string): string {
  return freestyleXml({
    command,
    publishers: `
    <hudson.tasks.ArtifactArchiver>
      <artifacts>**/*</artifacts>
      <allowEmptyArchive>false</allowEmptyArchive>
${archiver}
    </hudson.tasks.ArtifactArchiver>`,
  });
}

describe('the artifact archiver', () => {
  test('onlyIfSuccessful skips a failed build, saying so as Jenkins does', async () => {
    await using dir = await tempDir();
    await using h = await openHome(dir.dir);
    await h.jobs.create('strict', job('echo out > out.txt; exit 1', '      <onlyIfSuccessful>true</onlyIfSuccessful>'));
    const { result, log, number } = await runOneBuild(h.jobs, dir.dir, 'strict');
    assert.equal(result, 'FAILURE');
    assert.match(log, /^Skipped archiving because build is not successful$/m);
    assert.deepEqual(await h.jobs.artifacts(h.jobs.require('strict'), number), []);
  });

  test("Ant's default excludes leave editor backups and CVS folders out, unless defaultExcludes is false", async () => {
    await using dir = await tempDir();
    await using h = await openHome(dir.dir);
    const files = 'rm -rf ./*; mkdir -p CVS; echo a > a.txt; echo b > a.txt~; echo c > CVS/Root';
    await h.jobs.create('tidy', job(files, '      <onlyIfSuccessful>true</onlyIfSuccessful>\n      <defaultExcludes>true</defaultExcludes>'));
    await h.jobs.create('all', job(files, '      <defaultExcludes>false</defaultExcludes>'));
    const tidy = await runOneBuild(h.jobs, dir.dir, 'tidy');
    assert.equal(tidy.result, 'SUCCESS');
    assert.deepEqual(await h.jobs.artifacts(h.jobs.require('tidy'), tidy.number), ['a.txt']);
    const all = await runOneBuild(h.jobs, dir.dir, 'all');
    assert.deepEqual(await h.jobs.artifacts(h.jobs.require('all'), all.number), ['CVS/Root', 'a.txt', 'a.txt~']);
  });

  test('what it does not do as Jenkins does is said when the job loads: links are not followed, fingerprints not recorded', async () => {
    await using dir = await tempDir();
    await using h = await openHome(dir.dir);
    await h.jobs.create('links', job('true', '      <fingerprint>true</fingerprint>\n      <followSymlinks>true</followSymlinks>\n      <caseSensitive>false</caseSensitive>'));
    const def = h.jobs.require('links').definition;
    assert.deepEqual(def.kind === 'freestyle' ? def.notRun.map((e) => [e.name, e.treatment]) : [], [
      ['followSymlinks', 'ignored'],
      ['caseSensitive', 'ignored'],
      ['fingerprint', 'ignored'],
    ]);
  });
});
