import assert from 'node:assert/strict';
import { readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { StewardProcess, freestyleXml, stringParam, tempDir } from '../support/steward-process.js';

/** The paths the journal's segments say were written, in the home. */
async function journaledPaths(home: string): Promise<Set<string>> {
  const dir = path.join(home, '.steward', 'journal');
  const paths = new Set<string>();
  for (const name of await readdir(dir).catch(() => [])) {
    for (const line of (await readFile(path.join(dir, name), 'utf8')).split('\n')) {
      if (line === '') continue;
      for (const c of (JSON.parse(line) as { c: { write?: string }[] }).c) if (c.write !== undefined) paths.add(c.write);
    }
  }
  return paths;
}

describe("the home's journal", () => {
  test('after a crash of the machine took the files written since the last checkpoint, the journal gives back every build record, the build numbers and the accepted queue items', async () => {
    await using home = await tempDir();
    // No checkpoint during the test: everything below is only in the journal and in files never fsynced.
    const args = ['--journal-checkpoint', '10m'];
    let s = await StewardProcess.start(home.dir, args);
    await s.createJob('kept', freestyleXml({ command: 'echo "build $BUILD_NUMBER of $X"', parameters: stringParam('X', 'd') }));
    for (const x of ['a', 'b', 'c']) assert.equal(await s.waitForResult('kept', await s.buildNumberOf(await s.queueBuild('kept', { X: x }))), 'SUCCESS');
    await s.setExecutors(0);
    const accepted = await s.queueBuild('kept', { X: 'queued' });
    assert.equal(await s.stop('SIGKILL'), null);

    // What a machine crash does to files written without fsync: they are gone. The journal is
    // fsynced, so it stays.
    const lost = await journaledPaths(home.dir);
    for (const p of ['jobs/kept/nextBuildNumber', 'jobs/kept/builds/1/build.xml', 'jobs/kept/builds/3/build.xml']) assert.ok(lost.has(p), `the journal holds ${p}`);
    for (const p of [...lost, 'queue.xml']) await rm(path.join(home.dir, p), { force: true });

    s = await StewardProcess.start(home.dir, args);
    try {
      const job = await s.json<{ builds: { number: number }[]; nextBuildNumber: number }>('job/kept/api/json');
      assert.deepEqual(job.builds.map((b) => b.number), [3, 2, 1]);
      assert.equal(job.nextBuildNumber, 4, 'no number is given out twice');
      for (const n of [1, 2, 3]) {
        const b = await s.json<{ result: string; building: boolean }>(`job/kept/${n}/api/json`);
        assert.deepEqual({ n, result: b.result, building: b.building }, { n, result: 'SUCCESS', building: false });
      }
      const queued = await s.json<{ items: { id: number }[] }>('queue/api/json');
      assert.deepEqual(queued.items.map((i) => i.id), [accepted], 'the accepted build request is queued again');
      await s.setExecutors(1);
      const fourth = await s.buildNumberOf(accepted);
      assert.equal(fourth, 4);
      assert.equal(await s.waitForResult('kept', 4), 'SUCCESS');
      assert.match(await (await s.fetch('job/kept/4/consoleText')).text(), /build 4 of queued/);
      assert.match(await readFile(path.join(home.dir, 'jobs/kept/builds/2/build.xml'), 'utf8'), /<result>SUCCESS<\/result>/, 'build.xml is in the home again, for the tools that read it');
    } finally {
      await s.stop();
    }
  });

  test('a controller that stops gracefully checkpoints: the next start has no journal to read', async () => {
    await using home = await tempDir();
    const s = await StewardProcess.start(home.dir, ['--journal-checkpoint', '10m']);
    await s.createJob('once', freestyleXml({ command: 'true' }));
    assert.equal(await s.waitForResult('once', await s.buildNumberOf(await s.queueBuild('once'))), 'SUCCESS');
    assert.ok((await readdir(path.join(home.dir, '.steward', 'journal'))).length > 0, 'the build went through the journal');
    assert.equal(await s.stop(), 0);
    assert.deepEqual(await readdir(path.join(home.dir, '.steward', 'journal')), []);
  });
});
