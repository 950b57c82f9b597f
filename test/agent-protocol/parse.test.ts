import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PROTOCOL_VERSION, parseFromAgent, parseToAgent } from '../../src/agent-protocol/index.js';
import { isStewardError } from '../../src/errors/index.js';

/** Asserts that parsing throws STW_REQUEST_INVALID naming `field`, and returns its message. */
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

describe('messages to an agent', () => {
  test('each kind is parsed into the same typed message', () => {
    const spawn = { v, type: 'spawn', id: 3, command: '/bin/sh', args: ['-c', 'true'], cwd: '/w', env: { A: '1' }, cookie: 'c', mask: ['pw'] };
    assert.deepEqual(parseToAgent(spawn), spawn);
    assert.deepEqual(parseToAgent({ v, type: 'prefork', id: 4, env: {} }), { v, type: 'prefork', id: 4, env: {} });
    const go = { v, type: 'go', id: 4, script: 'exec true\n', cookie: 'c', mask: [] };
    assert.deepEqual(parseToAgent(go), go);
    assert.deepEqual(parseToAgent({ v, type: 'stop', id: 4, graceMs: 500 }), { v, type: 'stop', id: 4, graceMs: 500 });
    assert.deepEqual(parseToAgent({ v, type: 'heartbeat' }), { v, type: 'heartbeat' });
  });

  test('fields it does not know are left out of the parsed message', () => {
    assert.deepEqual(parseToAgent({ v, type: 'heartbeat', extra: 'x' }), { v, type: 'heartbeat' });
  });

  test('a message that is not an object is refused', () => {
    assert.match(refused(() => parseToAgent('spawn'), 'message'), /a message is an object, not string "spawn"/);
    assert.match(refused(() => parseToAgent(null), 'message'), /not null/);
    assert.match(refused(() => parseToAgent([v, 'heartbeat']), 'message'), /not an array/);
  });

  test('a message of another protocol version, or without one, is refused naming both versions', () => {
    assert.match(refused(() => parseToAgent({ v: 2, type: 'heartbeat' }), 'v'), /version number 2; this side speaks version 1/);
    assert.match(refused(() => parseToAgent({ type: 'heartbeat' }), 'v'), /version undefined/);
  });

  test('an unknown type is refused, listing the known ones', () => {
    assert.match(refused(() => parseToAgent({ v, type: 'reboot', id: 1 }), 'type'), /string "reboot" is not a message to an agent \(spawn, prefork, go, stop, heartbeat\)/);
    assert.match(refused(() => parseToAgent({ v, type: 'exit', id: 1, code: 0 }), 'type'), /is not a message to an agent/);
    refused(() => parseToAgent({ v, id: 1 }), 'type');
  });

  test('a wrong or missing field is refused by its name, down to the element', () => {
    const spawn = { v, type: 'spawn', id: 1, command: 'x', args: [], cwd: '/', env: {}, cookie: 'c', mask: [] };
    assert.match(refused(() => parseToAgent({ ...spawn, id: -1 }), 'id'), /id must be a whole number ≥ 0, not number -1/);
    assert.match(refused(() => parseToAgent({ ...spawn, id: '1' }), 'id'), /not string "1"/);
    assert.match(refused(() => parseToAgent({ ...spawn, command: undefined }), 'command'), /command must be a string, not undefined/);
    assert.match(refused(() => parseToAgent({ ...spawn, args: 'a b' }), 'args'), /must be an array of strings/);
    assert.match(refused(() => parseToAgent({ ...spawn, args: ['a', 2] }), 'args[1]'), /args\[1\] must be a string, not number 2/);
    assert.match(refused(() => parseToAgent({ ...spawn, env: { PATH: '/bin', N: 1 } }), 'env.N'), /env\.N must be a string, not number 1/);
    assert.match(refused(() => parseToAgent({ ...spawn, env: null }), 'env'), /env must be an object of strings, not null/);
    refused(() => parseToAgent({ v, type: 'go', id: 1 }), 'script');
  });

  test('the refusal says it is an agent message that was refused', () => {
    assert.match(refused(() => parseToAgent({ v, type: 'go', id: 1, script: 7 }), 'script'), /^agent message refused: script must be a string/);
  });
});

describe('messages from an agent', () => {
  test('each kind is parsed into the same typed message', () => {
    assert.deepEqual(parseFromAgent({ v, type: 'spawned', id: 1, pid: 42 }), { v, type: 'spawned', id: 1, pid: 42 });
    assert.deepEqual(parseFromAgent({ v, type: 'spawned', id: 1, pid: undefined }), { v, type: 'spawned', id: 1, pid: undefined });
    assert.deepEqual(parseFromAgent({ v, type: 'spawned', id: 1 }), { v, type: 'spawned', id: 1, pid: undefined });
    const chunk = Buffer.from('out\n');
    assert.deepEqual(parseFromAgent({ v, type: 'output', id: 1, chunk }), { v, type: 'output', id: 1, chunk });
    assert.deepEqual(parseFromAgent({ v, type: 'exit', id: 1, code: 143 }), { v, type: 'exit', id: 1, code: 143 });
  });

  test('output that is not bytes is refused', () => {
    assert.match(refused(() => parseFromAgent({ v, type: 'output', id: 1, chunk: 'text' }), 'chunk'), /chunk must be bytes, not string "text"/);
  });

  test('a pid that is not a process id and an exit code that is not a whole number are refused', () => {
    assert.match(refused(() => parseFromAgent({ v, type: 'spawned', id: 1, pid: 0 }), 'pid'), /pid must be a process id above 0, not 0/);
    assert.match(refused(() => parseFromAgent({ v, type: 'spawned', id: 1, pid: 1.5 }), 'pid'), /pid must be a whole number/);
    assert.match(refused(() => parseFromAgent({ v, type: 'exit', id: 1, code: null }), 'code'), /code must be a whole number, not null/);
  });

  test('a message meant for an agent is refused coming from one', () => {
    assert.match(refused(() => parseFromAgent({ v, type: 'heartbeat' }), 'type'), /is not a message from an agent \(spawned, output, exit\)/);
  });
});
