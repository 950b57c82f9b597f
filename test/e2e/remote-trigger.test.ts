// "Trigger builds remotely": a job's <authToken> lets a script start its builds with the token alone
// (Jenkins' BuildAuthorizationToken, and the Build Authorization Token Root plugin's /buildByToken/).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { freestyleXml, stringParam, useController } from '../support/steward-process.js';

const TOKEN = 'deploy-4f9c2e7a';

type Cause = { _class: string; shortDescription: string; addr?: string; note?: string | null };
type WithCauses = { actions: { _class?: string; causes?: Cause[] }[] };
const causesOf = (x: WithCauses) => x.actions.find((a) => a._class === 'hudson.model.CauseAction')?.causes;

async function errorOf(res: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await res.json()) as { error: { code: string; message: string } };
  return { status: res.status, code: body.error.code, message: body.error.message };
}

describe('builds triggered remotely with a job build token', () => {
  const ctl = useController();

  test('a GET with the token builds without a login or crumb; the cause names the remote host and the note', async () => {
    const s = ctl.s;
    await s.createJob('tokened', freestyleXml({ command: 'echo "deploying $TARGET"', parameters: stringParam('TARGET', 'staging'), extra: `\n  <authToken>${TOKEN}</authToken>` }));
    // The default home lets anonymous read nothing: /job/... stays behind Overall/Read, as in Jenkins.
    const behindRead = await s.fetchAnonymous(`job/tokened/build?token=${TOKEN}`);
    assert.equal(behindRead.status, 401);
    await behindRead.arrayBuffer();

    const res = await s.fetchAnonymous(`buildByToken/buildWithParameters?job=tokened&token=${TOKEN}&TARGET=production&cause=release+42`);
    assert.equal(res.status, 201, await res.clone().text());
    const queueId = Number(/queue\/item\/(\d+)\//.exec(res.headers.get('location') ?? '')?.[1]);
    const n = await s.buildNumberOf(queueId);
    assert.equal(await s.waitForResult('tokened', n), 'SUCCESS');
    const build = await s.json<WithCauses>(`job/tokened/${n}/api/json`);
    assert.deepEqual(causesOf(build), [
      { _class: 'hudson.model.Cause$RemoteCause', shortDescription: 'Started by remote host 127.0.0.1 with note: release 42', addr: '127.0.0.1', note: 'release 42' },
    ]);
    const log = await (await s.fetch(`job/tokened/${n}/consoleText`)).text();
    assert.match(log, /^Started by remote host 127\.0\.0\.1 with note: release 42$/m);
    assert.match(log, /^deploying production$/m);
    // build.xml keeps the cause as Jenkins writes a RemoteCause.
    const record = readFileSync(path.join(ctl.home, 'jobs/tokened/builds', String(n), 'build.xml'), 'utf8');
    assert.match(record, /<hudson\.model\.Cause_-RemoteCause>\s*<addr>127\.0\.0\.1<\/addr>\s*<note>release 42<\/note>\s*<\/hudson\.model\.Cause_-RemoteCause>/);

    // A logged-in user's GET with the token, through the job's own URL, without a crumb.
    const own = await s.fetch(`job/tokened/build?token=${TOKEN}`);
    assert.equal(own.status, 201, await own.clone().text());
    const m = await s.buildNumberOf(Number(/queue\/item\/(\d+)\//.exec(own.headers.get('location') ?? '')?.[1]));
    assert.equal(await s.waitForResult('tokened', m), 'SUCCESS');
    assert.equal(causesOf(await s.json<WithCauses>(`job/tokened/${m}/api/json`))?.[0]?.shortDescription, 'Started by remote host 127.0.0.1');
  });

  test('a wrong token is refused, and tells anonymous nothing about which jobs exist', async () => {
    const s = ctl.s;
    const wrong = await errorOf(await s.fetchAnonymous('buildByToken/build?job=tokened&token=guess'));
    const missing = await errorOf(await s.fetchAnonymous(`buildByToken/build?job=no-such-job&token=${TOKEN}`));
    assert.deepEqual([wrong.status, wrong.code], [404, 'STW_JOB_NOT_FOUND']);
    assert.deepEqual([missing.status, missing.code], [404, 'STW_JOB_NOT_FOUND']);
    assert.equal(wrong.message.replace('tokened', 'X'), missing.message.replace('no-such-job', 'X'));
    // Who may read the job learns the token is wrong, even with the Job/Build permission.
    const forAdmin = await errorOf(await s.fetch('job/tokened/build?token=guess', { method: 'POST' }));
    assert.deepEqual([forAdmin.status, forAdmin.code, forAdmin.message], [403, 'STW_FORBIDDEN', 'Invalid token provided.']);
    const noToken = await errorOf(await s.fetchAnonymous('buildByToken/build?job=tokened'));
    assert.equal(noToken.status, 404);
  });

  test('a POST with a token skips the crumb only for a job that takes that token', async () => {
    const s = ctl.s;
    await s.createJob('tokenless', freestyleXml({ command: 'true' }));
    // An admin's token given to a job with no authToken would otherwise skip the crumb check.
    const refused = await errorOf(await s.fetch('job/tokenless/build?token=anything', { method: 'POST' }));
    assert.equal(refused.status, 403);
    assert.match(refused.message, /takes no build token/);
    const get = await s.fetch('job/tokenless/build');
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    assert.equal((await errorOf(get)).code, 'STW_METHOD_NOT_ALLOWED');
    const long = await errorOf(await s.fetchAnonymous(`buildByToken/build?job=tokened&token=${TOKEN}&cause=${'x'.repeat(2000)}`));
    assert.deepEqual([long.status, long.code], [400, 'STW_REQUEST_INVALID']);
  });
});
