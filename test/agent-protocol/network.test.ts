import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  FRAME_FILE,
  FRAME_OUTPUT,
  PROTOCOL_VERSION,
  decodeFrame,
  encodeFrame,
  parseAgentMessage,
  parseControllerMessage,
  parseHello,
  parseJsonFrame,
} from '../../src/agent-protocol/index.js';
import { isStewardError } from '../../src/errors/index.js';

function refused(parse: () => unknown, field: string): string {
  try {
    parse();
  } catch (err) {
    assert.ok(isStewardError(err, 'STW_REQUEST_INVALID'), `a StewardError STW_REQUEST_INVALID, not ${String(err)}`);
    assert.equal(err.field, field);
    return err.message;
  }
  assert.fail(`refused, naming ${field}`);
}

const v = PROTOCOL_VERSION;
const hello = {
  v,
  type: 'hello',
  versions: [v],
  name: 'linux-1',
  secret: 's3cret',
  agentVersion: '0.1.0',
  os: 'linux',
  arch: 'x64',
  executors: 2,
  labels: 'linux docker',
  holds: [{ id: 'step-1', job: 'app', number: 4, cookie: 'c', produced: 120, exitCode: null }],
};

describe('the hello', () => {
  test('is parsed with the steps the agent holds', () => {
    assert.deepEqual(parseHello(hello), hello);
  });

  test('of an agent that speaks only another protocol version is refused naming both versions', () => {
    const msg = refused(() => parseHello({ v: 0, type: 'hello', versions: [0] }), 'versions');
    assert.match(msg, /the agent speaks protocol version 0; this controller speaks version 1/);
  });

  test('a held step with a wrong field is refused naming the step and the field', () => {
    const msg = refused(() => parseHello({ ...hello, holds: [{ ...hello.holds[0], produced: -1 }] }), 'holds[0].produced');
    assert.match(msg, /holds\[0\]\.produced must be a whole number ≥ 0, not -1/);
  });

  test('a first message that is not a hello is refused', () => {
    refused(() => parseHello({ v, type: 'exit', id: 'a', code: 0, produced: 0 }), 'type');
  });
});

describe('network messages', () => {
  test('each message to an agent is parsed into the same typed message', () => {
    const messages = [
      { v, type: 'welcome', version: 1, controller: 'c1', adopt: [{ id: 's', offset: 10 }], drop: ['t'] },
      { v, type: 'refused', code: 'credentials', reason: 'the agent name or secret is wrong' },
      { v, type: 'launch', id: 's', job: 'app', number: 1, command: '/bin/sh', args: ['-c', 'true'], cwd: '/w', env: { A: '1' }, cookie: 'k', mask: ['pw'] },
      { v, type: 'ack', id: 's', offset: 65536 },
      { v, type: 'stop', id: 's', graceMs: 100 },
      { v, type: 'release', id: 's' },
      { v, type: 'workspace', req: 1, job: 'app' },
      { v, type: 'writeTemp', req: 2, name: 'script', content: 'ZWNobw==', mode: 0o500 },
      { v, type: 'removeTemp', req: 3, path: '/tmp/x/f/script' },
      { v, type: 'listFiles', req: 4, root: '/w', include: ['**/*.txt'], exclude: [] },
      { v, type: 'readFile', req: 5, root: '/w', path: 'a.txt' },
      { v, type: 'fileAck', req: 5, offset: 100 },
    ];
    for (const m of messages) assert.deepEqual(parseControllerMessage(m), m);
  });

  test('each message from an agent is parsed into the same typed message', () => {
    const messages = [
      { v, type: 'started', id: 's', pid: 123 },
      { v, type: 'started', id: 's', pid: null },
      { v, type: 'exit', id: 's', code: 143, produced: 10 },
      { v, type: 'launchRefused', id: 's', reason: 'held' },
      { v, type: 'reply', req: 1, ok: true, value: { path: '/w' } },
      { v, type: 'reply', req: 1, ok: false, error: 'no room' },
    ];
    for (const m of messages) assert.deepEqual(parseAgentMessage(m), m);
  });

  test('a wrong field is refused naming it', () => {
    refused(() => parseAgentMessage({ v, type: 'exit', id: 's', code: 0, produced: -5 }), 'produced');
    refused(() => parseAgentMessage({ v, type: 'exit', id: 'x'.repeat(65), code: 0, produced: 0 }), 'id');
    refused(() => parseControllerMessage({ v, type: 'writeTemp', req: 1, name: 'a', content: '', mode: 0o1777 }), 'mode');
    refused(() => parseControllerMessage({ v, type: 'launch', id: 's' }), 'job');
    refused(() => parseAgentMessage({ v, type: 'output', id: 's' }), 'type');
  });

  test('text that is not JSON is refused', () => {
    refused(() => parseJsonFrame('{nope'), 'frame');
  });

  test('a value echoed in a refusal is cut short', () => {
    const msg = refused(() => parseAgentMessage({ v, type: 'x'.repeat(10_000) }), 'type');
    assert.ok(msg.length < 400, msg);
  });
});

describe('binary frames', () => {
  test('carry the kind, id, offset and payload', () => {
    const payload = Buffer.from('hello\n');
    const frame = decodeFrame(encodeFrame(FRAME_OUTPUT, 'step-é', 2 ** 40, payload));
    assert.deepEqual({ ...frame, payload: frame.payload.toString() }, { kind: FRAME_OUTPUT, id: 'step-é', offset: 2 ** 40, payload: 'hello\n' });
    assert.equal(decodeFrame(encodeFrame(FRAME_FILE, '7', 0, Buffer.alloc(0))).payload.length, 0);
  });

  test('a frame with a wrong header is refused naming the field', () => {
    refused(() => decodeFrame(Buffer.from([1])), 'frame');
    refused(() => decodeFrame(Buffer.from([9, 1, 65, 0, 0, 0, 0, 0, 0, 0, 0])), 'frame.kind');
    refused(() => decodeFrame(Buffer.from([1, 0, 0, 0, 0, 0, 0, 0, 0, 0])), 'frame.id');
    refused(() => decodeFrame(Buffer.from([1, 5, 65, 65])), 'frame');
    refused(() => decodeFrame(Buffer.from([1, 1, 65, 255, 255, 255, 255, 255, 255, 255, 255])), 'frame.offset');
  });
});
