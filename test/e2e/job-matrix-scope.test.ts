import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { StewardProcess, basic, createApiToken, jobWithMatrix, projectMatrixConfig, tempDir } from '../support/steward-process.js';

type ErrorBody = { error: { code: string; message: string; file?: string; line?: number; field?: string } };

const MALLORY_CONFIGURES = ['USER:hudson.model.Item.Read:mallory', 'USER:hudson.model.Item.Configure:mallory'];

describe("a job's matrix grants only permissions on that job", () => {
  let home: Awaited<ReturnType<typeof tempDir>>;
  let s: StewardProcess;
  let mallory = '';
  before(async () => {
    home = await tempDir();
    writeFileSync(path.join(home.dir, 'config.xml'), projectMatrixConfig());
    // A home from elsewhere whose job matrix already grants Overall/Administer.
    mkdirSync(path.join(home.dir, 'jobs', 'legacy'), { recursive: true });
    writeFileSync(path.join(home.dir, 'jobs', 'legacy', 'config.xml'), jobWithMatrix(['USER:hudson.model.Item.Read:mallory', 'USER:hudson.model.Hudson.Administer:mallory']));
    s = await StewardProcess.start(home.dir);
    const res = await s.fetch('securityRealm/createAccountByAdmin', {
      method: 'POST',
      body: new URLSearchParams({ username: 'mallory', password1: 'mallory-password-1', password2: 'mallory-password-1' }),
    });
    assert.equal(res.status, 302, await res.text());
    mallory = basic('mallory', await createApiToken(s.url, 'mallory', 'mallory-password-1'));
    await s.createJob('mallory-job', jobWithMatrix(MALLORY_CONFIGURES));
  });
  after(async () => {
    await s.stop();
    await home[Symbol.asyncDispose]();
  });

  const postConfig = (job: string, xml: string, authorization = mallory) =>
    s.fetch(`job/${job}/config.xml`, { method: 'POST', headers: { authorization, 'content-type': 'application/xml' }, body: xml });

  test('a user who may configure one job cannot grant himself Overall/Administer through its matrix: 400 naming the permission and its line', async () => {
    const xml = jobWithMatrix([...MALLORY_CONFIGURES, 'USER:hudson.model.Hudson.Administer:mallory']);
    const res = await postConfig('mallory-job', xml);
    const body = (await res.json()) as ErrorBody;
    assert.equal(res.status, 400);
    assert.equal(body.error.code, 'STW_CONFIG_INVALID');
    const line = xml.split('\n').findIndex((l) => l.includes('Hudson.Administer')) + 1;
    assert.equal(body.error.line, line);
    assert.match(body.error.message, /hudson\.model\.Hudson\.Administer/);
    assert.match(body.error.message, /Overall\/Administer/);
    assert.match(body.error.message, new RegExp(`jobs/mallory-job/config\\.xml:${line}`));
    assert.doesNotMatch(readFileSync(path.join(home.dir, 'jobs', 'mallory-job', 'config.xml'), 'utf8'), /Administer/, 'the config is as it was');
    const build = await s.fetch('job/mallory-job/build', { method: 'POST', headers: { authorization: mallory } });
    assert.equal(build.status, 403, 'no Job/Build either');
    const executors = await s.fetch('computer/(built-in)/setNumExecutors?numExecutors=7', { method: 'POST', headers: { authorization: mallory } });
    assert.equal(executors.status, 403);
  });

  test('createItem refuses a job matrix granting Overall, Agent or View permissions', async () => {
    for (const id of ['hudson.model.Hudson.Read', 'hudson.model.Computer.Configure', 'hudson.model.View.Read', 'hudson.model.Item.Create']) {
      const res = await s.fetch('createItem?name=granting', {
        method: 'POST',
        headers: { 'content-type': 'application/xml' },
        body: jobWithMatrix([`USER:${id}:mallory`]),
      });
      const body = (await res.json()) as ErrorBody;
      assert.deepEqual([res.status, body.error.code], [400, 'STW_CONFIG_INVALID'], id);
      assert.ok(body.error.message.includes(id), body.error.message);
    }
    const jobs = await s.json<{ jobs: { name: string }[] }>('api/json?tree=jobs[name]');
    assert.ok(!jobs.jobs.some((j) => j.name === 'granting'), 'no job was made');
  });

  test('job, run and SCM permissions are accepted, and Configure lets a user grant himself more of the job, as in Jenkins', async () => {
    const xml = jobWithMatrix([...MALLORY_CONFIGURES, 'USER:hudson.model.Item.Build:mallory', 'USER:hudson.model.Run.Delete:mallory', 'USER:hudson.scm.SCM.Tag:mallory']);
    const res = await postConfig('mallory-job', xml);
    assert.equal(res.status, 200, await res.text());
    const build = await s.fetch('job/mallory-job/build', { method: 'POST', headers: { authorization: mallory } });
    assert.equal(build.status, 201);
    assert.equal((await postConfig('mallory-job', jobWithMatrix(MALLORY_CONFIGURES))).status, 200);
  });

  test('a home whose job matrix already grants Overall/Administer loads the job, ignores the grant and says so in the log', async () => {
    const legacy = await s.fetch('job/legacy/api/json', { headers: { authorization: mallory } });
    assert.equal(legacy.status, 200, 'the job grant of Job/Read still counts');
    const build = await s.fetch('job/legacy/build', { method: 'POST', headers: { authorization: mallory } });
    assert.equal(build.status, 403, 'Overall/Administer on a job gives nothing');
    assert.equal((await s.fetch('job/legacy/config.xml', { headers: { authorization: mallory } })).status, 403);
    const warning = s.lines.find((l) => l.level === 40 && typeof l.msg === 'string' && l.msg.includes('legacy') && l.msg.includes('hudson.model.Hudson.Administer'));
    assert.ok(warning !== undefined, `a warning naming the job and the permission in ${JSON.stringify(s.lines.filter((l) => l.level === 40))}`);
  });

  test('copying or renaming a job whose matrix grants Overall/Administer is refused the same way', async () => {
    const copy = await s.fetch('createItem?name=legacy-copy&mode=copy&from=legacy', { method: 'POST' });
    const copied = (await copy.json()) as ErrorBody;
    assert.deepEqual([copy.status, copied.error.code], [400, 'STW_CONFIG_INVALID']);
    assert.match(copied.error.message, /hudson\.model\.Hudson\.Administer/);
    const rename = await s.fetch('job/legacy/doRename', { method: 'POST', body: new URLSearchParams({ newName: 'legacy-renamed' }) });
    const renamed = (await rename.json()) as ErrorBody;
    assert.deepEqual([rename.status, renamed.error.code], [400, 'STW_CONFIG_INVALID']);
    const jobs = (await s.json<{ jobs: { name: string }[] }>('api/json?tree=jobs[name]')).jobs.map((j) => j.name);
    assert.deepEqual(jobs, ['legacy', 'mallory-job']);
  });
});
