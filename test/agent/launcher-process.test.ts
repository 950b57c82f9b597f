import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { PROTOCOL_VERSION, parseFromAgent, type FromAgent } from '../../src/agent-protocol/index.js';
import { Launcher } from '../../src/nodes/index.js';
import { REPO, eventually } from '../support/steward-process.js';

test('the launcher process refuses a malformed message on its standard error, naming the field, and runs the next good one', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'src/agent/launcher-process.ts'), '0'], {
    cwd: REPO,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    serialization: 'advanced',
  });
  const stderr: string[] = [];
  child.stderr?.setEncoding('utf8').on('data', (t: string) => stderr.push(t));
  const received: FromAgent[] = [];
  child.on('message', (m: unknown) => received.push(parseFromAgent(m)));
  // 'exit', not 'close': after the parent's disconnect(), Node does not count the channel as closed.
  const gone = new Promise((resolve) => child.once('exit', resolve));
  try {
    const v = PROTOCOL_VERSION;
    const build = { cookie: 'c', mask: [] };
    child.send({ v, type: 'spawn', id: 1, command: '/bin/true', args: ['ok', 3], cwd: '/', env: {}, ...build });
    child.send({ v: 99, type: 'spawn', id: 2, command: '/bin/true', args: [], cwd: '/', env: {}, ...build });
    child.send({ v, type: 'spawn', id: 3, command: '/bin/sh', args: ['-c', 'exit 4'], cwd: '/', env: {}, ...build });
    const exit = await eventually(() => received.find((m) => m.type === 'exit'), 'the good step to exit');
    assert.deepEqual(exit, { v: PROTOCOL_VERSION, type: 'exit', id: 3, code: 4 });
    assert.deepEqual(
      received.map((m) => m.id),
      [3, 3],
      'nothing was started for the refused messages',
    );
    await eventually(() => (stderr.join('').split('\n').length > 2 ? true : undefined), 'two refusals on standard error');
    assert.deepEqual(stderr.join('').trim().split('\n'), [
      'steward launcher: agent message refused: args[1] must be a string, not number 3',
      'steward launcher: agent message refused: v is protocol version number 99; this side speaks version 1',
    ]);
  } finally {
    child.disconnect();
    await gone;
  }
});

test('a step ended by a signal exits with 128 plus that signal number', async () => {
  const l = new Launcher();
  try {
    const step = l.spawn({ build: { job: 'j', number: 1, cookie: 'c' }, mask: [], command: '/bin/sh', args: ['-c', 'kill -USR1 $$'], cwd: '/', env: {}, onOutput: () => undefined });
    assert.equal(await step.exited, 128 + 10);
  } finally {
    await l.close();
  }
});
