/**
 * A build on an agent survives the failover of its controller: two controllers on one home behind
 * a real Redis lease, the agent given both URLs; the active one is killed with SIGKILL mid-build,
 * the standby takes over, the agent reconnects to it, and the build goes on to its true result
 * with its log whole and nothing run twice.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AgentProcess } from '../support/agent-process.js';
import { RedisServer } from '../support/redis-server.js';
import { StewardProcess, eventually, freestyleXml, tempDir } from '../support/steward-process.js';

const TTL = '2s';

describe('a build on an agent across a failover', () => {
  let redis: RedisServer;
  before(async () => {
    redis = await RedisServer.start();
  });
  after(async () => {
    await redis.stop();
  });

  test('the standby adopts the build when the agent reconnects to it: log whole, second builder once, SUCCESS', { timeout: 120_000 }, async () => {
    await using home = await tempDir();
    await using work = await tempDir('steward-agent-');
    const args = ['--lock', `redis://127.0.0.1:${redis.port}/0?key=agent-failover`, '--lease-ttl', TTL, '--agent-grace', '30s'];
    const a = await StewardProcess.start(home.dir, args);
    const b = StewardProcess.spawn(home.dir, args);
    let agent: AgentProcess | undefined;
    try {
      const standing = await eventually(() => b.lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('standing by')), 'the standby');
      const standbyUrl = `http://127.0.0.1:${Number(standing.port)}/`;
      const created = await a.fetch('computer/doCreateItem', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          name: 'survivor-node',
          type: 'hudson.slaves.DumbSlave',
          json: JSON.stringify({ name: 'survivor-node', numExecutors: '1', remoteFS: work.dir, labelString: 'linux', launcher: { 'stapler-class': 'hudson.slaves.JNLPLauncher' } }),
        }).toString(),
      });
      assert.ok(created.status < 400, await created.text());
      const secret = /<argument>([0-9a-f]{64})<\/argument>/.exec(await (await a.fetch('computer/survivor-node/jenkins-agent.jnlp')).text())?.[1];
      assert.ok(secret !== undefined);
      agent = AgentProcess.start(['--url', `${a.url},${standbyUrl}`, '--name', 'survivor-node', '--secret', secret, '--work-dir', work.dir]);
      await agent.logged(/connected to the controller as node survivor-node/);

      const second = '<hudson.tasks.Shell><command>echo "second builder on $NODE_NAME"</command></hudson.tasks.Shell>\n  </builders>';
      const xml = freestyleXml({ command: 'set +x; i=0; while [ $i -lt 400 ]; do echo "line $i"; i=$((i+1)); sleep 0.01; done', assignedNode: 'linux' }).replace('</builders>', second);
      await a.createJob('survivor', xml);
      const n = await a.buildNumberOf(await a.queueBuild('survivor'));
      await eventually(async () => ((await (await a.fetch(`job/survivor/${n}/consoleText`)).text()).includes('line 30\n') ? true : undefined), 'some output');

      await a.stop('SIGKILL');
      await b.ready(30_000);
      const result = await b.waitForResult('survivor', n).catch((err: unknown) => {
        throw new Error(`${String(err)}\nagent: ${agent?.messages.join('\n')}\ncontroller: ${b.lines.map((l) => String(l.msg)).join('\n')}`);
      });
      assert.equal(result, 'SUCCESS');
      const log = await (await b.fetch(`job/survivor/${n}/consoleText`)).text();
      assert.deepEqual(
        log.split('\n').filter((l) => l.startsWith('line ')),
        Array.from({ length: 400 }, (_, i) => `line ${i}`),
        'every line once, in order',
      );
      assert.equal(log.match(/^second builder on survivor-node$/gm)?.length, 1, log);
      assert.equal(log.match(/Finished:/g)?.length, 1, log);
      assert.match(log, /\nFinished: SUCCESS\n$/);
      const builds = await b.json<{ builds: { number: number }[] }>('job/survivor/api/json?tree=builds[number]');
      assert.deepEqual(builds.builds.map((x) => x.number), [n], 'one build, not a second run');
    } finally {
      await agent?.stop();
      await Promise.all([a.stop('SIGKILL'), b.stop()]);
    }
  });
});
