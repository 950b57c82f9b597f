import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { Scheduler } from '../../src/controller/scheduler.js';
import type { HomeStore } from '../../src/home/index.js';
import type { Jobs } from '../../src/jobs/index.js';
import { freestyleXml, tempDir } from '../support/steward-process.js';
import { openHome } from '../jobs/home.js';

function schedulerOf({ jobs, store }: { jobs: Jobs; store: HomeStore }): Scheduler {
  return new Scheduler({
    store,
    jobs,
    logger: pino({ level: 'silent' }),
    computers: () => [],
    rootUrl: () => 'http://localhost/',
    baseEnv: {},
    killGraceMs: 1_000,
    queueChanged: () => {},
  });
}

async function build(jobs: Jobs, name: string, builtOn: string): Promise<void> {
  const job = jobs.require(name);
  const b = await jobs.allocate(job, { queueId: 1, parameters: [], causes: [], builtOn, workspace: '/w', scheduledAt: 0 });
  await jobs.complete(job, b, 'SUCCESS');
}

describe("the scheduler's answer to where a job last built", () => {
  test('comes from the newest build record in memory, and after a restart from records read since', async () => {
    await using dir = await tempDir();
    {
      await using h = await openHome(dir.dir);
      await h.jobs.create('app', freestyleXml({ command: 'true' }));
      await h.jobs.create('tool', freestyleXml({ command: 'true' }));
      const scheduler = schedulerOf(h);
      assert.equal(scheduler.lastBuiltOn('app'), undefined, 'no build yet');
      await build(h.jobs, 'app', '');
      assert.equal(scheduler.lastBuiltOn('app'), 'built-in', 'build.xml names the built-in node with an empty builtOn');
      await build(h.jobs, 'app', 'linux-7');
      await build(h.jobs, 'tool', 'linux-2');
      assert.equal(scheduler.lastBuiltOn('app'), 'linux-7');
      await h.jobs.idle();
    }
    await using h = await openHome(dir.dir);
    await h.jobs.load();
    const scheduler = schedulerOf(h);
    assert.equal(scheduler.lastBuiltOn('app'), undefined, 'not read from the home on the queue’s hot path');
    // What start-up reads for a job with items in queue.xml: its newest records.
    await h.jobs.startedQueueIds(h.jobs.require('app'), 3);
    assert.equal(scheduler.lastBuiltOn('app'), 'linux-7');
    assert.equal(scheduler.lastBuiltOn('tool'), undefined);
    assert.equal(scheduler.lastBuiltOn('gone'), undefined);
  });
});
