import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { StewardProcess, basic, createApiToken, eventually, freestyleXml, stringParam, tempDir } from '../support/steward-process.js';

const PASSWORD_PARAM = `
        <hudson.model.PasswordParameterDefinition>
          <name>PASS</name>
          <description></description>
          <defaultValueAsSecret></defaultValueAsSecret>
        </hudson.model.PasswordParameterDefinition>`;

/** POST buildWithParameters; the status, and the queue item id from Location when 201. */
async function request(s: StewardProcess, job: string, params: Record<string, string>, authorization?: string): Promise<{ status: number; id?: number; res: Response }> {
  const res = await s.fetch(`job/${job}/buildWithParameters`, {
    method: 'POST',
    body: new URLSearchParams(params),
    ...(authorization === undefined ? {} : { headers: { authorization } }),
  });
  const m = /\/queue\/item\/(\d+)\/$/.exec(res.headers.get('location') ?? '');
  return m === null ? { status: res.status, res } : { status: res.status, id: Number(m[1]), res };
}

/** queue.xml once it lists `count` items. */
function queueXmlWith(home: string, count: number): Promise<string> {
  return eventually(() => {
    try {
      const text = readFileSync(path.join(home, 'queue.xml'), 'utf8');
      return (text.match(/<hudson\.model\.Queue_-WaitingItem>/g) ?? []).length === count ? text : undefined;
    } catch {
      return undefined;
    }
  }, `queue.xml to list ${count} items`);
}

describe('build requests with a password parameter', () => {
  test('identical requests merge into one queue item, also after a restart, while other values and other users get their own', async () => {
    await using home = await tempDir();
    let s = await StewardProcess.start(home.dir);
    try {
      // A long quiet period keeps the items waiting, where requests merge.
      await s.createJob('deploy', freestyleXml({ command: 'true', parameters: PASSWORD_PARAM + stringParam('TARGET', 'prod'), quietPeriod: 600 }));
      const ids = new Set<number>();
      for (let i = 0; i < 40; i++) {
        const r = await request(s, 'deploy', { PASS: 'hunter2', TARGET: 'prod' });
        assert.equal(r.status, 201);
        ids.add(r.id ?? -1);
      }
      assert.equal(ids.size, 1, 'forty identical requests make one queue item');
      const [first] = ids;
      const other = await request(s, 'deploy', { PASS: 'hunter3', TARGET: 'prod' });
      assert.notEqual(other.id, first, 'another password is another request');

      // Another user sending the same value gets an item of their own: merging would tell them
      // that they guessed admin's password.
      const created = await s.fetch('securityRealm/createAccountByAdmin', {
        method: 'POST',
        body: new URLSearchParams({ username: 'bob', password1: 'bob-password-1', password2: 'bob-password-1', fullname: 'Bob' }),
      });
      assert.equal(created.status, 302, await created.text());
      const bob = basic('bob', await createApiToken(s.url, 'bob', 'bob-password-1'));
      const bobs = await request(s, 'deploy', { PASS: 'hunter2', TARGET: 'prod' }, bob);
      assert.equal(bobs.status, 201);
      assert.notEqual(bobs.id, first);
      assert.equal((await request(s, 'deploy', { PASS: 'hunter2', TARGET: 'prod' }, bob)).id, bobs.id, "bob's own requests merge");

      const queueXml = await queueXmlWith(home.dir, 3);
      assert.ok(!queueXml.includes('hunter'), 'queue.xml holds no password');

      await s.stop();
      s = await StewardProcess.start(home.dir);
      const again = await request(s, 'deploy', { PASS: 'hunter2', TARGET: 'prod' });
      assert.equal(again.id, first, 'a restored item still takes identical requests');
      assert.equal((await s.json<{ items: unknown[] }>('queue/api/json')).items.length, 3);
    } finally {
      await s.stop();
    }
  });
});

describe('the queue has a limit per job and in all', () => {
  test('a request past either limit is refused with 503 STW_QUEUE_FULL and Retry-After, and taken again once there is room', async () => {
    await using home = await tempDir();
    const s = await StewardProcess.start(home.dir, ['--max-queued-per-job', '3', '--max-queued', '5']);
    try {
      const xml = freestyleXml({ command: 'true', parameters: stringParam('N', '0'), quietPeriod: 600 });
      await s.createJob('a', xml);
      await s.createJob('b', xml);
      const queued: number[] = [];
      for (const n of ['1', '2', '3']) {
        const r = await request(s, 'a', { N: n });
        assert.equal(r.status, 201);
        queued.push(r.id ?? -1);
      }
      const perJob = await request(s, 'a', { N: '4' });
      assert.equal(perJob.status, 503);
      assert.equal(perJob.res.headers.get('retry-after'), '30');
      const body = (await perJob.res.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'STW_QUEUE_FULL');
      assert.match(body.error.message, /job a has 3 builds in the queue already, its limit \(--max-queued-per-job\); try again in 30 s/);
      assert.equal((await request(s, 'a', { N: '2' })).status, 201, 'a request that merges is taken when the job is at its limit');

      assert.equal((await request(s, 'b', { N: '1' })).status, 201);
      assert.equal((await request(s, 'b', { N: '2' })).status, 201);
      const total = await request(s, 'b', { N: '3' });
      assert.equal(total.status, 503);
      assert.equal(total.res.headers.get('retry-after'), '30');
      assert.match(((await total.res.json()) as { error: { message: string } }).error.message, /the build queue holds 5 items already, its limit \(--max-queued\)/);

      const cancel = await s.fetch(`queue/cancelItem?id=${queued[0] ?? -1}`, { method: 'POST' });
      assert.equal(cancel.status, 302);
      assert.equal((await request(s, 'b', { N: '3' })).status, 201, 'a cancelled item makes room');
      assert.equal((await queueXmlWith(home.dir, 5)).includes('<counter>'), true);
    } finally {
      await s.stop();
    }
  });
});
