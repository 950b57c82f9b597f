import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { StewardProcess, basic, createApiToken, eventually, freestyleXml, jobWithMatrix, projectMatrixConfig, tempDir } from '../support/steward-process.js';

/** A build of a job `eve` may read, started by a build of the hidden job (a home from Jenkins). */
const UPSTREAM_BUILD = `<?xml version='1.1' encoding='UTF-8'?>
<build>
  <actions>
    <hudson.model.CauseAction>
      <causeBag class="linked-hash-map">
        <entry>
          <hudson.model.Cause_-UpstreamCause>
            <upstreamProject>secretjob</upstreamProject>
            <upstreamUrl>job/secretjob/</upstreamUrl>
            <upstreamBuild>7</upstreamBuild>
          </hudson.model.Cause_-UpstreamCause>
          <int>1</int>
        </entry>
      </causeBag>
    </hudson.model.CauseAction>
  </actions>
  <queueId>3</queueId>
  <timestamp>1717400000123</timestamp>
  <startTime>1717400000144</startTime>
  <result>SUCCESS</result>
  <duration>1234</duration>
  <builtOn></builtOn>
</build>
`;

/** What a user who may not read `secretjob` may see of the controller: nothing names it. */
describe('a job the caller may not read is named nowhere in what the caller sees', () => {
  let home: Awaited<ReturnType<typeof tempDir>>;
  let s: StewardProcess;
  let eve = '';
  let running = 0;
  const asEve = (p: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set('authorization', eve);
    return s.fetch(p, { ...init, headers });
  };
  before(async () => {
    home = await tempDir();
    writeFileSync(path.join(home.dir, 'config.xml'), projectMatrixConfig(['USER:hudson.model.Item.Create:eve']));
    mkdirSync(path.join(home.dir, 'jobs', 'visible', 'builds', '1'), { recursive: true });
    const readable = jobWithMatrix(['USER:hudson.model.Item.Read:eve'], 'true');
    writeFileSync(path.join(home.dir, 'jobs', 'visible', 'config.xml'), readable);
    writeFileSync(path.join(home.dir, 'jobs', 'visible', 'builds', '1', 'build.xml'), UPSTREAM_BUILD);
    s = await StewardProcess.start(home.dir);
    const res = await s.fetch('securityRealm/createAccountByAdmin', {
      method: 'POST',
      body: new URLSearchParams({ username: 'eve', password1: 'eve-password-1', password2: 'eve-password-1' }),
    });
    assert.equal(res.status, 302, await res.text());
    eve = basic('eve', await createApiToken(s.url, 'eve', 'eve-password-1'));
    await s.createJob('secretjob', freestyleXml({ command: 'sleep 60' }));
    running = await s.buildNumberOf(await s.queueBuild('secretjob'));
    // A second build waits in the queue behind the first (no concurrent builds).
    await s.queueBuild('secretjob');
    await eventually(async () => {
      const executors = await s.json<{ computer: { executors: { currentExecutable: unknown }[] }[] }>('computer/api/json');
      return executors.computer.some((c) => c.executors.some((e) => e.currentExecutable !== null)) || undefined;
    }, 'the build to hold an executor');
  });
  after(async () => {
    await s.fetch(`job/secretjob/${running}/stop`, { method: 'POST' });
    await s.stop();
    await home[Symbol.asyncDispose]();
  });

  test('the executors of /computer/api/json and /computer/(built-in)/api/json show a build only to those who may read its job', async () => {
    for (const p of ['computer/api/json', 'computer/(built-in)/api/json', 'computer/api/json?depth=2']) {
      const text = await (await asEve(p)).text();
      assert.ok(!text.includes('secretjob'), `${p} names the hidden job: ${text}`);
      const admin = await (await s.fetch(p)).text();
      assert.ok(admin.includes(`secretjob #${running}`), `${p} shows the build to the admin`);
    }
    const computer = (await (await asEve('computer/(built-in)/api/json')).json()) as { executors: { idle: boolean; currentExecutable: unknown }[] };
    assert.ok(computer.executors.some((e) => !e.idle && e.currentExecutable === null), 'the executor is busy, with nothing to say on what');
  });

  test('the queue, the job list, the people, whoAmI and the metrics do not name it', async () => {
    for (const p of ['queue/api/json', 'api/json', 'api/json?depth=1', 'people/api/json', 'asynchPeople/api/json', 'whoAmI/api/json', 'me/api/json', 'metrics']) {
      const res = await asEve(p);
      assert.equal(res.status, 200, p);
      const text = await res.text();
      assert.ok(!text.includes('secretjob'), `${p} names the hidden job: ${text}`);
    }
    const queue = await s.json<{ items: { task: { name: string } }[] }>('queue/api/json');
    assert.ok(queue.items.some((i) => i.task.name === 'secretjob'), 'the admin sees the queued build');
  });

  test('its builds, permalinks and queue items answer as if it did not exist', async () => {
    const { items } = await s.json<{ items: { id: number }[] }>('queue/api/json');
    const paths = [
      'job/secretjob/api/json',
      `job/secretjob/${running}/api/json`,
      'job/secretjob/lastBuild/api/json',
      'job/secretjob/lastBuild/consoleText',
      `job/secretjob/${running}/logText/progressiveText`,
      ...items.map((i) => `queue/item/${i.id}/api/json`),
    ];
    for (const p of paths) {
      const res = await asEve(p);
      const body = (await res.json()) as { error: { code: string; message: string } };
      const missing = p.replace('secretjob', 'nosuchjob');
      const absent = p.startsWith('queue/') ? undefined : ((await (await asEve(missing)).json()) as { error: { code: string; message: string } });
      assert.equal(res.status, 404, p);
      if (absent !== undefined) assert.equal(body.error.message, absent.error.message.replace('nosuchjob', 'secretjob'), p);
    }
    for (const p of ['job/secretjob/build', `job/secretjob/${running}/stop`, 'job/secretjob/doDelete', 'queue/cancelItem?id=' + String(items[0]?.id)]) {
      assert.equal((await asEve(p, { method: 'POST' })).status, 404, p);
    }
  });

  test('a build of a readable job started by a build of it does not name it as its upstream', async () => {
    const text = await (await asEve('job/visible/1/api/json')).text();
    assert.ok(!text.includes('secretjob'), text);
    const causes = (JSON.parse(text) as { actions: { causes?: { _class: string; shortDescription: string }[] }[] }).actions.flatMap((a) => a.causes ?? []);
    assert.deepEqual(causes, [{ _class: 'hudson.model.Cause$UpstreamCause', shortDescription: 'Started by an upstream project' }]);
    const admin = await s.json<{ actions: { causes?: { shortDescription: string }[] }[] }>('job/visible/1/api/json');
    assert.equal(admin.actions.flatMap((a) => a.causes ?? [])[0]?.shortDescription, 'Started by upstream project "secretjob" build number 7');
  });

  test('createItem with mode=copy from it answers as for a job that does not exist', async () => {
    const hidden = await asEve('createItem?name=stolen&mode=copy&from=secretjob', { method: 'POST' });
    const absent = await asEve('createItem?name=stolen&mode=copy&from=nosuchjob', { method: 'POST' });
    const a = (await hidden.json()) as { error: { code: string; message: string } };
    const b = (await absent.json()) as { error: { code: string; message: string } };
    assert.equal(hidden.status, absent.status);
    assert.equal(a.error.code, b.error.code);
    assert.equal(a.error.message, b.error.message.replace('nosuchjob', 'secretjob'));
    assert.equal((await s.fetch('job/stolen/api/json')).status, 404, 'nothing was made');
  });

  test('the credentials routes refuse a non-administrator before looking anything up', async () => {
    const base = 'credentials/store/system/domain/_';
    const created = await s.fetch(`${base}/createCredentials`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: '<org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl><scope>GLOBAL</scope><id>deploy-key</id><secret>s3cr3t-value</secret></org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>',
    });
    assert.equal(created.status, 200, await created.text());
    for (const id of ['deploy-key', 'no-such-id']) {
      const res = await asEve(`${base}/credential/${id}/api/json`);
      const text = await res.text();
      assert.equal(res.status, 403, id);
      assert.ok(!text.includes(id) && !text.includes('s3cr3t'), text);
    }
    const list = await asEve(`${base}/api/json`);
    assert.equal(list.status, 403);
  });
});
