import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import { describe, test } from 'node:test';
import { isStewardError } from '../../src/errors/index.js';
import type { Jobs, Result } from '../../src/jobs/index.js';
import { freestyleXml, tempDir } from '../support/steward-process.js';
import { openHome } from './home.js';

async function finishBuild(jobs: Jobs, name: string, result: Result): Promise<number> {
  const job = jobs.require(name);
  const build = await jobs.allocate(job, { queueId: 1, parameters: [], causes: [], builtOn: '', workspace: '/w', scheduledAt: 0 });
  await jobs.complete(job, build, result);
  return build.number;
}

describe('jobs in the home', () => {
  test('a build whose set-up cannot be made durable runs no step and is abandoned: no folder left, its number given to the next build', async () => {
    await using dir = await tempDir();
    await using h = await openHome(dir.dir);
    await h.jobs.create('j', freestyleXml({ command: 'true' }));
    const job = h.jobs.require('j');
    // The journal cannot be written (its folder is a file), while the build's log can.
    await mkdir(path.join(dir.dir, '.steward'), { recursive: true });
    await writeFile(path.join(dir.dir, '.steward', 'journal'), 'not a folder');
    const build = await h.jobs.allocate(job, { queueId: 7, parameters: [], causes: [], builtOn: '', workspace: '/w', scheduledAt: 0 });
    assert.equal(build.number, 1);
    await assert.rejects(build.setUp, (err: unknown) => isStewardError(err, 'STW_HOME_IO'));
    await h.jobs.abandon(job, build);
    await assert.rejects(readFile(path.join(dir.dir, 'jobs/j/builds/1/log')), { code: 'ENOENT' });
    assert.deepEqual(await h.jobs.buildNumbers(job), []);
    assert.equal(await h.jobs.nextBuildNumber(job), 1);
    assert.equal(await h.jobs.record(job, 1), undefined);
  });

  test('a job whose config.xml cannot be read is loaded as broken with its error, and the others load', async () => {
    await using home = await tempDir();
    await mkdir(path.join(home.dir, 'jobs/good'), { recursive: true });
    await mkdir(path.join(home.dir, 'jobs/bad'), { recursive: true });
    await writeFile(path.join(home.dir, 'jobs/good/config.xml'), freestyleXml({ command: 'true' }));
    await writeFile(path.join(home.dir, 'jobs/bad/config.xml'), '<project>\n<builders>\n</project>');
    await using h = await openHome(home.dir);
    await h.jobs.load();
    assert.equal(h.jobs.require('good').definition.kind, 'freestyle');
    const bad = h.jobs.require('bad').definition;
    assert.equal(bad.kind, 'broken');
    assert.ok(bad.kind === 'broken' && /jobs\/bad\/config\.xml:3/.test(bad.error.message), 'the error names file and line');
  });

  test('a rejected config update leaves the job and its file as they were', async () => {
    await using home = await tempDir();
    await using h = await openHome(home.dir);
    const xml = freestyleXml({ command: 'echo one' });
    await h.jobs.create('j', xml);
    await assert.rejects(h.jobs.updateConfig('j', '<project><concurrentBuild>perhaps</concurrentBuild></project>'), (e: unknown) =>
      isStewardError(e, 'STW_CONFIG_INVALID'),
    );
    assert.equal(await readFile(path.join(home.dir, 'jobs/j/config.xml'), 'utf8'), xml);
    assert.equal(h.jobs.require('j').definition.xml, xml);
  });

  test('unsafe job names are refused before anything is written', async () => {
    await using home = await tempDir();
    await using h = await openHome(home.dir);
    for (const name of ['a/b', '..', 'x?y', '']) {
      await assert.rejects(h.jobs.create(name, freestyleXml({ command: 'true' })), (e: unknown) => isStewardError(e, 'STW_NAME_INVALID'));
    }
    assert.deepEqual(await h.store.listDir('jobs'), []);
  });

  test('a folder under jobs/ whose name is not a job name is not loaded, and the log says which and why', async () => {
    await using home = await tempDir();
    for (const name of ['good', '.hidden', '...', 'tab\there']) {
      await mkdir(path.join(home.dir, 'jobs', name), { recursive: true });
      await writeFile(path.join(home.dir, 'jobs', name, 'config.xml'), freestyleXml({ command: 'true' }));
    }
    const lines: { level: number; msg: string; folder?: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) });
    await using h = await openHome(home.dir, logger);
    await h.jobs.load();
    assert.deepEqual(h.jobs.all().map((j) => j.name), ['good']);
    const warned = lines.filter((l) => l.level === 40).map((l) => l.msg);
    assert.deepEqual(warned.sort(), [
      `the folder jobs/... is not loaded: a job name may not start with '.' ("...")`,
      `the folder jobs/.hidden is not loaded: a job name may not start with '.' (".hidden")`,
      'the folder jobs/tab\there is not loaded: the job name holds U+0009 (a control character) at position 4; choose a name without it',
    ]);
  });

  test('creating a job whose folder exists on disk without being a loaded job is refused, and the folder is left alone', async () => {
    await using home = await tempDir();
    await mkdir(path.join(home.dir, 'jobs', 'leftover', 'builds', '1'), { recursive: true });
    await using h = await openHome(home.dir);
    await h.jobs.load();
    await assert.rejects(h.jobs.create('leftover', freestyleXml({ command: 'true' })), (e: unknown) => isStewardError(e, 'STW_JOB_EXISTS') && /jobs\/leftover already exists/.test(e.message));
    assert.deepEqual(await h.store.listDir('jobs/leftover'), ['builds']);
    assert.equal(h.jobs.get('leftover'), undefined);
  });

  test('a job whose name takes the most bytes allowed is created and loads again', async () => {
    await using home = await tempDir();
    const name = `${'é'.repeat(118)}a`;
    {
      await using h = await openHome(home.dir);
      await h.jobs.create(name, freestyleXml({ command: 'true' }));
      await h.jobs.setDisabled(name, true);
    }
    await using h = await openHome(home.dir);
    await h.jobs.load();
    assert.deepEqual(h.jobs.all().map((j) => j.name), [name]);
  });

  test('build numbers continue after the highest build folder even when nextBuildNumber is behind (crash)', async () => {
    await using home = await tempDir();
    await mkdir(path.join(home.dir, 'jobs/j/builds/7'), { recursive: true });
    await writeFile(path.join(home.dir, 'jobs/j/config.xml'), freestyleXml({ command: 'true' }));
    await writeFile(path.join(home.dir, 'jobs/j/nextBuildNumber'), '3\n');
    await using h = await openHome(home.dir);
    await h.jobs.load();
    assert.equal(await finishBuild(h.jobs, 'j', 'SUCCESS'), 8);
    assert.equal((await readFile(path.join(home.dir, 'jobs/j/nextBuildNumber'), 'utf8')).trim(), '9');
  });

  test('a build read while it is being set up is not yet there, never a build left ABORTED', async () => {
    await using home = await tempDir();
    await using h = await openHome(home.dir);
    await h.jobs.create('j', freestyleXml({ command: 'true' }));
    const job = h.jobs.require('j');
    for (let round = 0; round < 20; round++) {
      let done = false;
      const allocating = h.jobs.allocate(job, { queueId: round, parameters: [], causes: [], builtOn: '', workspace: '/w', scheduledAt: 0 }).finally(() => (done = true));
      const seen = new Set<string>();
      while (!done) {
        seen.add(String((await h.jobs.record(job, round + 1))?.result ?? 'none'));
        await new Promise((resolve) => setImmediate(resolve));
      }
      const build = await allocating;
      assert.deepEqual([...seen].filter((r) => r !== 'none'), [], `build #${build.number} read as ${[...seen].join(', ')} while it was set up`);
      assert.equal((await h.jobs.record(job, build.number))?.result, undefined, 'running');
      await h.jobs.complete(job, build, 'SUCCESS');
      assert.equal((await h.jobs.record(job, build.number))?.result, 'SUCCESS');
    }
  });

  test('the build discarder keeps numToKeep builds and never the last successful one', async () => {
    await using home = await tempDir();
    await using h = await openHome(home.dir);
    const rotator = `
  <logRotator class="hudson.tasks.LogRotator">
    <daysToKeep>-1</daysToKeep>
    <numToKeep>2</numToKeep>
    <artifactDaysToKeep>-1</artifactDaysToKeep>
    <artifactNumToKeep>-1</artifactNumToKeep>
  </logRotator>`;
    await h.jobs.create('r', freestyleXml({ command: 'true', extra: rotator }));
    await finishBuild(h.jobs, 'r', 'SUCCESS'); // 1: the last successful build, kept
    for (const r of ['FAILURE', 'FAILURE', 'FAILURE', 'FAILURE'] as const) await finishBuild(h.jobs, 'r', r);
    await h.jobs.idle();
    assert.deepEqual(await h.jobs.buildNumbers(h.jobs.require('r')), [1, 4, 5]);
    assert.deepEqual((await h.store.listDir('jobs/r/builds')).sort(), ['1', '4', '5', 'permalinks']);
  });

  test('the build discarder removes builds older than daysToKeep', async () => {
    await using home = await tempDir();
    await using h = await openHome(home.dir);
    const rotator = `
  <properties>
    <jenkins.model.BuildDiscarderProperty>
      <strategy class="hudson.tasks.LogRotator">
        <daysToKeep>1</daysToKeep>
        <numToKeep>-1</numToKeep>
        <artifactDaysToKeep>-1</artifactDaysToKeep>
        <artifactNumToKeep>-1</artifactNumToKeep>
      </strategy>
    </jenkins.model.BuildDiscarderProperty>
  </properties>`;
    const xml = freestyleXml({ command: 'true' }).replace('<properties>\n  </properties>', rotator.trim());
    await h.jobs.create('old', xml);
    await finishBuild(h.jobs, 'old', 'FAILURE');
    await finishBuild(h.jobs, 'old', 'SUCCESS');
    h.advance(3 * 86_400_000);
    await finishBuild(h.jobs, 'old', 'FAILURE');
    await h.jobs.idle();
    assert.deepEqual(await h.jobs.buildNumbers(h.jobs.require('old')), [2, 3]);
  });

  test('a completed build record is written in Jenkins format and read back', async () => {
    await using home = await tempDir();
    await using h = await openHome(home.dir);
    await h.jobs.create('rec', freestyleXml({ command: 'true' }));
    const n = await finishBuild(h.jobs, 'rec', 'UNSTABLE');
    const text = await readFile(path.join(home.dir, `jobs/rec/builds/${n}/build.xml`), 'utf8');
    assert.match(text, /^<\?xml version='1\.1' encoding='UTF-8'\?>\n<build>/);
    assert.match(text, /<result>UNSTABLE<\/result>/);
    const job = h.jobs.require('rec');
    job.records.clear();
    assert.equal((await h.jobs.record(job, n))?.result, 'UNSTABLE');
  });
});
