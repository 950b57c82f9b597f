import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { Permalinks, serializeBuildRecord, type Jobs, type Result } from '../../src/jobs/index.js';
import { freestyleXml, tempDir } from '../support/steward-process.js';
import { openHome } from './home.js';

async function startBuild(jobs: Jobs, name: string) {
  const job = jobs.require(name);
  return jobs.allocate(job, { queueId: 1, parameters: [], causes: [], builtOn: '', workspace: '/w', scheduledAt: 0 });
}

async function finishBuild(jobs: Jobs, name: string, result: Result): Promise<number> {
  const build = await startBuild(jobs, name);
  await jobs.complete(jobs.require(name), build, result);
  return build.number;
}

/** The file's text for these numbers, in Jenkins' order; undefined stands for -1. */
function expected(c?: number, failed?: number, stable?: number, successful?: number, unstable?: number, unsuccessful?: number): string {
  const n = (x: number | undefined) => x ?? -1;
  return (
    `lastCompletedBuild ${n(c)}\nlastFailedBuild ${n(failed)}\nlastStableBuild ${n(stable)}\n` +
    `lastSuccessfulBuild ${n(successful)}\nlastUnstableBuild ${n(unstable)}\nlastUnsuccessfulBuild ${n(unsuccessful)}\n`
  );
}

const readLinks = (home: string, job: string) => readFile(path.join(home, 'jobs', job, 'builds', 'permalinks'), 'utf8');

/** A job folder written as another controller left it: config.xml, build records, maybe a permalinks file. */
async function writeJob(home: string, name: string, builds: Record<number, Result | undefined | string>, permalinks?: string): Promise<void> {
  const dir = path.join(home, 'jobs', name);
  await mkdir(path.join(dir, 'builds'), { recursive: true });
  await writeFile(path.join(dir, 'config.xml'), freestyleXml({ command: 'true' }));
  for (const [n, result] of Object.entries(builds)) {
    await mkdir(path.join(dir, 'builds', n), { recursive: true });
    const text =
      result !== undefined && !['SUCCESS', 'UNSTABLE', 'FAILURE', 'NOT_BUILT', 'ABORTED'].includes(result)
        ? result
        : serializeBuildRecord({
            number: Number(n),
            queueId: 0,
            timestamp: 0,
            startTime: 0,
            result: result as Result | undefined,
            duration: 0,
            builtOn: '',
            workspace: undefined,
            causes: [],
            parameters: [],
            keepLog: false,
          });
    await writeFile(path.join(dir, 'builds', n, 'build.xml'), text);
  }
  if (permalinks !== undefined) await writeFile(path.join(dir, 'builds', 'permalinks'), permalinks);
}

const ALL = ['lastCompletedBuild', 'lastFailedBuild', 'lastStableBuild', 'lastSuccessfulBuild', 'lastUnstableBuild', 'lastUnsuccessfulBuild'] as const;

async function targets(jobs: Jobs, name: string): Promise<Record<string, number | undefined>> {
  const job = jobs.require(name);
  const out: Record<string, number | undefined> = {};
  for (const id of ALL) out[id] = await jobs.permalink(job, id);
  return out;
}

