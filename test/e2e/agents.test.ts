import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { processesWithCookie } from '../../src/process-group/tree.js';
import { AgentProcess, stewardCli } from '../support/agent-process.js';
import { StewardProcess, eventually, freestyleXml, tempDir } from '../support/steward-process.js';
import { RedisServer } from '../support/redis-server.js';
import { TcpProxy, freePort } from '../support/tcp-proxy.js';


async function ok(s: StewardProcess, args: string[]): Promise<string> {
  const r = await stewardCli(s, args);
  assert.equal(r.code, 0, `steward ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

describe('builds on a steward agent connected to steward start', () => {
  let home: Awaited<ReturnType<typeof tempDir>>;
  let work: Awaited<ReturnType<typeof tempDir>>;
  let s: StewardProcess;
  let proxy: TcpProxy;
  let agent: AgentProcess;
  let secret: string;

  before(async () => {
    home = await tempDir();
    work = await tempDir('steward-agent-');
    s = await StewardProcess.start(home.dir, ['--agent-grace', '20s']);
    await ok(s, ['node', 'create', 'linux-1', '--labels', 'linux', '--executors', '2', '--remote-fs', work.dir]);
    secret = (await ok(s, ['node', 'secret', 'linux-1'])).trim();
    proxy = await TcpProxy.start({ host: '127.0.0.1', port: s.port });
    agent = AgentProcess.start(['--url', `http://127.0.0.1:${proxy.port}/`, '--name', 'linux-1', '--secret', secret, '--work-dir', work.dir]);
    await agent.logged(/connected to the controller as node linux-1/);
  });

  after(async () => {
    await agent?.stop();
    await s?.stop();
    await proxy?.close();
    await work?.[Symbol.asyncDispose]();
    await home?.[Symbol.asyncDispose]();
  });

  test('the node is online, and a job for its label builds there in its workspace under the work dir', async () => {
    const list = await ok(s, ['node', 'list']);
    assert.match(list, /^linux-1\tonline\t2\tlinux$/m);
    await s.createJob('on-agent', freestyleXml({ command: 'echo "on $NODE_NAME in $PWD"', assignedNode: 'linux' }));
    await s.createJob('on-built-in', freestyleXml({ command: 'echo "on $NODE_NAME"', assignedNode: 'built-in' }));
    const a = await s.buildNumberOf(await s.queueBuild('on-agent'));
    const b = await s.buildNumberOf(await s.queueBuild('on-built-in'));
    assert.equal(await s.waitForResult('on-agent', a), 'SUCCESS');
    assert.equal(await s.waitForResult('on-built-in', b), 'SUCCESS');
    const log = await (await s.fetch(`job/on-agent/${a}/consoleText`)).text();
    assert.match(log, new RegExp(`Building remotely on linux-1 in workspace ${work.dir}/workspace/on-agent\n`));
    assert.match(log, new RegExp(`\non linux-1 in ${work.dir}/workspace/on-agent\n`));
    assert.match(log, /Finished: SUCCESS\n$/);
    assert.equal((await s.json<{ builtOn: string }>(`job/on-agent/${a}/api/json`)).builtOn, 'linux-1');
    assert.match(await (await s.fetch(`job/on-built-in/${b}/consoleText`)).text(), /\non built-in\n/);
  });

  test('the JUnit publisher records the reports a build wrote in its workspace on the agent', async () => {
    const report = `cat > TEST-remote.xml <<'EOF'
<testsuite name="remote"><testcase classname="remote.Suite" name="passes"/><testcase classname="remote.Suite" name="fails"><failure message="on the agent">trace</failure></testcase></testsuite>
EOF`;
    const junit = '<publishers><hudson.tasks.junit.JUnitResultArchiver plugin="junit@1265.v65b_14fa_f12f0"><testResults>TEST-*.xml</testResults></hudson.tasks.junit.JUnitResultArchiver></publishers>';
    await s.createJob('tests-on-agent', freestyleXml({ command: report, assignedNode: 'linux' }).replace('<publishers/>', junit));
    const n = await s.buildNumberOf(await s.queueBuild('tests-on-agent'));
    assert.equal(await s.waitForResult('tests-on-agent', n), 'UNSTABLE');
    const testReport = await s.json<{ failCount: number; passCount: number; suites: { cases: { name: string; status: string; errorDetails: string | null }[] }[] }>(`job/tests-on-agent/${n}/testReport/api/json`);
    assert.deepEqual([testReport.failCount, testReport.passCount], [1, 1]);
    assert.deepEqual(testReport.suites[0]?.cases.map((c) => [c.name, c.status, c.errorDetails]), [['passes', 'PASSED', null], ['fails', 'FAILED', 'on the agent']]);
  });

  test('an abort ends the whole process tree on the agent and the build ABORTED', async () => {
    await s.createJob('long', freestyleXml({ command: 'echo "cookie=$JENKINS_NODE_COOKIE"; sleep 300 & (setsid sleep 301 &); wait', assignedNode: 'linux' }));
    const n = await s.buildNumberOf(await s.queueBuild('long'));
    const cookie = await eventually(async () => /cookie=(\S+)/.exec(await (await s.fetch(`job/long/${n}/consoleText`)).text())?.[1], 'the step to run');
    await eventually(async () => ((await processesWithCookie(cookie)).length >= 3 ? true : undefined), 'the step and its children to run');
    const res = await s.fetch(`job/long/${n}/stop`, { method: 'POST' });
    assert.ok(res.status < 400, `stop: ${res.status}`);
    assert.equal(await s.waitForResult('long', n), 'ABORTED');
    assert.deepEqual(await processesWithCookie(cookie), []);
  });

  test('the link cut mid-build for a few seconds, then restored: the log is complete, not doubled, and the result true', async () => {
    await s.createJob('chatty', freestyleXml({ command: 'set +x; i=0; while [ $i -lt 400 ]; do echo "line $i"; i=$((i+1)); sleep 0.01; done; exit 3', assignedNode: 'linux' }));
    const n = await s.buildNumberOf(await s.queueBuild('chatty'));
    await eventually(async () => ((await (await s.fetch(`job/chatty/${n}/consoleText`)).text()).includes('line 30\n') ? true : undefined), 'some output');
    proxy.reset();
    await eventually(async () => (/offline \(the agent disconnected/.test(await ok(s, ['node', 'list'])) ? true : undefined), 'the node to be offline');
    await new Promise((r) => setTimeout(r, 3_000));
    proxy.restore();
    assert.equal(await s.waitForResult('chatty', n), 'FAILURE');
    const log = await (await s.fetch(`job/chatty/${n}/consoleText`)).text();
    const lines = log.split('\n').filter((l) => l.startsWith('line '));
    assert.deepEqual(lines, Array.from({ length: 400 }, (_, i) => `line ${i}`));
    assert.match(log, /Build step 'Execute shell' marked build as failure\nFinished: FAILURE\n$/);
    await agent.logged(/continues 1 running steps/);
  });

  test('an agent with a wrong secret is refused with the reason and stops; the connected one is not disturbed', async () => {
    const wrong = AgentProcess.start(['--url', s.url, '--name', 'linux-1', '--secret', 'f'.repeat(64), '--work-dir', work.dir]);
    assert.equal(await wrong.exited, 2);
    assert.ok(wrong.messages.some((m) => /refused this agent: the agent name or secret is wrong/.test(m)), wrong.messages.join('\n'));
    const unknown = AgentProcess.start(['--url', s.url, '--name', 'nobody', '--secret', secret, '--work-dir', work.dir]);
    assert.equal(await unknown.exited, 2);
    assert.match(await ok(s, ['node', 'list']), /^linux-1\tonline\t/m);
    assert.ok(s.lines.some((l) => /refused an agent that said it was node nobody/.test(String(l.msg))));
  });
});

