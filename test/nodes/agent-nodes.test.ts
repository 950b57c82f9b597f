import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { isStewardError } from '../../src/errors/index.js';
import { parseAgentForm, type AgentSpec, type Computer } from '../../src/nodes/index.js';
import { tempDir } from '../support/steward-process.js';
import { openNodes } from './home.js';

const inbound = (fields: Record<string, unknown> = {}): AgentSpec =>
  parseAgentForm(JSON.stringify({ numExecutors: 2, remoteFS: '/srv/agent', labelString: 'linux', launcher: { 'stapler-class': 'hudson.slaves.JNLPLauncher' }, ...fields }));

const missing = (e: unknown) => isStewardError(e, 'STW_NODE_NOT_FOUND');

describe('agent nodes', () => {
  test('a new node is written to nodes/NAME/config.xml and is offline until its agent connects', async () => {
    await using home = await tempDir();
    await using h = await openNodes(home.dir);
    const heard: string[] = [];
    h.nodes.onChange((c, change) => heard.push(`${change} ${c.name}`));
    const computer = await h.nodes.create('  linux-1 ', inbound(), 'admin');
    assert.equal(computer.name, 'linux-1');
    assert.deepEqual(heard, ['created linux-1']);
    assert.equal(computer.online, false);
    assert.deepEqual(computer.state.state === 'offline' ? [computer.state.cause.kind, computer.state.cause.reason] : [], ['disconnected', 'the agent has not connected']);
    assert.equal(computer.idleExecutors(), 0, 'an offline node takes no builds');
    assert.equal(computer.executors.length, 2);
    const file = await readFile(path.join(home.dir, 'nodes', 'linux-1', 'config.xml'), 'utf8');
    assert.match(file, /^<\?xml version='1\.1' encoding='UTF-8'\?>\n<slave>\n {2}<name>linux-1<\/name>/);
    assert.equal(h.nodes.configXml('linux-1'), file);
  });

  test('a taken name, a name Jenkins refuses and the built-in node\'s names are refused', async () => {
    await using home = await tempDir();
    await using h = await openNodes(home.dir);
    await h.nodes.create('linux-1', inbound(), 'admin');
    await assert.rejects(h.nodes.create('linux-1', inbound(), 'admin'), (e: unknown) => isStewardError(e, 'STW_NODE_EXISTS') && e.message === 'Agent called ‘linux-1’ already exists');
    await assert.rejects(h.nodes.create('a/b', inbound(), 'admin'), (e: unknown) => isStewardError(e, 'STW_NAME_INVALID') && /'\/' is an unsafe character in the node name/.test(e.message));
    await assert.rejects(h.nodes.create('.x', inbound(), 'admin'), (e: unknown) => isStewardError(e, 'STW_NAME_INVALID'));
    for (const name of ['built-in', 'master', '(built-in)', 'Built-In Node']) {
      await assert.rejects(h.nodes.create(name, inbound(), 'admin'), (e: unknown) => isStewardError(e, 'STW_NAME_INVALID') && /built-in node/.test(e.message), name);
    }
    const both = await Promise.allSettled([h.nodes.create('twin', inbound(), 'a'), h.nodes.create('twin', inbound(), 'b')]);
    assert.deepEqual(both.map((r) => r.status).sort(), ['fulfilled', 'rejected'], 'of two creates of one name, one wins');
    assert.deepEqual(h.nodes.computers().map((c) => c.name), ['linux-1', 'twin']);
  });

  test('the nodes come back after a restart, with their settings', async () => {
    await using home = await tempDir();
    {
      await using h = await openNodes(home.dir);
      await h.nodes.create('b-ssh', parseAgentForm(JSON.stringify({ numExecutors: '3', remoteFS: '/b', mode: 'EXCLUSIVE', launcher: { 'stapler-class': 'hudson.plugins.sshslaves.SSHLauncher', host: 'b.example', port: 2200, credentialsId: 'ssh-key' } })), 'admin');
      await h.nodes.create('a-inbound', inbound({ labelString: 'linux docker' }), 'admin');
    }
    await using again = await openNodes(home.dir);
    const [a, b] = again.nodes.computers();
    assert.deepEqual([a?.name, a?.labels.has('docker'), a?.node.launcher], ['a-inbound', true, 'inbound']);
    assert.deepEqual([b?.name, b?.mode, b?.numExecutors, b?.node.ssh?.host, b?.node.ssh?.port, b?.node.ssh?.credentialsId], ['b-ssh', 'EXCLUSIVE', 3, 'b.example', 2200, 'ssh-key']);
    assert.equal(b?.online, false);
  });

  test('a node building is not deleted; once idle it is, with its folder', async () => {
    await using home = await tempDir();
    await using h = await openNodes(home.dir);
    const computer = await h.nodes.create('linux-1', inbound(), 'admin');
    const executor = computer.executors[0];
    assert.ok(executor !== undefined);
    executor.transition({ state: 'pending', queueId: 7, job: 'app' });
    executor.transition({ state: 'running', queueId: 7, job: 'app', buildNumber: 12, since: 0 });
    await assert.rejects(
      h.nodes.delete('linux-1', 'admin'),
      (e: unknown) => isStewardError(e, 'STW_NODE_BUSY') && e.message === 'node linux-1 cannot be deleted while it builds (app #12); stop the builds or wait for them to end',
    );
    assert.ok(await stat(path.join(home.dir, 'nodes', 'linux-1', 'config.xml')));
    executor.transition({ state: 'completing', queueId: 7, job: 'app', buildNumber: 12, since: 0 });
    executor.transition({ state: 'idle' });
    const heard: string[] = [];
    h.nodes.onChange((c, change) => heard.push(`${change} ${c.name}`));
    await h.nodes.delete('linux-1', 'admin');
    assert.deepEqual(heard, ['deleted linux-1']);
    assert.equal(h.nodes.get('linux-1'), undefined);
    await assert.rejects(stat(path.join(home.dir, 'nodes', 'linux-1')), { code: 'ENOENT' });
    await assert.rejects(h.nodes.delete('linux-1', 'admin'), missing);
    await assert.rejects(h.nodes.update('linux-1', '<slave/>', 'admin'), missing);
  });

  test('a reconfiguration that does not read leaves the node and its file as they were', async () => {
    await using home = await tempDir();
    await using h = await openNodes(home.dir);
    await h.nodes.create('linux-1', inbound(), 'admin');
    const before = h.nodes.configXml('linux-1');
    await assert.rejects(
      h.nodes.update('linux-1', before.replace('<numExecutors>2</numExecutors>', '<numExecutors>-1</numExecutors>'), 'admin'),
      (e: unknown) => isStewardError(e, 'STW_CONFIG_INVALID') && e.field === 'numExecutors' && e.file === 'nodes/linux-1/config.xml' && e.line === 6,
    );
    assert.equal(await readFile(path.join(home.dir, 'nodes', 'linux-1', 'config.xml'), 'utf8'), before);
    assert.equal(h.nodes.get('linux-1')?.numExecutors, 2);
  });

  test("an agent's secret is Jenkins' HMAC of its name; a wrong secret and an unknown node are refused alike", async () => {
    await using home = await tempDir();
    await using h = await openNodes(home.dir);
    const computer: Computer = await h.nodes.create('linux-1', inbound(), 'admin');
    const secret = h.nodes.agentSecret('linux-1');
    assert.equal(secret, h.key.mac('linux-1'));
    assert.match(secret, /^[0-9a-f]{64}$/);
    assert.throws(() => h.nodes.agentSecret('nope'), missing);

    const ok = h.nodes.authenticateAgent('linux-1', secret);
    assert.ok(ok.ok);
    assert.equal(ok.computer, computer);
    const wrong = h.nodes.authenticateAgent('linux-1', secret.replace(/.$/, (c) => (c === '0' ? '1' : '0')));
    const unknown = h.nodes.authenticateAgent('nope', h.key.mac('nope'));
    const empty = h.nodes.authenticateAgent('linux-1', '');
    assert.deepEqual(wrong, { ok: false, refusal: 'the agent name or secret is wrong' });
    assert.deepEqual(unknown, wrong, 'the agent is told the same');
    assert.deepEqual(empty, wrong);

    const refusals = h.lines.filter((l) => typeof l.why === 'string');
    assert.deepEqual(refusals.map((l) => [l.node, l.why]), [['linux-1', 'wrong secret'], ['nope', 'unknown node'], ['linux-1', 'wrong secret']]);
    const logged = JSON.stringify(h.lines);
    assert.ok(!logged.includes(secret) && !logged.includes(h.key.mac('nope')) && !logged.includes(secret.slice(0, 16)), 'no secret in the log');
  });

  test('a node taken offline on purpose goes back to waiting for its agent, not online', async () => {
    await using home = await tempDir();
    await using h = await openNodes(home.dir);
    const computer = await h.nodes.create('linux-1', inbound(), 'admin');
    computer.setTemporarilyOffline({ reason: 'disk full', by: 'admin' }, 5);
    assert.equal(computer.temporarilyOffline, true);
    assert.equal(computer.offlineCauseReason, 'disk full');
    assert.throws(() => computer.setTemporarilyOffline({ reason: 'again', by: 'admin' }), (e: unknown) => isStewardError(e, 'STW_COMPUTER_STATE'));
    computer.setTemporarilyOffline(undefined, 6);
    assert.equal(computer.temporarilyOffline, false);
    assert.equal(computer.online, false);
    assert.deepEqual(computer.state, { state: 'offline', cause: { kind: 'disconnected', reason: 'the agent is not connected', since: 6 } });
  });
});
