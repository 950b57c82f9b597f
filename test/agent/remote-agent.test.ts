import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { processesWithCookie } from '../../src/process-group/tree.js';
import type { LaunchOptions, StepProcess } from '../../src/nodes/index.js';
import { AgentProcess } from '../support/agent-process.js';
import { AgentServer } from '../support/agent-server.js';
import { eventually, tempDir } from '../support/steward-process.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

/** A real agent process connected to a real controller side (AgentServer), in a temporary work dir. */
async function connected(server: AgentServer, workDir: string, url = server.url): Promise<AgentProcess> {
  const agent = AgentProcess.start(['--url', url, '--name', 'agent-1', '--secret', 'right-secret', '--work-dir', workDir]);
  await eventually(() => (server.computer.online ? true : undefined), 'the agent to connect');
  return agent;
}

function run(server: AgentServer, script: string, opts: Partial<LaunchOptions> = {}): { step: StepProcess; output: () => string } {
  const chunks: Buffer[] = [];
  const step = server.channel.launch({
    build: { job: 'app', number: 1, cookie: `cookie-${Math.random().toString(36).slice(2)}` },
    command: '/bin/sh',
    args: ['-c', script],
    cwd: '/',
    env: ENV,
    mask: [],
    onOutput: (c) => void chunks.push(c),
    ...opts,
  });
  return { step, output: () => Buffer.concat(chunks).toString() };
}

