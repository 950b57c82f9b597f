import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { jobColor, permalinkTarget } from '../../src/web/model.js';
import { openHome } from '../jobs/home.js';
import { freestyleXml, tempDir } from '../support/steward-process.js';

describe("a job's colour", () => {
  test('comes from a Jenkins-written builds/permalinks without reading any build.xml', async () => {
    await using home = await tempDir();
    const dir = path.join(home.dir, 'jobs', 'j');
    await writeFile(path.join(await mkdirp(dir), 'config.xml'), freestyleXml({ command: 'true' }));
    // Records that cannot be parsed: read, each would be logged and left out, and the colour lost.
    for (const n of [1, 2, 3]) await writeFile(path.join(await mkdirp(path.join(dir, 'builds', String(n))), 'build.xml'), '<build><result>');
    await writeFile(
      path.join(dir, 'builds', 'permalinks'),
      'lastCompletedBuild 3\nlastFailedBuild 3\nlastStableBuild 2\nlastSuccessfulBuild 2\nlastUnstableBuild -1\nlastUnsuccessfulBuild 3\n',
    );
    const warnings: string[] = [];
    await using h = await openHome(home.dir, pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) }));
    await h.jobs.load();
    const job = h.jobs.require('j');
    assert.equal(await jobColor(h.jobs, job), 'red');
    assert.equal(await permalinkTarget(h.jobs, job, 'lastStableBuild'), 2);
    assert.equal(await permalinkTarget(h.jobs, job, 'lastUnstableBuild'), undefined);
    assert.equal(job.records.size, 0, 'no build record was read');
    assert.deepEqual(warnings, []);
  });

  test('while a build runs is the last completed result, animated', async () => {
    await using home = await tempDir();
    await using h = await openHome(home.dir);
    await h.jobs.create('a', freestyleXml({ command: 'true' }));
    const job = h.jobs.require('a');
    const start = () => h.jobs.allocate(job, { queueId: 1, parameters: [], causes: [], builtOn: '', workspace: '/w', scheduledAt: 0 });
    assert.equal(await jobColor(h.jobs, job), 'notbuilt');
    const first = await start();
    assert.equal(await jobColor(h.jobs, job), 'notbuilt_anime');
    await h.jobs.complete(job, first, 'UNSTABLE');
    assert.equal(await jobColor(h.jobs, job), 'yellow');
    const second = await start();
    assert.equal(await jobColor(h.jobs, job), 'yellow_anime');
    assert.equal(await permalinkTarget(h.jobs, job, 'lastCompletedBuild'), 1);
    await h.jobs.complete(job, second, 'ABORTED');
    assert.equal(await jobColor(h.jobs, job), 'aborted');
    await h.jobs.idle();
  });
});

async function mkdirp(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return dir;
}
