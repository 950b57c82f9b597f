import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { eventually } from '../support/eventually.js';
import { StewardProcess, tempDir, useController } from '../support/steward-process.js';

const fixtureFile = (name: string): URL => new URL(`fixtures/upstream/${name}`, import.meta.url);
const fixture = (name: string): string => readFileSync(fixtureFile(name), 'utf8');
const withBuilder = (xml: string, command: string): string =>
  xml.replace('<builders/>', `<builders>\n    <hudson.tasks.Shell>\n      <command>${command}</command>\n    </hudson.tasks.Shell>\n  </builders>`);

/** The jenskipper job with its throttle turned on as `throttle` says, concurrent, running `command`. */
function throttled(throttle: { total?: number; perNode?: number; option?: 'project' | 'category'; categories?: string[] }, command: string): string {
  const categories = throttle.categories === undefined ? '' : `\n      <categories class="java.util.concurrent.CopyOnWriteArrayList">${throttle.categories.map((c) => `\n        <string>${c}</string>`).join('')}\n      </categories>`;
  return withBuilder(fixture('throttle-job.xml'), command)
    .replace('<maxConcurrentPerNode>0</maxConcurrentPerNode>', `<maxConcurrentPerNode>${throttle.perNode ?? 0}</maxConcurrentPerNode>`)
    .replace('<maxConcurrentTotal>0</maxConcurrentTotal>', `<maxConcurrentTotal>${throttle.total ?? 0}</maxConcurrentTotal>${categories}`)
    .replace('<throttleEnabled>false</throttleEnabled>', '<throttleEnabled>true</throttleEnabled>')
    .replace('<throttleOption>project</throttleOption>', `<throttleOption>${throttle.option ?? 'project'}</throttleOption>`)
    .replace('<concurrentBuild>false</concurrentBuild>', '<concurrentBuild>true</concurrentBuild>');
}

type Item = { blocked: boolean; buildable: boolean; why: string | null; executable?: { number: number } | null };

describe('queue blocking by job properties', () => {
  const ctl = useController();

  test('a concurrent job throttled to 1 build in all keeps its second build queued, saying why, until the first ends', async () => {
    const s = ctl.s;
    await s.createJob('throttled', throttled({ total: 1 }, 'sleep 3'));
    const first = await s.queueBuild('throttled');
    const n1 = await s.buildNumberOf(first);
    const second = await s.queueBuild('throttled');
    const item = await s.json<Item>(`queue/item/${second}/api/json`);
    assert.equal(item.blocked, true);
    assert.equal(item.why, 'Already running 1 builds across all nodes');
    assert.equal(await s.waitForResult('throttled', n1), 'SUCCESS');
    const n2 = await s.buildNumberOf(second);
    assert.equal(await s.waitForResult('throttled', n2), 'SUCCESS');
    const [b1, b2] = await Promise.all([n1, n2].map((n) => s.json<{ timestamp: number; duration: number }>(`job/throttled/${n}/api/json`)));
    assert.ok(b2!.timestamp >= b1!.timestamp + b1!.duration, 'the second build started after the first ended');
  });

  test('a job that blocks while its upstream builds waits, with Jenkins\' text, until the upstream build ends', async () => {
    const s = ctl.s;
    await s.createJob('blocked-down', withBuilder(fixture('C.xml'), 'true').replace('<blockBuildWhenUpstreamBuilding>false</blockBuildWhenUpstreamBuilding>', '<blockBuildWhenUpstreamBuilding>true</blockBuildWhenUpstreamBuilding>'));
    await s.createJob('blocking-up', withBuilder(fixture('A.xml'), 'sleep 3').replace('<childProjects>B</childProjects>', '<childProjects>blocked-down</childProjects>'));
    const up = await s.buildNumberOf(await s.queueBuild('blocking-up'));
    const down = await s.queueBuild('blocked-down');
    const item = await s.json<Item>(`queue/item/${down}/api/json`);
    assert.equal(item.blocked, true);
    assert.equal(item.why, 'Upstream project blocking-up is already building.');
    assert.equal(await s.waitForResult('blocking-up', up), 'SUCCESS');
    const n = await s.buildNumberOf(down);
    assert.equal(await s.waitForResult('blocked-down', n), 'SUCCESS');
    const upBuild = await s.json<{ timestamp: number; duration: number }>(`job/blocking-up/${up}/api/json`);
    const downBuild = await s.json<{ timestamp: number; actions: { causes?: { shortDescription: string }[] }[] }>(`job/blocked-down/${n}/api/json`);
    assert.ok(downBuild.timestamp >= upBuild.timestamp + upBuild.duration, 'it started after the upstream build ended');
    // The upstream build's own trigger merged into the waiting item: one build, both causes.
    const causes = downBuild.actions.flatMap((a) => a.causes ?? []).map((c) => c.shortDescription);
    assert.deepEqual(causes, ['Started by user admin', `Started by upstream project "blocking-up" build number ${up}`]);
    assert.equal((await s.json<{ lastBuild: { number: number } }>('job/blocked-down/api/json')).lastBuild.number, n);
  });

  test('a job that blocks while its downstream builds waits, saying which, until that build ends', async () => {
    const s = ctl.s;
    await s.createJob('busy-down', withBuilder(fixture('C.xml'), 'sleep 3'));
    await s.createJob(
      'waits-up',
      withBuilder(fixture('A.xml'), 'true')
        .replace('<childProjects>B</childProjects>', '<childProjects>busy-down</childProjects>')
        .replace('<blockBuildWhenDownstreamBuilding>false</blockBuildWhenDownstreamBuilding>', '<blockBuildWhenDownstreamBuilding>true</blockBuildWhenDownstreamBuilding>'),
    );
    const down = await s.buildNumberOf(await s.queueBuild('busy-down'));
    const up = await s.queueBuild('waits-up');
    const item = await s.json<Item>(`queue/item/${up}/api/json`);
    assert.equal(item.blocked, true);
    assert.equal(item.why, 'Downstream project busy-down is already building.');
    assert.equal(await s.waitForResult('busy-down', down), 'SUCCESS');
    const n = await s.buildNumberOf(up);
    assert.equal(await s.waitForResult('waits-up', n), 'SUCCESS');
  });

  test('jobs of a throttle category from the plugin\'s global configuration in the home share its per-node limit', async () => {
    await using home = await tempDir();
    copyFileSync(fixtureFile('hudson.plugins.throttleconcurrents.ThrottleJobProperty.xml'), path.join(home.dir, 'hudson.plugins.throttleconcurrents.ThrottleJobProperty.xml'));
    for (const name of ['cat-a', 'cat-b']) {
      mkdirSync(path.join(home.dir, 'jobs', name), { recursive: true });
      writeFileSync(path.join(home.dir, 'jobs', name, 'config.xml'), throttled({ option: 'category', categories: ['one_per_node'] }, 'sleep 3'));
    }
    const s = await StewardProcess.start(home.dir);
    try {
      const a = await s.buildNumberOf(await s.queueBuild('cat-a'));
      const b = await s.queueBuild('cat-b');
      const item = await s.json<Item>(`queue/item/${b}/api/json`);
      assert.equal(item.buildable, true);
      assert.equal(item.why, 'Already running 1 builds on node');
      assert.equal(await s.waitForResult('cat-a', a), 'SUCCESS');
      const n = await eventually(async () => (await s.json<Item>(`queue/item/${b}/api/json`)).executable?.number, 'cat-b to start');
      assert.equal(await s.waitForResult('cat-b', n), 'SUCCESS');
    } finally {
      await s.stop();
    }
  });
});
