import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { StewardProcess, eventually, freestyleXml, stringParam, useController } from '../support/steward-process.js';


async function post(s: StewardProcess, p: string, form?: Record<string, string>): Promise<Response> {
  return s.fetch(p, { method: 'POST', ...(form === undefined ? {} : { body: new URLSearchParams(form) }) });
}

/** Queues a build and waits for it to finish; returns its number. */
async function runBuild(s: StewardProcess, job: string): Promise<number> {
  const n = await s.buildNumberOf(await s.queueBuild(job));
  await s.waitForResult(job, n);
  return n;
}

describe('job management through the Jenkins remote API', () => {
  const ctl = useController();

  test('disable and enable change only <disabled> in config.xml, and a disabled job refuses builds', async () => {
    const xml = freestyleXml({ command: 'echo hi', description: 'keep   these <&> bytes' });
    await ctl.s.createJob('toggle', xml);
    const file = path.join(ctl.home, 'jobs', 'toggle', 'config.xml');

    const off = await post(ctl.s, 'job/toggle/disable');
    assert.equal(off.status, 302);
    assert.equal(off.headers.get('location'), `${ctl.s.url}job/toggle/`);
    assert.equal(await readFile(file, 'utf8'), xml.replace('<disabled>false</disabled>', '<disabled>true</disabled>'));
    assert.equal((await ctl.s.json<{ disabled: boolean }>('job/toggle/api/json')).disabled, true);
    const refused = await post(ctl.s, 'job/toggle/build');
    assert.equal(refused.status, 409);

    const on = await post(ctl.s, 'job/toggle/enable');
    assert.equal(on.status, 302);
    assert.equal(await readFile(file, 'utf8'), xml);
    assert.equal((await ctl.s.json<{ disabled: boolean }>('job/toggle/api/json')).disabled, false);
    assert.equal((await post(ctl.s, 'job/nope/disable')).status, 404);
  });

  test('doDelete removes the job and its folder, and is refused while a build runs', async () => {
    await ctl.s.createJob('doomed', freestyleXml({ command: 'echo bye' }));
    await runBuild(ctl.s, 'doomed');
    assert.ok(existsSync(path.join(ctl.home, 'jobs', 'doomed', 'builds', '1')));

    const res = await post(ctl.s, 'job/doomed/doDelete');
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), ctl.s.url);
    assert.equal((await ctl.s.fetch('job/doomed/api/json')).status, 404);
    assert.equal(existsSync(path.join(ctl.home, 'jobs', 'doomed')), false);
    const root = await ctl.s.json<{ jobs: { name: string }[] }>('api/json');
    assert.ok(!root.jobs.some((j) => j.name === 'doomed'));

    await ctl.s.createJob('busy', freestyleXml({ command: 'sleep 30' }));
    assert.equal((await post(ctl.s, 'job/busy/build')).status, 201);
    await eventually(async () => ((await ctl.s.json<{ building: boolean }>('job/busy/1/api/json')).building ? true : undefined), 'busy #1 to run');
    const busy = await post(ctl.s, 'job/busy/doDelete');
    assert.equal(busy.status, 409);
    assert.equal(((await busy.json()) as { error: { code: string } }).error.code, 'STW_JOB_BUSY');
    assert.equal((await ctl.s.fetch('job/busy/api/json')).status, 200);
    await post(ctl.s, 'job/busy/1/stop');
    await eventually(async () => ((await ctl.s.json<{ building: boolean }>('job/busy/1/api/json')).building ? undefined : true), 'busy #1 to stop');
    assert.equal((await post(ctl.s, 'job/busy/doDelete')).status, 302);
  });

  test('NUMBER/doDelete removes one build; a missing build is 404', async () => {
    await ctl.s.createJob('pruned', freestyleXml({ command: 'echo x' }));
    await runBuild(ctl.s, 'pruned');
    await runBuild(ctl.s, 'pruned');
    const res = await post(ctl.s, 'job/pruned/1/doDelete');
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), `${ctl.s.url}job/pruned/`);
    assert.equal((await ctl.s.fetch('job/pruned/1/api/json')).status, 404);
    assert.equal(existsSync(path.join(ctl.home, 'jobs', 'pruned', 'builds', '1')), false);
    const job = await ctl.s.json<{ builds: { number: number }[] }>('job/pruned/api/json');
    assert.deepEqual(job.builds.map((b) => b.number), [2]);
    assert.equal((await post(ctl.s, 'job/pruned/9/doDelete')).status, 404);
  });

  test('doRename moves the job with its builds; a taken or bad name is refused', async () => {
    await ctl.s.createJob('before', freestyleXml({ command: 'echo renamed-log' }));
    await runBuild(ctl.s, 'before');
    await ctl.s.createJob('other', freestyleXml({ command: 'true' }));

    assert.equal((await post(ctl.s, 'job/before/doRename?newName=other')).status, 400);
    assert.equal((await post(ctl.s, 'job/before/doRename?newName=a%2Fb')).status, 400);

    const res = await post(ctl.s, 'job/before/doRename?newName=after');
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), `${ctl.s.url}job/after/`);
    assert.equal((await ctl.s.fetch('job/before/api/json')).status, 404);
    assert.equal(existsSync(path.join(ctl.home, 'jobs', 'before')), false);
    const job = await ctl.s.json<{ name: string; builds: { number: number }[]; nextBuildNumber: number }>('job/after/api/json');
    assert.equal(job.name, 'after');
    assert.deepEqual(job.builds.map((b) => b.number), [1]);
    assert.equal(job.nextBuildNumber, 2);
    assert.match(await (await ctl.s.fetch('job/after/1/consoleText')).text(), /renamed-log/);
    assert.equal(await runBuild(ctl.s, 'after'), 2);
  });

  test('queued builds of a renamed job stay queued under the new name, with their ids and parameters', async () => {
    await ctl.s.createJob('queued-before', freestyleXml({ command: 'echo "who=$WHO"', parameters: stringParam('WHO', 'nobody'), quietPeriod: 3 }));
    const first = await ctl.s.queueBuild('queued-before', { WHO: 'first' });
    const second = await ctl.s.queueBuild('queued-before', { WHO: 'second' });
    const failed = await post(ctl.s, 'job/queued-before/doRename?newName=other');
    assert.equal(failed.status, 400, 'a taken name is refused');
    assert.equal((await ctl.s.json<{ task: { name: string } }>(`queue/item/${first}/api/json`)).task.name, 'queued-before', 'and the items stay');
    const res = await post(ctl.s, 'job/queued-before/doRename?newName=queued-after');
    assert.equal(res.status, 302);
    const item = await ctl.s.json<{ id: number; task: { name: string }; _class: string }>(`queue/item/${first}/api/json`);
    assert.equal(item.task.name, 'queued-after');
    assert.equal(item._class, 'hudson.model.Queue$WaitingItem', 'still in its quiet period');
    const logs: string[] = [];
    for (const id of [first, second]) {
      const n = await ctl.s.buildNumberOf(id);
      assert.equal(await ctl.s.waitForResult('queued-after', n), 'SUCCESS');
      logs.push(await (await ctl.s.fetch(`job/queued-after/${n}/consoleText`)).text());
    }
    assert.match(logs[0] ?? '', /who=first/);
    assert.match(logs[1] ?? '', /who=second/);
  });

  test('createItem mode=copy gives the new job the same config.xml and no builds', async () => {
    const xml = freestyleXml({ command: 'echo original', description: 'copy me' });
    await ctl.s.createJob('source', xml);
    await runBuild(ctl.s, 'source');
    const res = await post(ctl.s, 'createItem?name=copied&mode=copy&from=source');
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), `${ctl.s.url}job/copied/`);
    assert.equal(await (await ctl.s.fetch('job/copied/config.xml')).text(), xml);
    assert.equal(await readFile(path.join(ctl.home, 'jobs', 'copied', 'config.xml'), 'utf8'), xml);
    const job = await ctl.s.json<{ builds: unknown[]; nextBuildNumber: number }>('job/copied/api/json');
    assert.deepEqual(job.builds, []);
    assert.equal(job.nextBuildNumber, 1);
    assert.equal((await post(ctl.s, 'createItem?name=copied2&mode=copy&from=missing')).status, 400);
    assert.equal((await post(ctl.s, 'createItem?name=copied&mode=copy&from=source')).status, 400);
  });

  test('nextbuildnumber/submit sets the number the next build gets', async () => {
    await ctl.s.createJob('numbered', freestyleXml({ command: 'true' }));
    const res = await post(ctl.s, 'job/numbered/nextbuildnumber/submit', { nextBuildNumber: '42' });
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), `${ctl.s.url}job/numbered/`);
    assert.equal((await ctl.s.json<{ nextBuildNumber: number }>('job/numbered/api/json')).nextBuildNumber, 42);
    assert.equal(await runBuild(ctl.s, 'numbered'), 42);
    const bad = await post(ctl.s, 'job/numbered/nextbuildnumber/submit', { nextBuildNumber: 'soon' });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: { message: string } }).error.message, /nextBuildNumber must be a whole number/);
    assert.equal((await post(ctl.s, 'job/numbered/nextbuildnumber/submit', { nextBuildNumber: '10' })).status, 400);
  });

  test('me, pluginManager and computer/(built-in) answer in Jenkins shapes', async () => {
    assert.deepEqual(await ctl.s.json('me/api/json'), {
      _class: 'hudson.model.User',
      absoluteUrl: `${ctl.s.url}user/admin`,
      description: null,
      fullName: 'admin',
      id: 'admin',
      property: [],
    });
    assert.deepEqual(await ctl.s.json('pluginManager/api/json?depth=2'), { _class: 'hudson.LocalPluginManager', plugins: [] });
    for (const name of ['(built-in)', '%28built-in%29', '(master)', 'built-in']) {
      const node = await ctl.s.json<{ _class: string; displayName: string; executors: unknown[] }>(`computer/${name}/api/json`);
      assert.equal(node._class, 'hudson.model.Hudson$MasterComputer');
      assert.equal(node.displayName, 'Built-In Node');
      assert.equal(node.executors.length, 2);
    }
    const missing = await ctl.s.fetch('computer/agent-7/api/json');
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'STW_NODE_NOT_FOUND');
  });
  test('permalinks (lastBuild, lastSuccessfulBuild, ...) stand for the build they name', async () => {
    const parameters = `
        <hudson.model.BooleanParameterDefinition>
          <name>FAIL</name>
          <description></description>
          <defaultValue>false</defaultValue>
        </hudson.model.BooleanParameterDefinition>
        <hudson.model.TextParameterDefinition>
          <name>NOTES</name>
          <description></description>
          <defaultValue>two
lines</defaultValue>
          <trim>false</trim>
        </hudson.model.TextParameterDefinition>`;
    await ctl.s.createJob('links', freestyleXml({ command: 'echo "run $FAIL"; test "$FAIL" = false', parameters }));
    const none = await ctl.s.fetch('job/links/lastBuild/api/json');
    assert.equal(none.status, 404);
    assert.equal(((await none.json()) as { error: { message: string } }).error.message, 'job links has no lastBuild');
    const ok = await ctl.s.buildNumberOf(await ctl.s.queueBuild('links', { FAIL: 'false' }));
    await ctl.s.waitForResult('links', ok);
    const bad = await ctl.s.buildNumberOf(await ctl.s.queueBuild('links', { FAIL: 'true' }));
    assert.equal(await ctl.s.waitForResult('links', bad), 'FAILURE');
    const numberAt = async (link: string) => (await ctl.s.json<{ number: number }>(`job/links/${link}/api/json?tree=number`)).number;
    assert.equal(await numberAt('lastBuild'), bad);
    assert.equal(await numberAt('lastFailedBuild'), bad);
    assert.equal(await numberAt('lastUnsuccessfulBuild'), bad);
    assert.equal(await numberAt('lastSuccessfulBuild'), ok);
    assert.equal(await numberAt('lastStableBuild'), ok);
    assert.equal(await numberAt('firstBuild'), ok);
    assert.match(await (await ctl.s.fetch('job/links/lastSuccessfulBuild/consoleText')).text(), /run false/);
    assert.equal((await ctl.s.fetch('job/links/lastUnstableBuild/api/json')).status, 404);
    assert.equal((await ctl.s.fetch('job/links/nonsense/api/json')).status, 404);
    // Parameter values carry their Jenkins classes; a boolean is a JSON boolean.
    const build = await ctl.s.json<{ actions: { parameters?: { _class: string; name: string; value: unknown }[] }[] }>('job/links/lastBuild/api/json');
    const values = build.actions.flatMap((a) => a.parameters ?? []);
    assert.deepEqual(values, [
      { _class: 'hudson.model.BooleanParameterValue', name: 'FAIL', value: true },
      { _class: 'hudson.model.TextParameterValue', name: 'NOTES', value: 'two\nlines' },
    ]);
  });
});
