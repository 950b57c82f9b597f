import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { StewardProcess, freestyleXml, tempDir } from '../support/steward-process.js';

/** A home's config.xml as Jenkins writes it with the built-in node set to "Only build jobs with label expressions matching this node". */
const EXCLUSIVE_CONFIG = `<?xml version='1.1' encoding='UTF-8'?>
<hudson>
  <version>2.479.3</version>
  <numExecutors>2</numExecutors>
  <mode>EXCLUSIVE</mode>
  <label></label>
  <quietPeriod>0</quietPeriod>
  <useSecurity>true</useSecurity>
</hudson>
`;

describe('a built-in node in EXCLUSIVE mode', () => {
  test('leaves an unlabelled job in the queue waiting for an executor and runs a job labelled built-in', async () => {
    await using home = await tempDir();
    await writeFile(path.join(home.dir, 'config.xml'), EXCLUSIVE_CONFIG);
    const s = await StewardProcess.start(home.dir);
    try {
      assert.equal((await s.json<{ mode: string }>('api/json')).mode, 'EXCLUSIVE');
      await s.createJob('anywhere', freestyleXml({ command: 'true' }));
      await s.createJob('tied', freestyleXml({ command: 'true', assignedNode: 'built-in' }));

      const waiting = await s.queueBuild('anywhere');
      const tied = await s.queueBuild('tied');
      assert.equal(await s.waitForResult('tied', await s.buildNumberOf(tied)), 'SUCCESS');

      const item = await s.json<{ _class: string; why: string; buildable: boolean }>(`queue/item/${waiting}/api/json`);
      assert.equal(item._class, 'hudson.model.Queue$BuildableItem');
      assert.equal(item.why, 'Waiting for next available executor');
      const computer = await s.json<{ idle: boolean; offline: boolean }>('computer/(built-in)/api/json');
      assert.deepEqual({ idle: computer.idle, offline: computer.offline }, { idle: true, offline: false }, 'the executors are free, and still the job waits');
      assert.equal((await s.json<{ lastBuild: unknown }>('job/anywhere/api/json')).lastBuild, null);
    } finally {
      await s.stop();
    }
  });
});
