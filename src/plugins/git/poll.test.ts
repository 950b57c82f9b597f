import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { ScmPolling, type Cause, type PollResult } from '../../jobs/index.js';
import { Launcher, LocalChannel } from '../../nodes/index.js';
import { TestRepo, gitJobXml } from '../../../test/support/git-repos.js';
import { tempDir } from '../../../test/support/steward-process.js';
import { openHome, runOneBuild } from '../../../test/jobs/home.js';

const ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

/** The jobs of a temporary home, a real launcher for the polls, and what the polls queued. */
async function pollingHome(opts: { timeoutMs?: number; busyRetryMs?: number } = {}) {
  const dir = await tempDir();
  const h = await openHome(dir.dir);
  const launcher = new Launcher();
  const scheduled: { job: string; cause: Cause }[] = [];
  const results: { job: string; result: PollResult }[] = [];
  const polling = new ScmPolling({
    jobs: h.jobs,
    channel: new LocalChannel(h.store, launcher, undefined),
    baseEnv: ENV,
    logger: pino({ level: 'silent' }),
    schedule: (job, cause) => void scheduled.push({ job, cause }),
    onPolled: (job, result) => void results.push({ job, result }),
    ...opts,
  });
  const pollLog = async (job: string) => (await h.store.readText(`jobs/${job}/scm-polling.log`)) ?? '';
  return {
    dir: dir.dir,
    h,
    polling,
    scheduled,
    results,
    pollLog,
    async [Symbol.asyncDispose]() {
      polling.close();
      await launcher.close();
      await h[Symbol.asyncDispose]();
      await dir[Symbol.asyncDispose]();
    },
  };
}

