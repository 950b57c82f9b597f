import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { StewardProcess, eventually, freestyleXml, tempDir } from '../support/steward-process.js';


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
  let home: Awaited<ReturnType<typeof tempDir>>;
  let s: StewardProcess;

  before(async () => {
    home = await tempDir();
    s = await StewardProcess.start(home.dir);
  });
  after(async () => {
    await s.stop();
    await home[Symbol.asyncDispose]();
  });

  test('disable and enable change only <disabled> in config.xml, and a disabled job refuses builds', async () => {
    const xml = freestyleXml({ command: 'echo hi', description: 'keep   these <&> bytes' });
    await s.createJob('toggle', xml);
    const file = path.join(home.dir, 'jobs', 'toggle', 'config.xml');

    const off = await post(s, 'job/toggle/disable');
    assert.equal(off.status, 302);
    assert.equal(off.headers.get('location'), `${s.url}job/toggle/`);
    assert.equal(await readFile(file, 'utf8'), xml.replace('<disabled>false</disabled>', '<disabled>true</disabled>'));
    assert.equal((await s.json<{ disabled: boolean }>('job/toggle/api/json')).disabled, true);
    const refused = await post(s, 'job/toggle/build');
    assert.equal(refused.status, 409);

    const on = await post(s, 'job/toggle/enable');
    assert.equal(on.status, 302);
    assert.equal(await readFile(file, 'utf8'), xml);
    assert.equal((await s.json<{ disabled: boolean }>('job/toggle/api/json')).disabled, false);
    assert.equal((await post(s, 'job/nope/disable')).status, 404);
  });

  test('doDelete removes the job and its folder, and is refused while a build runs', async () => {
    await s.createJob('doomed', freestyleXml({ command: 'echo bye' }));
    await runBuild(s, 'doomed');
    assert.ok(existsSync(path.join(home.dir, 'jobs', 'doomed', 'builds', '1')));

    const res = await post(s, 'job/doomed/doDelete');
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), s.url);
    assert.equal((await s.fetch('job/doomed/api/json')).status, 404);
    assert.equal(existsSync(path.join(home.dir, 'jobs', 'doomed')), false);
    const root = await s.json<{ jobs: { name: string }[] }>('api/json');
    assert.ok(!root.jobs.some((j) => j.name === 'doomed'));

    await s.createJob('busy', freestyleXml({ command: 'sleep 30' }));
    assert.equal((await post(s, 'job/busy/build')).status, 201);
    await eventually(async () => ((await s.json<{ building: boolean }>('job/busy/1/api/json')).building ? true : undefined), 'busy #1 to run');
    const busy = await post(s, 'job/busy/doDelete');
    assert.equal(busy.status, 409);
    assert.equal(((await busy.json()) as { error: { code: string } }).error.code, 'STW_JOB_BUSY');
    assert.equal((await s.fetch('job/busy/api/json')).status, 200);
    await post(s, 'job/busy/1/stop');
    await eventually(async () => ((await s.json<{ building: boolean }>('job/busy/1/api/json')).building ? undefined : true), 'busy #1 to stop');
    assert.equal((await post(s, 'job/busy/doDelete')).status, 302);
  });

  test('NUMBER/doDelete removes one build; a missing build is 404', async () => {
    await s.createJob('pruned', freestyleXml({ command: 'echo x' }));
    await runBuild(s, 'pruned');
    await runBuild(s, 'pruned');
    const res = await post(s, 'job/pruned/1/doDelete');
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), `${s.url}job/pruned/`);
    assert.equal((await s.fetch('job/pruned/1/api/json')).status, 404);
    assert.equal(existsSync(path.join(home.dir, 'jobs', 'pruned', 'builds', '1')), false);
    const job = await s.json<{ builds: { number: number }[] }>('job/pruned/api/json');
    assert.deepEqual(job.builds.map((b) => b.number), [2]);
    assert.equal((await post(s, 'job/pruned/9/doDelete')).status, 404);
  });

  test('doRename moves the job with its builds; a taken or bad name is refused', async () => {
    await s.createJob('before', freestyleXml({ command: 'echo renamed-log' }));
    await runBuild(s, 'before');
    await s.createJob('other', freestyleXml({ command: 'true' }));

    assert.equal((await post(s, 'job/before/doRename?newName=other')).status, 400);
    assert.equal((await post(s, 'job/before/doRename?newName=a%2Fb')).status, 400);

    const res = await post(s, 'job/before/doRename?newName=after');
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), `${s.url}job/after/`);
    assert.equal((await s.fetch('job/before/api/json')).status, 404);
    assert.equal(existsSync(path.join(home.dir, 'jobs', 'before')), false);
    const job = await s.json<{ name: string; builds: { number: number }[]; nextBuildNumber: number }>('job/after/api/json');
    assert.equal(job.name, 'after');
    assert.deepEqual(job.builds.map((b) => b.number), [1]);
    assert.equal(job.nextBuildNumber, 2);
    assert.match(await (await s.fetch('job/after/1/consoleText')).text(), /renamed-log/);
    assert.equal(await runBuild(s, 'after'), 2);
  });

  test('createItem mode=copy gives the new job the same config.xml and no builds', async () => {
    const xml = freestyleXml({ command: 'echo original', description: 'copy me' });
    await s.createJob('source', xml);
    await runBuild(s, 'source');
    const res = await post(s, 'createItem?name=copied&mode=copy&from=source');
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), `${s.url}job/copied/`);
    assert.equal(await (await s.fetch('job/copied/config.xml')).text(), xml);
    assert.equal(await readFile(path.join(home.dir, 'jobs', 'copied', 'config.xml'), 'utf8'), xml);
    const job = await s.json<{ builds: unknown[]; nextBuildNumber: number }>('job/copied/api/json');
    assert.deepEqual(job.builds, []);
    assert.equal(job.nextBuildNumber, 1);
    assert.equal((await post(s, 'createItem?name=copied2&mode=copy&from=missing')).status, 400);
    assert.equal((await post(s, 'createItem?name=copied&mode=copy&from=source')).status, 400);
  });

  test('nextbuildnumber/submit sets the number the next build gets', async () => {
    await s.createJob('numbered', freestyleXml({ command: 'true' }));
    const res = await post(s, 'job/numbered/nextbuildnumber/submit', { nextBuildNumber: '42' });
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), `${s.url}job/numbered/`);
    assert.equal((await s.json<{ nextBuildNumber: number }>('job/numbered/api/json')).nextBuildNumber, 42);
    assert.equal(await runBuild(s, 'numbered'), 42);
    const bad = await post(s, 'job/numbered/nextbuildnumber/submit', { nextBuildNumber: 'soon' });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: { message: string } }).error.message, /nextBuildNumber must be a whole number/);
    assert.equal((await post(s, 'job/numbered/nextbuildnumber/submit', { nextBuildNumber: '10' })).status, 400);
  });

  test('me, pluginManager and computer/(built-in) answer in Jenkins shapes', async () => {
    assert.deepEqual(await s.json('me/api/json'), {
      _class: 'hudson.model.User',
      absoluteUrl: `${s.url}user/anonymous`,
      description: null,
      fullName: 'anonymous',
      id: 'anonymous',
      property: [],
    });
    assert.deepEqual(await s.json('pluginManager/api/json?depth=2'), { _class: 'hudson.LocalPluginManager', plugins: [] });
    for (const name of ['(built-in)', '%28built-in%29', '(master)', 'built-in']) {
      const node = await s.json<{ _class: string; displayName: string; executors: unknown[] }>(`computer/${name}/api/json`);
      assert.equal(node._class, 'hudson.model.Hudson$MasterComputer');
      assert.equal(node.displayName, 'Built-In Node');
      assert.equal(node.executors.length, 2);
    }
    const missing = await s.fetch('computer/agent-7/api/json');
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'STW_NODE_NOT_FOUND');
  });
});
