import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { StewardProcess, eventually, freestyleXml } from '../support/steward-process.js';
import { FailingDisk } from '../support/failing-disk.js';

type Monitors = { administrativeMonitors: { id: string; message: string }[] };

async function homeMonitor(s: StewardProcess): Promise<string | undefined> {
  const m = await s.json<Monitors>('manage/api/json');
  return m.administrativeMonitors.find((x) => x.id === 'homeUnwritable')?.message;
}

describe('a controller whose home disk fails with EIO', () => {
  let disk: FailingDisk;
  let s: StewardProcess;

  before(async () => {
    disk = await FailingDisk.mount();
    s = await StewardProcess.start(disk.home());
    await s.createJob('app', freestyleXml({ command: 'echo built' }));
    // Its builds wait in the queue: no node has its label.
    await s.createJob('elsewhere', freestyleXml({ command: 'true', assignedNode: 'nowhere' }));
    // Its builds wait out a quiet period of ten minutes: a request's item is still queued when answered.
    await s.createJob('parked', freestyleXml({ command: 'true', quietPeriod: 600 }));
  });
  after(async () => {
    await s?.stop();
    await disk?.[Symbol.asyncDispose]();
  });

  test('build requests are refused with 503 while writes fail, what was queued before stays, and builds run again once the disk is mended', async () => {
    const kept = await s.queueBuild('elsewhere');
    await disk.fail();
    // The first request meets the failing disk when its item is made durable in the home's journal: refused, and withdrawn.
    const first = await s.fetch('job/parked/build', { method: 'POST' });
    assert.equal(first.status, 503);
    assert.match(((await first.json()) as { error: { message: string } }).error.message, /^could not append to \.steward\/journal\/\d{16} in the home: the home's disk is failing \(EIO/);
    const message = await eventually(() => homeMonitor(s), 'the home to be reported unwritable in /manage');
    assert.match(message, /^The home's disk is failing since .*could not append to \.steward\/journal\/\d{16} in the home: the home's disk is failing \(EIO/);
    assert.match(message, /mend the disk of the home/);

    const refused = await s.fetch('job/app/build', { method: 'POST' });
    assert.equal(refused.status, 503);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'STW_HOME_IO');
    assert.match(body.error.message, /^no build can be queued while the home's disk is failing \(could not append to \.steward\/journal\/\d{16} in the home: the home's disk is failing \(EIO/);
    assert.deepEqual((await s.json<{ items: { id: number }[] }>('queue/api/json')).items.map((i) => i.id), [kept]);
    assert.equal((await s.fetch('health/live')).status, 200);
    assert.equal(s.child.exitCode, null);

    await disk.mend();
    await eventually(async () => ((await homeMonitor(s)) === undefined ? true : undefined), 'the home to be writable again');
    const saved = await readFile(path.join(s.home, 'queue.xml'), 'utf8');
    assert.deepEqual([...saved.matchAll(/<id>(\d+)<\/id>/g)].map((m) => Number(m[1])), [kept]);
    const n = await s.buildNumberOf(await s.queueBuild('app'));
    assert.equal(await s.waitForResult('app', n), 'SUCCESS');
  });
});