describe('builds/permalinks', () => {
  test("a Jenkins-written file is read and written back byte for byte", () => {
    const jenkins = expected(57, undefined, 57, 57, undefined, 12);
    assert.equal(Permalinks.parse(jenkins).serialize(), jenkins);
    // Lines Jenkins would skip are skipped; ids of other permalinks are not kept.
    const links = Permalinks.parse('lastStableBuild 4\r\nnonsense\nlastFailedBuild x\nlastReleaseBuild 3\nlastCompletedBuild 5\n');
    assert.equal(links.serialize(), 'lastCompletedBuild 5\nlastStableBuild 4\n');
  });

  test('after each build the file names the newest build of each kind, in Jenkins format', async () => {
    await using home = await tempDir();
    await using h = await openHome(home.dir);
    await h.jobs.create('j', freestyleXml({ command: 'true' }));
    const steps: [Result, string][] = [
      ['SUCCESS', expected(1, undefined, 1, 1, undefined, undefined)],
      ['FAILURE', expected(2, 2, 1, 1, undefined, 2)],
      ['UNSTABLE', expected(3, 2, 1, 3, 3, 3)],
      ['ABORTED', expected(4, 2, 1, 3, 3, 4)],
      ['NOT_BUILT', expected(5, 2, 1, 3, 3, 5)],
      ['SUCCESS', expected(6, 2, 6, 6, 3, 5)],
    ];
    for (const [result, text] of steps) {
      await finishBuild(h.jobs, 'j', result);
      await h.jobs.idle();
      assert.equal(await readLinks(home.dir, 'j'), text, `after a build ending ${result}`);
    }
  });

  test('deleting the build a permalink names moves it to the newest older build that passes', async () => {
    await using home = await tempDir();
    await using h = await openHome(home.dir);
    await h.jobs.create('d', freestyleXml({ command: 'true' }));
    for (const r of ['SUCCESS', 'FAILURE', 'SUCCESS', 'FAILURE'] as const) await finishBuild(h.jobs, 'd', r);
    await h.jobs.idle();
    const job = h.jobs.require('d');
    await h.jobs.deleteBuild(job, 4);
    assert.equal(await readLinks(home.dir, 'd'), expected(3, 2, 3, 3, undefined, 2));
    await h.jobs.deleteBuild(job, 3);
    assert.equal(await readLinks(home.dir, 'd'), expected(2, 2, 1, 1, undefined, 2));
    await h.jobs.deleteBuild(job, 2);
    assert.equal(await readLinks(home.dir, 'd'), expected(1, undefined, 1, 1, undefined, undefined));
    await h.jobs.deleteBuild(job, 1);
    assert.equal(await readLinks(home.dir, 'd'), expected());
  });

  test('the build discarder keeps the file right when it removes the builds permalinks name', async () => {
    await using home = await tempDir();
    await using h = await openHome(home.dir);
    const rotator = `
  <logRotator class="hudson.tasks.LogRotator">
    <daysToKeep>-1</daysToKeep>
    <numToKeep>1</numToKeep>
    <artifactDaysToKeep>-1</artifactDaysToKeep>
    <artifactNumToKeep>-1</artifactNumToKeep>
  </logRotator>`;
    await h.jobs.create('r', freestyleXml({ command: 'true', extra: rotator }));
    for (const r of ['SUCCESS', 'FAILURE', 'UNSTABLE'] as const) await finishBuild(h.jobs, 'r', r);
    await h.jobs.idle();
    // #1 stays as the last stable build, #3 as the newest (and last successful); #2 goes.
    assert.deepEqual(await h.store.listDir('jobs/r/builds'), ['1', '3', 'permalinks']);
    assert.equal(await readLinks(home.dir, 'r'), expected(3, undefined, 1, 3, 3, 3));
    await finishBuild(h.jobs, 'r', 'SUCCESS');
    await h.jobs.idle();
    assert.deepEqual(await h.store.listDir('jobs/r/builds'), ['4', 'permalinks']);
    assert.equal(await readLinks(home.dir, 'r'), expected(4, undefined, 4, 4, undefined, undefined));
  });

  test('the file is written once every older build of the job has ended', async () => {
    await using home = await tempDir();
    await using h = await openHome(home.dir);
    await h.jobs.create('c', freestyleXml({ command: 'true' }));
    const job = h.jobs.require('c');
    const first = await startBuild(h.jobs, 'c');
    const second = await startBuild(h.jobs, 'c');
    await h.jobs.complete(job, second, 'SUCCESS');
    await h.jobs.idle();
    // Should the controller stop now, #1 is read back as aborted: a file that agreed with #2 would hide it.
    assert.equal(await h.store.exists('jobs/c/builds/permalinks'), false);
    assert.equal(await h.jobs.permalink(job, 'lastCompletedBuild'), 2);
    assert.equal(await h.jobs.permalink(job, 'lastFailedBuild'), undefined);
    await h.jobs.complete(job, first, 'FAILURE');
    await h.jobs.idle();
    assert.equal(await readLinks(home.dir, 'c'), expected(2, 1, 2, 2, undefined, 1));
  });

  test('a file naming a build that is gone is not believed: the records are read', async () => {
    await using home = await tempDir();
    // #3 was deleted by hand after the file was written.
    await writeJob(home.dir, 'gone', { 1: 'SUCCESS', 2: 'FAILURE' }, expected(3, 3, 1, 1, undefined, 3));
    // The file agrees on the newest build, but the failed build it names was deleted by hand.
    await writeJob(home.dir, 'hole', { 2: 'SUCCESS', 3: 'SUCCESS' }, expected(3, 1, 3, 3, undefined, 1));
    await using h = await openHome(home.dir);
    await h.jobs.load();
    assert.deepEqual(await targets(h.jobs, 'gone'), {
      lastCompletedBuild: 2,
      lastFailedBuild: 2,
      lastStableBuild: 1,
      lastSuccessfulBuild: 1,
      lastUnstableBuild: undefined,
      lastUnsuccessfulBuild: 2,
    });
    assert.equal(await h.jobs.lastResult(h.jobs.require('gone')), 'FAILURE');
    assert.equal(await h.jobs.permalink(h.jobs.require('hole'), 'lastFailedBuild'), undefined);
    assert.equal(await h.jobs.permalink(h.jobs.require('hole'), 'lastStableBuild'), 3);
  });

  test('a build whose end the file missed is found in the records, and the next build writes the file right', async () => {
    await using home = await tempDir();
    // #2 was running when its controller stopped: no result in its record, and not in the file.
    await writeJob(home.dir, 'missed', { 1: 'SUCCESS', 2: undefined }, expected(1, undefined, 1, 1, undefined, undefined));
    // A home from a controller that kept no permalinks.
    await writeJob(home.dir, 'none', { 1: 'UNSTABLE', 2: 'FAILURE', 3: 'SUCCESS' });
    await using h = await openHome(home.dir);
    await h.jobs.load();
    assert.equal(await h.jobs.lastResult(h.jobs.require('missed')), 'ABORTED');
    assert.equal(await h.jobs.permalink(h.jobs.require('missed'), 'lastUnsuccessfulBuild'), 2);
    assert.equal(await h.jobs.lastResult(h.jobs.require('none')), 'SUCCESS');
    await finishBuild(h.jobs, 'missed', 'SUCCESS');
    await finishBuild(h.jobs, 'none', 'FAILURE');
    await h.jobs.idle();
    assert.equal(await readLinks(home.dir, 'missed'), expected(3, undefined, 3, 3, undefined, 2));
    assert.equal(await readLinks(home.dir, 'none'), expected(4, 4, 3, 3, 1, 4));
  });
});
