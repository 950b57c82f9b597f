import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AgentProcess, stewardCli } from '../support/agent-process.js';
import { RedisServer } from '../support/redis-server.js';
import { StewardProcess, basic, createApiToken, eventually, freestyleXml, projectMatrixConfig, stringParam, tempDir } from '../support/steward-process.js';
import { freePort } from '../support/tcp-proxy.js';

/** Long enough that a standby taking over only after it expired would show. */
const TTL = '10s';
const TTL_MS = 10_000;

type ErrorBody = { error: { code: string; message: string; activeUrl?: string } };

/** The time (ms since the epoch) of a controller's first log line starting with `prefix`. */
function loggedAt(s: StewardProcess, prefix: string): number | undefined {
  const line = s.lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith(prefix));
  return line === undefined ? undefined : Number(line.time);
}

async function consoleText(s: StewardProcess, job: string, n: number): Promise<string> {
  return (await s.fetch(`job/${job}/${n}/consoleText`)).text();
}

describe('a planned handover between two controllers on one home behind a Redis lease', () => {
  let redis: RedisServer;
  before(async () => {
    redis = await RedisServer.start();
  });
  after(async () => {
    await redis.stop();
  });

  test('queued builds run once on the standby, the agent build is adopted whole, built-in builds are waited for then aborted; the standby named the active URL', { timeout: 120_000 }, async (t) => {
    await using home = await tempDir();
    await using work = await tempDir('steward-agent-');
    await using marks = await tempDir();
    // Steps on the built-in node run as the build user: they look for the mark the test leaves here.
    chmodSync(marks.dir, 0o755);
    const handingOver = path.join(marks.dir, 'handing-over');
    writeFileSync(path.join(home.dir, 'config.xml'), projectMatrixConfig());
    const [portA, portB] = [await freePort(), await freePort()];
    const urlA = `http://127.0.0.1:${portA}/`;
    const urlB = `http://127.0.0.1:${portB}/`;
    const args = ['--lock', `redis://127.0.0.1:${redis.port}/0?key=handover`, '--lease-ttl', TTL];
    const a = await StewardProcess.start(home.dir, [...args, '--port', String(portA), '--advertise-url', urlA]);
    const b = StewardProcess.spawn(home.dir, [...args, '--port', String(portB), '--advertise-url', urlB]);
    let agent: AgentProcess | undefined;
    try {
      await eventually(() => b.lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('standing by')), 'the standby');

      // The standby names the active controller: in /health/ready, in its 503, and a browser is sent there.
      const ready = await fetch(`${urlB}health/ready`);
      assert.equal(ready.status, 503);
      assert.deepEqual(await ready.json(), { status: 'not ready', role: 'standby', epoch: null, activeUrl: urlA });
      const api = await fetch(`${urlB}api/json?tree=jobs[name]`);
      assert.equal(api.status, 503);
      const refusal = (await api.json()) as ErrorBody;
      assert.equal(refusal.error.code, 'STW_NOT_ACTIVE');
      assert.equal(refusal.error.activeUrl, urlA);
      const page = await fetch(`${urlB}job/x/?a=1`, { headers: { accept: 'text/html,application/xhtml+xml' }, redirect: 'manual' });
      assert.equal(page.status, 302);
      assert.equal(page.headers.get('location'), `${urlA}job/x/?a=1`);
      // A path that looks like another host stays a path on the active controller.
      const sly = await fetch(`${urlB}/evil.example/x`, { headers: { accept: 'text/html' }, redirect: 'manual' });
      assert.equal(sly.headers.get('location'), `${urlA}evil.example/x`);
      assert.equal((await a.json<{ activeUrl: string }>('health/ready')).activeUrl, urlA);
      const ofStandby = await fetch(`${urlB}manage/ha/handover`, { method: 'POST', headers: { authorization: a.authorization ?? '' } });
      assert.equal(ofStandby.status, 503, 'a standby has nothing to hand over');

      // Only an administrator may ask for a handover.
      const created = await a.fetch('securityRealm/createAccountByAdmin', {
        method: 'POST',
        body: new URLSearchParams({ username: 'bob', password1: 'bob-password-1', password2: 'bob-password-1' }),
      });
      assert.equal(created.status, 302, await created.text());
      const bob = basic('bob', await createApiToken(a.url, 'bob', 'bob-password-1'));
      const byBob = await a.fetch('manage/ha/handover', { method: 'POST', headers: { authorization: bob } });
      assert.equal(byBob.status, 403);
      assert.match(((await byBob.json()) as ErrorBody).error.message, /Overall\/Administer/);
      assert.equal((await a.fetchAnonymous('manage/ha/handover', { method: 'POST' })).status, 401);
      assert.equal((await a.json<{ role: string }>('health/ready')).role, 'active', 'the refusals changed nothing');

      // An agent given both URLs, running a long build; two builds queued behind it for its one executor.
      const node = await stewardCli(a, ['node', 'create', 'linux-1', '--labels', 'linux', '--remote-fs', work.dir]);
      assert.equal(node.code, 0, node.stderr);
      const secret = (await stewardCli(a, ['node', 'secret', 'linux-1'])).stdout.trim();
      agent = AgentProcess.start(['--url', `${urlA},${urlB}`, '--name', 'linux-1', '--secret', secret, '--work-dir', work.dir]);
      await agent.logged(/connected to the controller as node linux-1/);
      await a.createJob(
        'on-agent',
        freestyleXml({ command: 'set +x; i=0; while [ $i -lt 500 ]; do echo "line $i"; i=$((i+1)); sleep 0.02; done', assignedNode: 'linux' }).replace(
          '</builders>',
          '  <hudson.tasks.Shell><command>echo "second builder on $NODE_NAME"</command></hudson.tasks.Shell>\n  </builders>',
        ),
      );
      await a.createJob('later', freestyleXml({ command: 'echo "later $P on $NODE_NAME"', assignedNode: 'linux', concurrent: true, parameters: stringParam('P', '0') }));
      // One build on the built-in node ends while the handover waits for it, the other never does.
      await a.createJob('short', freestyleXml({ command: `while [ ! -e ${handingOver} ]; do sleep 0.1; done; echo short done`, assignedNode: 'built-in' }));
      await a.createJob('long', freestyleXml({ command: 'sleep 600', assignedNode: 'built-in' }));
      const n = await a.buildNumberOf(await a.queueBuild('on-agent'));
      await eventually(async () => ((await consoleText(a, 'on-agent', n)).includes('line 20\n') ? true : undefined), 'output of the agent build');
      await a.queueBuild('later', { P: '1' });
      await a.queueBuild('later', { P: '2' });
      const shortN = await a.buildNumberOf(await a.queueBuild('short'));
      const longN = await a.buildNumberOf(await a.queueBuild('long'));
      const queued = await a.json<{ items: unknown[] }>('queue/api/json');
      assert.equal(queued.items.length, 2, 'the two later builds wait for the agent');

      const asking = stewardCli(a, ['ha', 'handover', '--timeout', '3s']);
      await eventually(() => (loggedAt(a, 'handing over to a standby') === undefined ? undefined : true), 'the handover to begin');
      writeFileSync(handingOver, '');
      const handover = await asking;
      assert.equal(handover.code, 0, handover.stderr);
      assert.match(handover.stdout, /^queue items handed over: 2$/m);
      assert.match(handover.stdout, /^builds on agents handed over: 1: on-agent #1$/m);
      assert.match(handover.stdout, /^builds that could not move, ended while waited for: 1: short #1$/m);
      assert.match(handover.stdout, /^builds that could not move, aborted: 1: long #1$/m);
      assert.match(handover.stdout, new RegExp(`^the next active controller has epoch \\d+ at ${urlB.replace(/[.]/g, '\\.')} `, 'm'));
      assert.equal(await a.exited, 0, 'the controller that handed over stops with status 0');

      // The standby took the lease at once, not a TTL later.
      const released = loggedAt(a, 'released the lease for a standby');
      const acquired = loggedAt(b, 'acquired the lease');
      assert.ok(released !== undefined && acquired !== undefined);
      // Not a TTL later, as after a controller that died: the lease was free at once.
      assert.ok(acquired - released < TTL_MS / 2, `the standby acquired the lease ${acquired - released} ms after it was released (TTL ${TTL_MS} ms)`);
      await b.ready(30_000);
      const readyAt = loggedAt(b, 'Steward is ready');
      assert.ok(readyAt !== undefined && readyAt - released < TTL_MS / 2, `the standby was ready ${Number(readyAt) - released} ms after the release`);
      // The build that never ends was waited for the whole timeout, and then not much longer.
      const waited = Number(/lease released after ([\d.]+) s/.exec(handover.stdout)?.[1]);
      assert.ok(waited >= 3 && waited < 3 + 10, `the lease was released ${waited} s after the handover began (timeout 3 s)`);
      assert.equal((await b.json<{ activeUrl: string }>('health/ready')).activeUrl, urlB);
      t.diagnostic(`handover to release ${waited} s, release to acquired ${acquired - released} ms, release to ready ${Number(readyAt) - released} ms`);

      // The agent build goes on under the new controller: its whole log, each line and builder once.
      assert.equal(await b.waitForResult('on-agent', n), 'SUCCESS');
      const log = await consoleText(b, 'on-agent', n);
      assert.deepEqual(
        log.split('\n').filter((l) => l.startsWith('line ')),
        Array.from({ length: 500 }, (_, i) => `line ${i}`),
      );
      assert.equal(log.match(/^second builder on linux-1$/gm)?.length, 1, log);
      assert.equal(log.match(/Finished:/g)?.length, 1, log);
      assert.match(log, /\nFinished: SUCCESS\n$/);
      assert.ok(b.lines.some((l) => /adopted on-agent #1/.test(String(l.msg))));

      // The queued builds run on the new controller, once each.
      assert.equal(await b.waitForResult('later', 1), 'SUCCESS');
      assert.equal(await b.waitForResult('later', 2), 'SUCCESS');
      const laterLogs = [await consoleText(b, 'later', 1), await consoleText(b, 'later', 2)].join('');
      assert.equal(laterLogs.match(/^later 1 on linux-1$/gm)?.length, 1, laterLogs);
      assert.equal(laterLogs.match(/^later 2 on linux-1$/gm)?.length, 1, laterLogs);
      const laterJob = await b.json<{ builds: { number: number }[] }>('job/later/api/json?tree=builds[number]');
      assert.deepEqual(laterJob.builds.map((x) => x.number).sort(), [1, 2]);
      assert.equal((await b.json<{ items: unknown[] }>('queue/api/json')).items.length, 0);

      // The built-in node's builds: one ended while waited for, one aborted saying why.
      assert.equal(await b.waitForResult('short', shortN), 'SUCCESS');
      assert.equal(await b.waitForResult('long', longN), 'ABORTED');
      assert.match(await consoleText(b, 'long', longN), /Aborted: the controller handed over to a standby after waiting 3 s for this build; it ran on the built-in node/);
    } finally {
      await agent?.stop();
      await a.stop('SIGKILL');
      await b.stop();
    }
  });

  test('with no standby the controller still hands over and stops; the agent build waits and is adopted by the next controller to start', { timeout: 120_000 }, async () => {
    await using home = await tempDir();
    await using work = await tempDir('steward-agent-');
    const port = await freePort();
    const args = ['--lock', `redis://127.0.0.1:${redis.port}/0?key=alone`, '--lease-ttl', TTL, '--port', String(port)];
    const a = await StewardProcess.start(home.dir, args);
    let agent: AgentProcess | undefined;
    let next: StewardProcess | undefined;
    try {
      await stewardCli(a, ['node', 'create', 'linux-2', '--labels', 'linux', '--remote-fs', work.dir]);
      const secret = (await stewardCli(a, ['node', 'secret', 'linux-2'])).stdout.trim();
      agent = AgentProcess.start(['--url', a.url, '--name', 'linux-2', '--secret', secret, '--work-dir', work.dir]);
      await agent.logged(/connected to the controller as node linux-2/);
      await a.createJob('alone', freestyleXml({ command: 'set +x; i=0; while [ $i -lt 300 ]; do echo "line $i"; i=$((i+1)); sleep 0.05; done', assignedNode: 'linux' }));
      const n = await a.buildNumberOf(await a.queueBuild('alone'));
      await eventually(async () => ((await consoleText(a, 'alone', n)).includes('line 10\n') ? true : undefined), 'output of the agent build');

      // A timeout past HTTP's usual 5 minutes: the command waits as long for the answer.
      const handover = await stewardCli(a, ['ha', 'handover', '--timeout', '10m']);
      assert.equal(handover.code, 0, handover.stderr);
      assert.match(handover.stdout, /^builds on agents handed over: 1: alone #1$/m);
      assert.match(handover.stdout, /^no standby took the lease within 10 s/m);
      assert.equal(await a.exited, 0);
      assert.ok(a.lines.some((l) => /^no standby took the lease/.test(String(l.msg))));

      // The next controller to start on the home (here on the same port the agent knows) adopts it.
      next = await StewardProcess.start(home.dir, args);
      assert.equal(await next.waitForResult('alone', n), 'SUCCESS');
      const log = await consoleText(next, 'alone', n);
      assert.deepEqual(
        log.split('\n').filter((l) => l.startsWith('line ')),
        Array.from({ length: 300 }, (_, i) => `line ${i}`),
      );
      assert.equal(log.match(/Finished:/g)?.length, 1, log);
    } finally {
      await agent?.stop();
      await a.stop('SIGKILL');
      await next?.stop();
    }
  });
});