describe('a build on an agent outlives its controller', () => {
  test('the controller killed with SIGKILL mid-build and started again on its home: the build goes on, its log whole and its result true', async () => {
    await using home = await tempDir();
    await using work = await tempDir('steward-agent-');
    const port = await freePort();
    let s = await StewardProcess.start(home.dir, ['--port', String(port)]);
    let agent: AgentProcess | undefined;
    try {
      await ok(s, ['node', 'create', 'linux-2', '--labels', 'linux', '--remote-fs', work.dir]);
      const secret = (await ok(s, ['node', 'secret', 'linux-2'])).trim();
      agent = AgentProcess.start(['--url', `http://127.0.0.1:${port}/`, '--name', 'linux-2', '--secret', secret, '--work-dir', work.dir]);
      await agent.logged(/connected to the controller as node linux-2/);
      const second = '<hudson.tasks.Shell><command>echo "second builder on $NODE_NAME"</command></hudson.tasks.Shell>\n  </builders>';
      const xml = freestyleXml({ command: 'set +x; i=0; while [ $i -lt 300 ]; do echo "line $i"; i=$((i+1)); sleep 0.01; done', assignedNode: 'linux' }).replace('</builders>', second);
      await s.createJob('survivor', xml);
      const n = await s.buildNumberOf(await s.queueBuild('survivor'));
      await eventually(async () => ((await (await s.fetch(`job/survivor/${n}/consoleText`)).text()).includes('line 40\n') ? true : undefined), 'some output');
      s.child.kill('SIGKILL');
      await s.exited;
      s = await StewardProcess.start(home.dir, ['--port', String(port)]);
      // Until its agent is back, the build reads as still building, not ABORTED.
      assert.equal((await s.json<{ building: boolean; result: string | null }>(`job/survivor/${n}/api/json`)).building, true);
      assert.equal(await s.waitForResult('survivor', n), 'SUCCESS');
      const log = await (await s.fetch(`job/survivor/${n}/consoleText`)).text();
      assert.deepEqual(
        log.split('\n').filter((l) => l.startsWith('line ')),
        Array.from({ length: 300 }, (_, i) => `line ${i}`),
      );
      assert.equal(log.match(/^second builder on linux-2$/gm)?.length, 1, log);
      assert.match(log, /\nFinished: SUCCESS\n$/);
      assert.equal(log.match(/Finished:/g)?.length, 1);
      assert.ok(s.lines.some((l) => /adopted survivor #1/.test(String(l.msg))));
    } finally {
      await agent?.stop();
      await s.stop();
    }
  });
});

describe('a build on an agent outlives a failover', () => {
  let redis: RedisServer;
  before(async () => {
    redis = await RedisServer.start();
  });
  after(async () => {
    await redis.stop();
  });

  test('the active controller cut from its lease mid-build leaves the agent\'s build to the standby, which completes it with its whole log', { timeout: 90_000 }, async () => {
    await using home = await tempDir();
    await using work = await tempDir('steward-agent-');
    const [portA, portB] = [await freePort(), await freePort()];
    const lease = await TcpProxy.start({ host: '127.0.0.1', port: redis.port });
    const args = (redisPort: number) => ['--lock', `redis://127.0.0.1:${redisPort}/0?key=agents-cut`, '--lease-ttl', '2s'];
    const a = await StewardProcess.start(home.dir, [...args(lease.port), '--port', String(portA)]);
    const b = StewardProcess.spawn(home.dir, [...args(redis.port), '--port', String(portB)]);
    let agent: AgentProcess | undefined;
    try {
      await ok(a, ['node', 'create', 'linux-4', '--labels', 'linux', '--remote-fs', work.dir]);
      const secret = (await ok(a, ['node', 'secret', 'linux-4'])).trim();
      agent = AgentProcess.start(['--url', `http://127.0.0.1:${portA}/,http://127.0.0.1:${portB}/`, '--name', 'linux-4', '--secret', secret, '--work-dir', work.dir]);
      await agent.logged(/connected to the controller as node linux-4/);
      await a.createJob('cut', freestyleXml({ command: 'set +x; i=0; while [ $i -lt 400 ]; do echo "line $i"; i=$((i+1)); sleep 0.01; done', assignedNode: 'linux' }));
      const n = await a.buildNumberOf(await a.queueBuild('cut'));
      await eventually(async () => ((await (await a.fetch(`job/cut/${n}/consoleText`)).text()).includes('line 40\n') ? true : undefined), 'some output');
      // Cut from Redis, the active controller loses its lease and stops (status 4) while its agent is still connected.
      lease.blackhole();
      assert.equal(await a.exited, 4);
      await b.ready(30_000);
      assert.equal(await b.waitForResult('cut', n), 'SUCCESS');
      const log = await (await b.fetch(`job/cut/${n}/consoleText`)).text();
      assert.deepEqual(
        log.split('\n').filter((l) => l.startsWith('line ')),
        Array.from({ length: 400 }, (_, i) => `line ${i}`),
      );
      assert.doesNotMatch(log, /Aborted/);
      assert.match(log, /\nFinished: SUCCESS\n$/);
    } finally {
      await agent?.stop();
      await a.stop();
      await b.stop();
      await lease.close();
    }
  });

  test('the active controller killed mid-build: the standby takes over, and the agent, given both URLs, has it continue the build', { timeout: 90_000 }, async () => {
    await using home = await tempDir();
    await using work = await tempDir('steward-agent-');
    const [portA, portB] = [await freePort(), await freePort()];
    const args = ['--lock', `redis://127.0.0.1:${redis.port}/0?key=agents`, '--lease-ttl', '2s'];
    const a = await StewardProcess.start(home.dir, [...args, '--port', String(portA)]);
    const b = StewardProcess.spawn(home.dir, [...args, '--port', String(portB)]);
    let agent: AgentProcess | undefined;
    try {
      await ok(a, ['node', 'create', 'linux-3', '--labels', 'linux', '--remote-fs', work.dir]);
      const secret = (await ok(a, ['node', 'secret', 'linux-3'])).trim();
      agent = AgentProcess.start(['--url', `http://127.0.0.1:${portA}/,http://127.0.0.1:${portB}/`, '--name', 'linux-3', '--secret', secret, '--work-dir', work.dir]);
      await agent.logged(/connected to the controller as node linux-3/);
      await a.createJob('failover', freestyleXml({ command: 'set +x; i=0; while [ $i -lt 300 ]; do echo "line $i"; i=$((i+1)); sleep 0.01; done', assignedNode: 'linux' }));
      const n = await a.buildNumberOf(await a.queueBuild('failover'));
      await eventually(async () => ((await (await a.fetch(`job/failover/${n}/consoleText`)).text()).includes('line 40\n') ? true : undefined), 'some output');
      a.child.kill('SIGKILL');
      await a.exited;
      await b.ready(30_000);
      assert.equal(await b.waitForResult('failover', n), 'SUCCESS');
      const log = await (await b.fetch(`job/failover/${n}/consoleText`)).text();
      assert.deepEqual(
        log.split('\n').filter((l) => l.startsWith('line ')),
        Array.from({ length: 300 }, (_, i) => `line ${i}`),
      );
      assert.match(log, /\nFinished: SUCCESS\n$/);
      assert.ok(b.lines.some((l) => /adopted failover #1/.test(String(l.msg))));
    } finally {
      await agent?.stop();
      await a.stop();
      await b.stop();
    }
  });
});
