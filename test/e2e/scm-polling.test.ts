import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually } from '../support/eventually.js';
import { GitDaemon } from '../support/git-daemon.js';
import { TestRepo } from '../support/git-repos.js';
import { useController } from '../support/steward-process.js';

/** A real job from a public repository (see fixtures/scm-trigger/SOURCE), filled in for this test's repository. */
function jobXml(url: string, command: string): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return readFileSync(path.join(import.meta.dirname, 'fixtures/scm-trigger/github-push-and-poll.xml'), 'utf8')
    .replace('https://github.com/nicescale/{stack}.git', url)
    .replace('*/{branch}', '*/main')
    .replace('<spec>H/10 * * * *</spec>', '<spec></spec>')
    .replace('<canRoam>true</canRoam>', '<quietPeriod>0</quietPeriod>\n  <canRoam>true</canRoam>')
    .replace(/<command>[\s\S]*?<\/command>/, `<command>${esc(command)}</command>`);
}

const SHOW = 'echo "built $GIT_COMMIT"';

describe('SCM polling through push notifications, on a real controller and git daemon', () => {
  const ctl = useController();
  let daemon: GitDaemon;
  let work: TestRepo;
  let bare: { path: string; url: string };

  before(async () => {
    daemon = await GitDaemon.start();
    bare = await daemon.createRepository('app');
    work = await TestRepo.create(path.join(daemon.dir, 'work'));
    await work.commit('Initial import', { 'README.md': 'one\n' });
    await work.push(bare.path);
    await ctl.s.createJob('app', jobXml(bare.url, SHOW));
  });
  after(async () => {
    await daemon.stop();
  });

  const notify = (query: string, init: RequestInit = {}) => ctl.s.fetchAnonymous(`git/notifyCommit?${query}`, init);
  const buildCount = async () => (await ctl.s.json<{ builds: unknown[] }>('job/app/api/json?tree=builds[number]')).builds.length;
  const pollLog = async () => (await ctl.s.fetch('job/app/scmPollLog/')).text();
  const consoleOf = async (n: number) => (await ctl.s.fetch(`job/app/${n}/consoleText`)).text();

  /** Waits for the next poll's log (a poll started after `before`) to end. */
  const nextPoll = (previous: string) =>
    eventually(async () => {
      const text = await pollLog();
      return text !== previous && /\n(Changes found|No changes)\n$/.test(text) ? text : undefined;
    }, 'the poll to end');

  test('notifyCommit polls the job: its first build, then nothing without a change, then a build of the pushed commit', async () => {
    const first = await work.head();
    const before1 = await pollLog();
    assert.equal(before1, 'Polling has not run yet.\n');
    // Anonymous, by POST without a crumb, as a post-receive hook calls it; the job is not named to who may not read it.
    const res = await notify(`url=${encodeURIComponent(bare.url)}`, { method: 'POST' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain;charset=utf-8');
    assert.equal(await res.text(), 'Scheduled polling of 1 job you may not see\n');
    assert.equal(await ctl.s.waitForResult('app', await eventually(async () => ((await buildCount()) >= 1 ? 1 : undefined), 'build 1')), 'SUCCESS');
    assert.match(await consoleOf(1), /^Started by an SCM change$/m);
    assert.match(await consoleOf(1), new RegExp(`^built ${first}$`, 'm'));
    const b1 = await ctl.s.json<{ actions: { causes?: { _class: string; shortDescription: string }[] }[] }>('job/app/1/api/json');
    assert.deepEqual(
      b1.actions.flatMap((a) => a.causes ?? []),
      [{ _class: 'hudson.triggers.SCMTrigger$SCMTriggerCause', shortDescription: 'Started by an SCM change' }],
    );

    // Nothing pushed: the poll finds the head built, and nothing is queued.
    const log1 = await pollLog();
    const again = await ctl.s.fetch(`git/notifyCommit?url=${encodeURIComponent(bare.url)}&branches=main`);
    assert.equal(await again.text(), 'Scheduled polling of app\n');
    const quiet = await nextPoll(log1);
    assert.match(quiet, new RegExp(`\\[poll\\] Latest remote head revision on refs/heads/main is: ${first} - already built by 1\n`));
    assert.match(quiet, /\nNo changes\n$/);
    const queue = await ctl.s.json<{ items: unknown[] }>('queue/api/json');
    assert.deepEqual(queue.items, []);
    assert.equal(await buildCount(), 1);

    // A push, then its notification: build 2 of the new commit.
    const second = await work.commit('Second', { 'README.md': 'two\n' });
    await work.push(bare.path);
    const res2 = await notify(`url=${encodeURIComponent(bare.url)}&branches=main`);
    assert.equal(res2.status, 200);
    assert.equal(await ctl.s.waitForResult('app', await eventually(async () => ((await buildCount()) >= 2 ? 2 : undefined), 'build 2')), 'SUCCESS');
    assert.match(await consoleOf(2), new RegExp(`^built ${second}$`, 'm'));
  });

  test('a notification for another repository or branch polls nothing and says so; bad input is refused with 400', async () => {
    const other = await notify(`url=${encodeURIComponent('https://example.com/elsewhere.git')}`);
    assert.equal(other.status, 200);
    assert.equal(await other.text(), 'No git jobs using repository: https://example.com/elsewhere.git and branches: \n');
    const branch = await notify(`url=${encodeURIComponent(bare.url)}&branches=release`);
    assert.equal(await branch.text(), `No git jobs using repository: ${bare.url} and branches: release\n`);

    assert.equal((await notify('')).status, 400);
    assert.equal((await notify(`url=${'x'.repeat(5000)}`)).status, 400);
    assert.equal((await notify(`url=${encodeURIComponent(bare.url)}&sha1=not-a-sha`)).status, 400);
    const big = await notify(`url=${encodeURIComponent(bare.url)}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(200_000) });
    assert.equal(big.status, 413);
    // A sha1 builds at once for who may build the job, as the plugin does ("commit notification SHA1")...
    const head = await work.head();
    const builds = await buildCount();
    const built = await ctl.s.fetch(`git/notifyCommit?url=${encodeURIComponent(bare.url)}&sha1=${head}`);
    assert.equal(await built.text(), 'Scheduled app\n');
    const n = await eventually(async () => ((await buildCount()) > builds ? builds + 1 : undefined), 'the notified commit to be built');
    assert.equal(await ctl.s.waitForResult('app', n), 'SUCCESS');
    assert.match(await consoleOf(n), new RegExp(`^commit notification ${head}$`, 'm'));
    // ...and only polls for anyone else: the commit was built, so nothing more is queued.
    const log = await pollLog();
    assert.equal(await (await notify(`url=${encodeURIComponent(bare.url)}&sha1=${head}`)).text(), 'Scheduled polling of 1 job you may not see\n');
    assert.match(await nextPoll(log), /\nNo changes\n$/);
    assert.equal(await buildCount(), builds + 1);

    // The polling log is the job's: who may not read the job does not see it.
    assert.notEqual((await ctl.s.fetchAnonymous('job/app/scmPollLog/')).status, 200);
  });

  test('the GitHub webhook polls the jobs of the pushed repository when its signature is valid, and refuses a wrong one', async () => {
    const created = await ctl.s.fetch('credentials/store/system/domain/_/createCredentials', {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: '<org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl><scope>GLOBAL</scope><id>github-webhook</id><secret>hook-s3cret</secret></org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>',
    });
    assert.equal(created.status, 200);
    // As the github plugin keeps its global configuration (an administrator writes it, as in Jenkins).
    await writeFile(
      path.join(ctl.home, 'github-plugin-configuration.xml'),
      `<?xml version='1.1' encoding='UTF-8'?>
<github-plugin-configuration plugin="github@1.37.3">
  <configs/>
  <hookSecretConfigs>
    <org.jenkinsci.plugins.github.config.HookSecretConfig>
      <credentialsId>github-webhook</credentialsId>
      <signatureAlgorithm>SHA256</signatureAlgorithm>
    </org.jenkinsci.plugins.github.config.HookSecretConfig>
  </hookSecretConfigs>
</github-plugin-configuration>
`,
    );
    const third = await work.commit('Third', { 'README.md': 'three\n' });
    await work.push(bare.path);
    const builds = await buildCount();
    const body = JSON.stringify({ ref: 'refs/heads/main', after: third, repository: { clone_url: bare.url, html_url: 'https://github.example/none/none' }, pusher: { name: 'ann' } });
    const hook = (signature: string | undefined, event = 'push') =>
      ctl.s.fetchAnonymous('github-webhook/', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-github-event': event, ...(signature === undefined ? {} : { 'x-hub-signature-256': signature }) },
        body,
      });

    const unsigned = await hook(undefined);
    assert.equal(unsigned.status, 400);
    assert.equal(await unsigned.text(), 'Signature was expected, but not provided\n');
    const wrong = await hook(`sha256=${createHmac('sha256', 'not-the-secret').update(body).digest('hex')}`);
    assert.equal(wrong.status, 400);
    assert.equal(await wrong.text(), 'Provided signature did not match to calculated\n');
    assert.equal(await buildCount(), builds, 'a refused hook polls nothing');

    const signature = `sha256=${createHmac('sha256', 'hook-s3cret').update(body).digest('hex')}`;
    assert.equal(await (await hook(signature, 'ping')).text(), 'pong\n');
    const ok = await hook(signature);
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), 'Scheduled polling of 1 job you may not see\n');
    const n = await eventually(async () => ((await buildCount()) > builds ? builds + 1 : undefined), 'the pushed commit to be built');
    assert.equal(await ctl.s.waitForResult('app', n), 'SUCCESS');
    assert.match(await consoleOf(n), new RegExp(`^built ${third}$`, 'm'));
  });
});
