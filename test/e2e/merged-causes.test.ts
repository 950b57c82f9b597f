import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { eventually } from '../support/eventually.js';
import { StewardProcess, freestyleXml, tempDir, useController } from '../support/steward-process.js';

const REQUESTS = 2000;

type Causes = { actions: { _class?: string; causes?: { _class: string; shortDescription: string; userId?: string }[] }[] };
const causesOf = (x: Causes) => x.actions.find((a) => a._class === 'hudson.model.CauseAction')?.causes;

describe('identical build requests', () => {
  const ctl = useController();

  test('2,000 identical requests make one queue item with one cause counted 2,000 times, and a build started by it once', async () => {
    const s = ctl.s;
    await s.createJob('merged', freestyleXml({ command: 'true' }));
    const first = await s.fetch('job/merged/build?delay=15sec', { method: 'POST' });
    assert.equal(first.status, 201);
    const location = first.headers.get('location');
    let sent = 1;
    const worker = async (): Promise<void> => {
      while (sent < REQUESTS) {
        sent++;
        const res = await s.fetch('job/merged/build', { method: 'POST' });
        await res.arrayBuffer();
        assert.equal(res.headers.get('location'), location);
      }
    };
    await Promise.all(Array.from({ length: 20 }, worker));

    const queueId = Number(/queue\/item\/(\d+)\//.exec(location ?? '')?.[1]);
    const item = await s.json<Causes>(`queue/item/${queueId}/api/json`);
    assert.deepEqual(causesOf(item), [{ _class: 'hudson.model.Cause$UserIdCause', shortDescription: 'Started by user admin', userId: 'admin', userName: 'admin' }]);

    const xml = await eventually(() => {
      const text = readFileSync(path.join(ctl.home, 'queue.xml'), 'utf8');
      assert.match(text, new RegExp(`<int>${REQUESTS}</int>`));
      return text;
    }, 'queue.xml with the counted cause');
    const items = xml.match(/<hudson\.model\.Queue_-WaitingItem>[\s\S]*?<\/hudson\.model\.Queue_-WaitingItem>/g) ?? [];
    assert.equal(items.length, 1, xml.slice(0, 2000));
    assert.ok(Buffer.byteLength(items[0] ?? '') < 4096, `the item takes ${Buffer.byteLength(items[0] ?? '')} bytes`);
    assert.equal(xml.match(/Cause_-UserIdCause>/g)?.length, 2, 'one cause, opened and closed');

    const n = await s.buildNumberOf(queueId);
    assert.equal(await s.waitForResult('merged', n), 'SUCCESS');
    const build = await s.json<Causes>(`job/merged/${n}/api/json`);
    assert.equal(causesOf(build)?.length, 1);
    const log = await (await s.fetch(`job/merged/${n}/consoleText`)).text();
    assert.equal(log.split('\n').filter((l) => l.startsWith('Started by user admin')).length, 1, log.slice(0, 500));
    const record = readFileSync(path.join(ctl.home, 'jobs/merged/builds', String(n), 'build.xml'), 'utf8');
    assert.match(record, new RegExp(`<hudson\\.model\\.Cause_-UserIdCause>\\s*<userId>admin</userId>[\\s\\S]*?</hudson\\.model\\.Cause_-UserIdCause>\\s*<int>${REQUESTS}</int>`));
    assert.ok(Buffer.byteLength(record) < 4096, `build.xml takes ${Buffer.byteLength(record)} bytes`);
  });

  test('a build.xml from Jenkins with a cause counted twice in its causeBag shows that cause once', async () => {
    await using home = await tempDir();
    const builds = path.join(home.dir, 'jobs/shop-api/builds/57');
    mkdirSync(builds, { recursive: true });
    writeFileSync(path.join(home.dir, 'jobs/shop-api/config.xml'), freestyleXml({ command: 'true' }));
    writeFileSync(path.join(builds, 'build.xml'), readFileSync(new URL('../jobs/config/fixtures/build-jenkins.xml', import.meta.url)));
    writeFileSync(path.join(home.dir, 'jobs/shop-api/nextBuildNumber'), '58');
    const s = await StewardProcess.start(home.dir);
    try {
      const build = await s.json<Causes>('job/shop-api/57/api/json');
      assert.deepEqual(
        causesOf(build)?.map((c) => c.shortDescription),
        ['Started by user alice', 'Started by an upstream project', 'Started by timer'],
      );
    } finally {
      await s.stop();
    }
  });
});
