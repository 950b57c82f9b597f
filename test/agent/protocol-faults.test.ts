import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, test } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import { FRAME_OUTPUT, PROTOCOL_VERSION, encodeFrame } from '../../src/agent-protocol/index.js';
import { AgentProcess } from '../support/agent-process.js';
import { AgentServer } from '../support/agent-server.js';
import { eventually, tempDir } from '../support/steward-process.js';

const v = PROTOCOL_VERSION;

function hello(fields: Record<string, unknown> = {}): string {
  return JSON.stringify({
    v,
    type: 'hello',
    versions: [v],
    name: 'agent-1',
    secret: 'right-secret',
    agentVersion: 'test',
    os: 'linux',
    arch: 'x64',
    executors: 1,
    labels: '',
    holds: [],
    ...fields,
  });
}

/** A hand-written agent: a WebSocket whose messages and close are recorded. */
async function rawAgent(server: AgentServer): Promise<{ ws: WebSocket; messages: Record<string, unknown>[]; closed: Promise<{ code: number; reason: string }> }> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/agent`);
  const messages: Record<string, unknown>[] = [];
  ws.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString()) as Record<string, unknown>));
  ws.on('error', () => undefined);
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  await once(ws, 'open');
  return { ws, messages, closed };
}

describe('what the controller refuses from an agent', () => {
  let server: AgentServer;

  beforeEach(async () => {
    server = await AgentServer.start();
  });

  afterEach(async () => {
    await server.close();
  });

  test('an agent of an old protocol version is refused, naming both versions', async () => {
    const a = await rawAgent(server);
    a.ws.send(JSON.stringify({ v: 0, type: 'hello', versions: [0], name: 'agent-1', secret: 'right-secret' }));
    const { code, reason } = await a.closed;
    assert.equal(code, 4001);
    assert.match(reason, /the agent speaks protocol version 0; this controller speaks version 1/);
    assert.equal(a.messages[0]?.type, 'refused');
    assert.equal(a.messages[0]?.code, 'version');
    assert.equal(server.computer.online, false);
  });

  test('a malformed frame closes the connection with the reason', async () => {
    const a = await rawAgent(server);
    a.ws.send('{"v":1,"type":"hello",');
    const { code, reason } = await a.closed;
    assert.equal(code, 4001);
    assert.match(reason, /a text frame must hold one JSON message/);
    assert.equal(a.messages[0]?.code, 'malformed');
  });

  test('a frame over the size limit closes the connection, and nothing else is disturbed', async () => {
    const good = await rawAgent(server);
    good.ws.send(hello());
    await eventually(() => (server.computer.online ? true : undefined), 'the agent to be welcomed');
    const bad = await rawAgent(server);
    bad.ws.send(Buffer.alloc(5 * 1024 * 1024), { binary: true });
    const { code } = await bad.closed;
    assert.equal(code, 1009, 'Message Too Big');
    assert.equal(good.ws.readyState, WebSocket.OPEN);
    assert.ok(server.computer.online);
    good.ws.close();
    await good.closed;
  });

  test('output for a step the controller did not give closes the connection; nothing of it is written', async () => {
    const a = await rawAgent(server);
    a.ws.send(hello());
    await eventually(() => (server.computer.online ? true : undefined), 'the agent to be welcomed');
    const chunks: Buffer[] = [];
    const step = server.channel.launch({ build: { job: 'app', number: 1, cookie: 'c' }, command: 'true', args: [], cwd: '/', env: {}, mask: [], onOutput: (c) => void chunks.push(c) });
    const launch = await eventually(() => a.messages.find((m) => m.type === 'launch'), 'the launch');
    assert.equal(launch.job, 'app');
    a.ws.send(encodeFrame(FRAME_OUTPUT, 's-not-given', 0, Buffer.from('rm -rf /\n')), { binary: true });
    const { code, reason } = await a.closed;
    assert.equal(code, 1008);
    assert.match(reason, /output for step s-not-given, which this controller did not give to agent agent-1/);
    assert.deepEqual(chunks, []);
    await eventually(() => (server.computer.online ? undefined : true), 'the node to be offline');
    await step.stop(0);
  });

  test('a second connection for a connected node is refused', async () => {
    const first = await rawAgent(server);
    first.ws.send(hello());
    await eventually(() => (server.computer.online ? true : undefined), 'the first agent to be welcomed');
    const second = await rawAgent(server);
    second.ws.send(hello());
    const { code, reason } = await second.closed;
    assert.equal(code, 4001);
    assert.match(reason, /an agent for node agent-1 is connected already/);
    assert.equal(first.ws.readyState, WebSocket.OPEN);
    first.ws.close();
    await first.closed;
  });
});

describe('what the agent refuses from a controller', () => {
  test('a second launch of a step it holds is refused: a build is never run twice', async () => {
    await using work = await tempDir('steward-agent-');
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', path: '/agent' });
    await once(wss, 'listening');
    const port = (wss.address() as { port: number }).port;
    const received: Record<string, unknown>[] = [];
    const launch = { v, type: 'launch', id: 's-once', job: 'app', number: 1, command: '/bin/sh', args: ['-c', 'echo ran >> ran.txt; sleep 1'], cwd: work.dir, env: {}, cookie: 'k', mask: [] };
    wss.on('connection', (ws) => {
      ws.on('message', (data: Buffer, binary) => {
        if (binary) return;
        const m = JSON.parse(data.toString()) as Record<string, unknown>;
        received.push(m);
        if (m.type === 'hello') {
          ws.send(JSON.stringify({ v, type: 'welcome', version: v, controller: 'fake', adopt: [], drop: [] }));
          ws.send(JSON.stringify(launch));
          ws.send(JSON.stringify(launch));
        }
      });
    });
    const agent = AgentProcess.start(['--url', `http://127.0.0.1:${port}/`, '--name', 'agent-1', '--secret', 's', '--work-dir', work.dir]);
    try {
      const refused = await eventually(() => received.find((m) => m.type === 'launchRefused'), 'the refusal');
      assert.equal(refused.id, 's-once');
      assert.match(String(refused.reason), /already holds step s-once/);
      await eventually(() => received.find((m) => m.type === 'exit'), 'the step to end');
      assert.equal(await readFile(`${work.dir}/ran.txt`, 'utf8'), 'ran\n');
    } finally {
      await agent.stop();
      for (const c of wss.clients) c.terminate();
      await new Promise((r) => wss.close(r));
    }
  });
});