describe('steward agent against the controller side of its connection', () => {
  let server: AgentServer;
  let work: Awaited<ReturnType<typeof tempDir>>;
  let agent: AgentProcess | undefined;

  beforeEach(async () => {
    work = await tempDir('steward-agent-');
    server = await AgentServer.start({ graceMs: 4_000 });
  });

  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
    await server.close();
    await work[Symbol.asyncDispose]();
  });

  test('a step runs in its workspace under the work dir, masked, with its output and exit status', async () => {
    agent = await connected(server, work.dir);
    const workspace = await server.channel.workspace('app');
    assert.equal(workspace, path.join(work.dir, 'workspace', 'app'));
    const { step, output } = run(server, 'echo "in $PWD"; echo "password is hunter2"; exit 3', { cwd: workspace, mask: ['hunter2'] });
    assert.equal(typeof (await step.pid), 'number');
    assert.equal(await step.exited, 3);
    assert.equal(output(), `in ${workspace}\npassword is ****\n`);
    assert.ok(agent.messages.some((m) => /connected to the controller as node agent-1/.test(m)));
    assert.ok(!agent.messages.join('\n').includes('right-secret'), 'the secret is never logged');
  });

  test('files: a temporary file only its user reads, a listing of the workspace, and a file read back whole', async () => {
    agent = await connected(server, work.dir);
    const workspace = await server.channel.workspace('app');
    const temp = await server.channel.writeTempFile('script.sh', 'echo from a script\n', 0o500);
    assert.equal(await readFile(temp.path, 'utf8'), 'echo from a script\n');
    const { step, output } = run(server, `sh ${temp.path}; head -c 3000000 /dev/urandom > big.bin; mkdir -p d; echo x > d/a.txt; ln -s /etc/passwd d/link.txt`, { cwd: workspace });
    assert.equal(await step.exited, 0);
    assert.equal(output(), 'from a script\n');
    await temp.remove();
    await assert.rejects(readFile(temp.path), /ENOENT/);
    assert.deepEqual(await server.channel.listFiles(workspace, ['**/*'], []), ['big.bin', 'd/a.txt']);
    const hash = createHash('sha256');
    let size = 0;
    const done = await server.channel.readFile(workspace, 'big.bin', (bytes) =>
      pipeline(bytes, new Writable({ write: (chunk: Buffer, _e, cb) => void (hash.update(chunk), (size += chunk.length), setTimeout(cb, 1)) })),
    );
    assert.deepEqual(done, { read: true });
    assert.equal(size, 3_000_000);
    assert.equal(hash.digest('hex'), createHash('sha256').update(await readFile(path.join(workspace, 'big.bin'))).digest('hex'));
    assert.deepEqual(await server.channel.readFile(workspace, 'd/link.txt', async () => assert.fail('a link is not read')), { read: false, refused: 'link' });
  });

  test('a reader that gives up on a file partway (a report over its bound) gets its error back, and the next file reads whole', async () => {
    agent = await connected(server, work.dir);
    const workspace = await server.channel.workspace('app');
    const { step } = run(server, 'head -c 8000000 /dev/urandom > huge.xml; echo small > small.xml', { cwd: workspace });
    assert.equal(await step.exited, 0);
    const enough = new Error('enough');
    let seen = 0;
    await assert.rejects(
      server.channel.readFile(workspace, 'huge.xml', async (bytes) => {
        for await (const chunk of bytes) {
          seen += (chunk as Buffer).length;
          if (seen > 1_000_000) throw enough;
        }
      }),
      (err) => err === enough,
    );
    let text = '';
    assert.deepEqual(await server.channel.readFile(workspace, 'small.xml', async (bytes) => {
      for await (const chunk of bytes) text += (chunk as Buffer).toString();
    }), { read: true });
    assert.equal(text, 'small\n');
  });

  test('a stop ends the whole process tree on the agent', async () => {
    agent = await connected(server, work.dir);
    const cookie = 'tree-cookie-1';
    const { step } = run(server, 'sleep 300 & (setsid sleep 301 &); echo started; wait', { build: { job: 'app', number: 2, cookie }, env: { ...ENV, STEWARD_BUILD_COOKIE: cookie } });
    await step.pid;
    await eventually(async () => ((await processesWithCookie(cookie)).length >= 3 ? true : undefined), 'the step and its children to run');
    await step.stop(500);
    assert.equal(await step.exited, 143);
    await eventually(async () => ((await processesWithCookie(cookie)).length === 0 ? true : undefined), 'every process of the step to end', 5_000);
  });

  test('the link cut mid-step and restored: the output is complete, not doubled, and the status true', async () => {
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: server.port });
    try {
      agent = await connected(server, work.dir, `http://127.0.0.1:${proxy.port}/`);
      const { step, output } = run(server, 'i=0; while [ $i -lt 300 ]; do echo "line $i"; i=$((i+1)); sleep 0.01; done; exit 7');
      await eventually(() => (output().includes('line 20\n') ? true : undefined), 'some output');
      proxy.reset();
      await eventually(() => (server.computer.online ? undefined : true), 'the node to be offline');
      assert.match(server.computer.offlineCauseReason, /the agent disconnected/);
      await new Promise((r) => setTimeout(r, 1_000));
      proxy.restore();
      assert.equal(await step.exited, 7);
      const expected = Array.from({ length: 300 }, (_, i) => `line ${i}\n`).join('');
      assert.equal(output(), expected);
      assert.ok(server.computer.online);
      assert.deepEqual(server.aborted, []);
      await agent.logged(/continues 1 running steps/);
    } finally {
      await proxy.close();
    }
  });

  test('a step printing 48 MiB: what the build gets is byte-identical to what it printed', async () => {
    agent = await connected(server, work.dir);
    const source = path.join(work.dir, 'random.bin');
    await writeFile(source, randomBytes(48 * 1024 * 1024));
    const hash = createHash('sha256');
    let size = 0;
    const { step } = run(server, `cat ${source}`, {
      onOutput: (c) => {
        hash.update(c);
        size += c.length;
      },
    });
    assert.equal(await step.exited, 0);
    assert.equal(size, 48 * 1024 * 1024);
    assert.equal(hash.digest('hex'), createHash('sha256').update(await readFile(source)).digest('hex'));
  });

  test('a step printing faster than the controller writes blocks at the window instead of filling memory', async () => {
    agent = await connected(server, work.dir);
    let received = 0;
    const held: (() => void)[] = [];
    const { step } = run(server, 'head -c 33554432 /dev/zero; echo done >&2', {
      onOutput: (c) => {
        received += c.length;
        return new Promise<void>((resolve) => held.push(resolve));
      },
    });
    await eventually(() => (received > 0 ? true : undefined), 'output');
    await new Promise((r) => setTimeout(r, 1_500));
    const plateau = received;
    assert.ok(plateau <= 8 * 1024 * 1024, `at most the window and the pipes' buffers are out unacknowledged, not ${plateau}`);
    const exited = await Promise.race([step.exited, new Promise((r) => setTimeout(() => r('running'), 200))]);
    assert.equal(exited, 'running', 'the step is blocked, not ended');
    // The controller catches up: every write resolves from now on.
    const release = setInterval(() => held.splice(0).forEach((r) => r()), 5);
    try {
      assert.equal(await step.exited, 0);
    } finally {
      clearInterval(release);
      held.splice(0).forEach((r) => r());
    }
    assert.equal(received, 33554432 + 'done\n'.length);
  });

  test('an agent away longer than the grace period: its builds end ABORTED saying why', async () => {
    agent = await connected(server, work.dir);
    const { step, output } = run(server, 'echo running; sleep 300', { build: { job: 'app', number: 9, cookie: 'grace-cookie' } });
    await eventually(() => (output() === 'running\n' ? true : undefined), 'the step to run');
    await agent.stop('SIGKILL');
    agent = undefined;
    await step.exited;
    assert.match(output(), /ERROR: Aborted: agent agent-1 did not come back within 4 s after its connection was lost/);
    assert.deepEqual(
      server.aborted.map((a) => a.node),
      ['agent-1'],
    );
    // The agent's processes outlive it (their process groups are their own): ended here by the cookie.
    for (const pid of await processesWithCookie('grace-cookie')) process.kill(pid, 'SIGKILL');
  });

  test('a wrong secret and an unknown node are refused with the reason, and the agent stops', async () => {
    const wrong = AgentProcess.start(['--url', server.url, '--name', 'agent-1', '--secret', 'not-it', '--work-dir', work.dir]);
    assert.equal(await wrong.exited, 2);
    assert.ok(wrong.messages.some((m) => /refused this agent: the secret given for node agent-1 is wrong/.test(m)), wrong.messages.join('\n'));
    const secretFile = path.join(work.dir, 'secret');
    await writeFile(secretFile, 'right-secret\n');
    const unknown = AgentProcess.start(['--url', server.url, '--name', 'agent-9', '--secret', `@${secretFile}`, '--work-dir', work.dir]);
    assert.equal(await unknown.exited, 2);
    assert.ok(unknown.messages.some((m) => /there is no agent node called agent-9/.test(m)), unknown.messages.join('\n'));
    assert.equal(server.computer.online, false);
  });
});