describe('polling a Git job', () => {
  it('forces a first build, then finds no change until a commit is pushed, and keeps the polling log', async () => {
    await using p = await pollingHome();
    const repo = await TestRepo.create(`${p.dir}/repo`);
    const first = await repo.commit('first', { 'a.txt': 'a' });
    await p.h.jobs.create('app', gitJobXml({ remotes: [[repo.url]], command: 'true' }));

    p.polling.request('app', false);
    await p.polling.idle();
    assert.deepEqual(p.scheduled, [{ job: 'app', cause: { kind: 'scm', shortDescription: 'Started by an SCM change' } }]);
    assert.match(await p.pollLog('app'), /\[poll\] No previous build, so forcing an initial build\.\n.*\nChanges found\n$/);

    const build = await runOneBuild(p.h.jobs, p.dir, 'app');
    assert.equal(build.result, 'SUCCESS');
    p.polling.request('app', false);
    await p.polling.idle();
    assert.equal(p.scheduled.length, 1, 'nothing new to build');
    const quiet = await p.pollLog('app');
    assert.match(quiet, new RegExp(`\\[poll\\] Last Built Revision: Revision ${first} \\(origin/main\\)`));
    assert.match(quiet, new RegExp(` > git ls-remote -h -- ${repo.url} # timeout=10\nFound 1 remote heads on ${repo.url}\n`));
    assert.match(quiet, new RegExp(`\\[poll\\] Latest remote head revision on refs/heads/main is: ${first} - already built by 1\n`));
    assert.match(quiet, /\nNo changes\n$/);

    const second = await repo.commit('second', { 'a.txt': 'b' });
    p.polling.request('app', true);
    await p.polling.idle();
    assert.equal(p.scheduled.length, 2);
    assert.match(await p.pollLog('app'), new RegExp(`\\[poll\\] Latest remote head revision on refs/heads/main is: ${second}\n(.*\n)*Changes found\n$`));
  });

  it('compares with the last build that recorded a revision, so a build whose fetch failed does not force a build every poll', async () => {
    await using p = await pollingHome();
    const repo = await TestRepo.create(`${p.dir}/repo`);
    const first = await repo.commit('first', { 'a.txt': 'a' });
    await p.h.jobs.create('app', gitJobXml({ remotes: [[repo.url]], command: 'true' }));
    await runOneBuild(p.h.jobs, p.dir, 'app');
    // Build 2 fails before it records anything: its remote is gone for a moment.
    await p.h.jobs.updateConfig('app', gitJobXml({ remotes: [[`file://${p.dir}/gone`]], command: 'true' }));
    assert.equal((await runOneBuild(p.h.jobs, p.dir, 'app')).result, 'FAILURE');
    await p.h.jobs.updateConfig('app', gitJobXml({ remotes: [[repo.url]], command: 'true' }));
    p.polling.request('app', true);
    await p.polling.idle();
    assert.deepEqual(p.scheduled, []);
    assert.match(await p.pollLog('app'), new RegExp(`is: ${first} - already built by 1\n`));
  });

  it('asks a remote shared by many jobs once per cycle, and again for a push notification', async () => {
    await using p = await pollingHome();
    const repo = await TestRepo.create(`${p.dir}/repo`);
    await repo.commit('first', { 'a.txt': 'a' });
    const names = Array.from({ length: 20 }, (_, i) => `app-${i}`);
    for (const name of names) await p.h.jobs.create(name, gitJobXml({ remotes: [[repo.url]], command: 'true' }));
    await runOneBuild(p.h.jobs, p.dir, 'app-0');

    for (const name of names) p.polling.request(name, false);
    await p.polling.idle();
    assert.equal(p.polling.counts.processes, 1, 'one git ls-remote for twenty jobs');
    assert.equal(p.scheduled.length, 19, 'every job but the one built');

    // Within the same cycle a scheduled poll reuses the answer; a notified one asks again.
    p.polling.request('app-0', false);
    await p.polling.idle();
    assert.equal(p.polling.counts.processes, 1);
    p.polling.request('app-0', true);
    await p.polling.idle();
    assert.equal(p.polling.counts.processes, 2);
  });

  it('polls a job once however many times it is asked while its poll waits', async () => {
    await using p = await pollingHome();
    const repo = await TestRepo.create(`${p.dir}/repo`);
    await repo.commit('first', { 'a.txt': 'a' });
    await p.h.jobs.create('app', gitJobXml({ remotes: [[repo.url]], command: 'true' }));
    await runOneBuild(p.h.jobs, p.dir, 'app');
    const asked = Array.from({ length: 50 }, () => p.polling.request('app', true));
    await p.polling.idle();
    assert.equal(asked.filter((a) => a).length, 2, 'the first, and one more for the notification that came while it ran');
    assert.ok(p.polling.counts.polls <= 2, `${p.polling.counts.polls} polls`);
    assert.ok(p.polling.counts.processes <= 2, `${p.polling.counts.processes} processes`);
  });

  it('runs the git ls-remote of a remote at most once a second, one at a time, under a storm of notifications', async () => {
    await using p = await pollingHome();
    const repo = await TestRepo.create(`${p.dir}/repo`);
    await repo.commit('first', { 'a.txt': 'a' });
    const names = Array.from({ length: 5 }, (_, i) => `app-${i}`);
    for (const name of names) {
      await p.h.jobs.create(name, gitJobXml({ remotes: [[repo.url]], command: 'true' }));
      await runOneBuild(p.h.jobs, p.dir, name);
    }
    const t0 = Date.now();
    for (let round = 0; round < 20; round++) {
      for (const name of names) p.polling.request(name, true);
      await new Promise((r) => setTimeout(r, 50));
    }
    await p.polling.idle();
    const seconds = (Date.now() - t0) / 1000;
    assert.ok(p.polling.counts.processes <= Math.ceil(seconds) + 1, `${p.polling.counts.processes} processes in ${seconds} s`);
    assert.ok(p.polling.counts.polls <= 2 * names.length + 2 * Math.ceil(seconds) * names.length, `${p.polling.counts.polls} polls`);
  });

  it('puts a poll off while a build of the job runs, so that the head it builds is not queued twice', async () => {
    await using p = await pollingHome({ busyRetryMs: 300 });
    const repo = await TestRepo.create(`${p.dir}/repo`);
    await repo.commit('first', { 'a.txt': 'a' });
    await p.h.jobs.create('app', gitJobXml({ remotes: [[repo.url]], command: 'sleep 1' }));
    await runOneBuild(p.h.jobs, p.dir, 'app');
    await repo.commit('second', { 'a.txt': 'b' });
    // The build of the second commit runs; a notification of the same push comes meanwhile.
    const running = runOneBuild(p.h.jobs, p.dir, 'app');
    await new Promise((r) => setTimeout(r, 300));
    p.polling.request('app', true);
    await p.polling.idle();
    assert.deepEqual(p.scheduled, [], 'nothing is queued while the build runs');
    assert.equal((await running).result, 'SUCCESS');
    await new Promise((r) => setTimeout(r, 600));
    await p.polling.idle();
    assert.deepEqual(p.scheduled, [], 'the build built the pushed head: the poll after it finds nothing new');
    assert.match(await p.pollLog('app'), /already built by 2\n(.*\n)*No changes\n$/);
  });

  it('stops a git ls-remote that hangs at its timeout, and says so in the polling log', async () => {
    await using p = await pollingHome({ timeoutMs: 1_000 });
    // A remote that takes the connection and never answers.
    const sockets = new Set<Socket>();
    const server = createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const repo = await TestRepo.create(`${p.dir}/repo`);
      await repo.commit('first', { 'a.txt': 'a' });
      await p.h.jobs.create('app', gitJobXml({ remotes: [[repo.url]], command: 'true' }));
      await runOneBuild(p.h.jobs, p.dir, 'app');
      await p.h.jobs.updateConfig('app', gitJobXml({ remotes: [[`git://127.0.0.1:${port}/hung.git`]], command: 'true' }));
      const t0 = Date.now();
      p.polling.request('app', true);
      await p.polling.idle();
      assert.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms`);
      assert.equal(p.scheduled.length, 0);
      assert.equal(p.results.at(-1)?.result.kind, 'failed');
      assert.match(await p.pollLog('app'), /ERROR: polling failed: git ls-remote of git:\/\/127\.0\.0\.1:\d+\/hung\.git was stopped after 1 s \(its timeout\)\n$/);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    }
  });
});
