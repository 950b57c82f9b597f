import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { StewardProcess, eventually, freestyleXml, stringParam } from '../support/steward-process.js';
import { SmallDisk } from '../support/small-disk.js';

type Monitors = { administrativeMonitors: { id: string; message: string }[] };
type QueueJson = { items: { id: number; why: string | null; task: { name: string } }[] };

/** The controller's log lines whose message matches. */
function logged(s: StewardProcess, pattern: RegExp): Record<string, unknown>[] {
  return s.lines.filter((l) => typeof l.msg === 'string' && pattern.test(l.msg));
}

async function homeMonitor(s: StewardProcess): Promise<string | undefined> {
  const m = await s.json<Monitors>('manage/api/json');
  return m.administrativeMonitors.find((x) => x.id === 'homeUnwritable')?.message;
}

async function queueXml(home: string): Promise<string> {
  return readFile(path.join(home, 'queue.xml'), 'utf8').catch(() => '');
}

describe('a controller whose home disk fills up', () => {
  let disk: SmallDisk;
  let s: StewardProcess;

  before(async () => {
    disk = await SmallDisk.mount(16 * 1024 * 1024);
    s = await StewardProcess.start(disk.home());
    // Prints a long line every 50 ms for as long as FOREVER is yes; a quick success otherwise.
    await s.createJob(
      'chatty',
      freestyleXml({
        command: 'if [ "$FOREVER" = yes ]; then while true; do printf "%0200d\\n" 0; sleep 0.05; done; fi; echo done',
        parameters: stringParam('FOREVER', 'yes'),
      }),
    );
    // Its builds wait in the queue: no node has its label.
    await s.createJob('elsewhere', freestyleXml({ command: 'true', assignedNode: 'nowhere' }));
    // Its builds wait out a quiet period of ten minutes, so that a request's item is still queued
    // when its answer comes.
    await s.createJob('parked', freestyleXml({ command: 'true', quietPeriod: 600 }));
  });
  after(async () => {
    await s?.stop();
    await disk?.[Symbol.asyncDispose]();
  });

  test('build requests are refused with 507 while the disk is full, what was queued before stays, and queue.xml is written again once there is room', async () => {
    const before = await s.queueBuild('elsewhere');
    await disk.fill();
    // A request's item is made durable in the home's journal: taken while the journal's last page
    // of disk has room, then refused, and withdrawn, by the first one that meets the full disk.
    const taken: number[] = [];
    let first: Response | undefined;
    for (let i = 0; i < 200 && first === undefined; i++) {
      // Requests after the first merge into its item: each answer still waits for the item's note.
      const res = await s.fetch('job/parked/build', { method: 'POST' });
      if (res.status !== 201) first = res;
      else taken.push(Number(/queue\/item\/(\d+)\//.exec(res.headers.get('location') ?? '')?.[1]));
    }
    assert.ok(first !== undefined, 'a request meets the full disk');
    assert.equal(first.status, 507);
    assert.match(((await first.json()) as { error: { message: string } }).error.message, /^could not append to \.steward\/journal\/\d{16} in the home: the home's disk is full \(ENOSPC/);
    const message = await eventually(() => homeMonitor(s), 'the home to be reported unwritable in /manage');
    assert.match(message, /The home's disk is full since .*could not append to \.steward\/journal\/\d{16} in the home: the home's disk is full \(ENOSPC/);
    assert.match(message, /free space on the disk of the home/);

    // The next ones are refused before anything is queued.
    const refused = await s.fetch('job/parked/build', { method: 'POST' });
    assert.equal(refused.status, 507);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'STW_HOME_FULL');
    assert.match(body.error.message, /^no build can be queued while the home's disk is full \(could not append to \.steward\/journal\//);
    assert.equal(refused.headers.get('location'), null);
    const queued = await s.json<QueueJson>('queue/api/json');
    assert.deepEqual(queued.items.map((i) => i.id).sort((a, b) => a - b), [before, ...new Set(taken)], 'what was taken is queued, nothing refused is');
    assert.equal((await s.fetch('health/live')).status, 200);
    assert.match(await (await s.fetch('metrics')).text(), /^steward_home_writable 0$/m);
    // Other writes are refused the same way, and change nothing.
    const created = await s.fetch('createItem?name=late', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: freestyleXml({ command: 'true' }) });
    assert.equal(created.status, 507);
    assert.equal((await s.fetch('job/late/api/json')).status, 404);

    await disk.free();
    await eventually(async () => ((await homeMonitor(s)) === undefined ? true : undefined), 'the home to be writable again');
    // queue.xml held `before` when the disk filled; what was taken since is written with it now.
    const expected = [before, ...new Set(taken)];
    const saved = await eventually(async () => {
      const ids = [...(await queueXml(s.home)).matchAll(/<id>(\d+)<\/id>/g)].map((m) => Number(m[1]));
      return ids.length === expected.length ? ids : undefined;
    }, 'queue.xml to be written again');
    assert.deepEqual(saved, expected);
    assert.equal(logged(s, /^the home takes writes again/).length, 1);
    assert.match(await (await s.fetch('metrics')).text(), /^steward_home_writable 1$/m);
    // The job refused for want of space can be made now: nothing of it was left behind.
    await s.createJob('late', freestyleXml({ command: 'true' }));
  });

  test('a running build whose log cannot be written ends FAILURE, a queued build waits, and runs once there is room, without a restart', async () => {
    const first = await s.buildNumberOf(await s.queueBuild('chatty', { FOREVER: 'yes' }));
    // Asked for while #1 runs: it waits behind it (the job does not run concurrently).
    const waiting = await s.queueBuild('chatty', { FOREVER: 'no' });
    await eventually(async () => ((await s.fetch(`job/chatty/${first}/consoleText`)).headers.get('content-length') !== '0' ? true : undefined), 'the build to write its log');

    await disk.fill();
    assert.equal(await s.waitForResult('chatty', first), 'FAILURE');
    const stopped = logged(s, /^build chatty #\d+ is stopped: its log cannot be written/);
    assert.equal(stopped.length, 1);
    assert.match(String(stopped[0]?.msg), new RegExp(`^build chatty #${first} is stopped: its log cannot be written: could not append to jobs/chatty/builds/${first}/log in the home: the home's disk is full \\(ENOSPC`));
    // What the log holds is what the step printed, but for the chunk the disk refused, which was
    // cut back: whole lines, only the last of which may end where a chunk of output ended.
    const text = await (await s.fetch(`job/chatty/${first}/consoleText`)).text();
    const printed = text.split('\n').filter((l) => /^0+$/.test(l));
    assert.ok(printed.length > 1);
    assert.ok(printed.slice(0, -1).every((l) => l.length === 200), 'no torn line');

    // The waiting item is not lost: its build could not start, and it waits, saying why.
    const item = await eventually(async () => {
      const q = await s.json<QueueJson>('queue/api/json');
      const found = q.items.find((i) => i.id === waiting);
      return found?.why === 'Waiting for the home to take writes again: its disk is full' ? found : undefined;
    }, 'the waiting item to be held');
    assert.equal(item.task.name, 'chatty');
    assert.equal(s.child.exitCode, null, 'the controller is still running');

    await disk.free();
    const second = await s.buildNumberOf(waiting);
    assert.equal(second, first + 1, 'build numbers go on without a gap');
    assert.equal(await s.waitForResult('chatty', second), 'SUCCESS');
    assert.match(await (await s.fetch(`job/chatty/${second}/consoleText`)).text(), /\ndone\n[^]*Finished: SUCCESS\n$/);
    // The first build's end, which the disk refused, is recorded now that there is room: its log
    // says why it ended, on a line of its own, and its record has the result.
    const ended = await eventually(async () => {
      const t = await (await s.fetch(`job/chatty/${first}/consoleText`)).text();
      return t.includes('Finished: ') ? t : undefined;
    }, `the log of #${first} to say how it ended`);
    assert.ok(ended.startsWith(text));
    assert.match(ended.slice(text.length), new RegExp(`^\\n?ERROR: the build's log could not be written: could not append to jobs/chatty/builds/${first}/log in the home: the home's disk is full \\(ENOSPC in write\\)\\nFinished: FAILURE\\n$`));
    await eventually(async () => (/<result>FAILURE<\/result>/.test(await readFile(path.join(s.home, `jobs/chatty/builds/${first}/build.xml`), 'utf8')) ? true : undefined), `build.xml of #${first} to record FAILURE`);
    assert.equal((await s.fetch('job/chatty/buildWithParameters', { method: 'POST', body: new URLSearchParams({ FOREVER: 'no' }) })).status, 201);
  });
});
