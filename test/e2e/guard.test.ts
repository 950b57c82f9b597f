import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { guard } from '../support/guard-process.js';
import { eventually, tempDir } from '../support/steward-process.js';
import { freePort } from '../support/tcp-proxy.js';

/** A command that records its run in a shared file: start, a pause, end. */
function recorder(file: string, id: string, seconds: number, exit = 0): string[] {
  return ['/bin/sh', '-c', `echo "start ${id} $STEWARD_LEASE_EPOCH" >> ${file}; sleep ${seconds}; echo "end ${id}" >> ${file}; exit ${exit}`];
}

describe('steward guard', () => {
  test('two guards on one lease never run their commands at once, and each exits with its command status', { timeout: 60_000 }, async () => {
    await using dir = await tempDir();
    const runs = path.join(dir.dir, 'runs');
    writeFileSync(runs, '');
    const lock = `file:${path.join(dir.dir, 'lock')}`;
    const a = guard(['--lock', lock, '--wait', '--', ...recorder(runs, 'a', 1, 7)]);
    await eventually(() => (readFileSync(runs, 'utf8').includes('start a') ? true : undefined), 'the first command to start');
    const b = guard(['--lock', lock, '--wait', '--', ...recorder(runs, 'b', 0.2, 0)]);
    assert.equal(await a.code, 7);
    assert.equal(await b.code, 0);
    const lines = readFileSync(runs, 'utf8').trim().split('\n');
    assert.deepEqual(
      lines.map((l) => l.split(' ').slice(0, 2).join(' ')),
      ['start a', 'end a', 'start b', 'end b'],
    );
    const epochs = lines.filter((l) => l.startsWith('start')).map((l) => Number(l.split(' ')[2]));
    assert.ok((epochs[1] ?? 0) > (epochs[0] ?? 0), `epochs grow: ${epochs.join(', ')}`);
  });

  test('without --wait a guard whose lease is held exits 3 naming the holder, and its command never runs', { timeout: 60_000 }, async () => {
    await using dir = await tempDir();
    const runs = path.join(dir.dir, 'runs');
    writeFileSync(runs, '');
    const lock = `file:${path.join(dir.dir, 'lock')}`;
    // The first command runs until it is stopped, so that the second guard finds the lease held
    // however slowly it starts.
    const a = guard(['--lock', lock, '--', ...recorder(runs, 'a', 60)]);
    await eventually(() => (readFileSync(runs, 'utf8').includes('start a') ? true : undefined), 'the first command to start');
    const b = guard(['--lock', lock, '--', ...recorder(runs, 'b', 0)]);
    assert.equal(await b.code, 3);
    assert.ok(b.log().some((l) => typeof l.msg === 'string' && l.msg.includes(`pid ${a.pid}`)), 'the refusal names the holder');
    a.signal('SIGTERM');
    await a.code;
    assert.doesNotMatch(readFileSync(runs, 'utf8'), /b/);
  });

  test('a signal to the guard reaches the command, and the guard exits with the command status', { timeout: 60_000 }, async () => {
    await using dir = await tempDir();
    const runs = path.join(dir.dir, 'runs');
    writeFileSync(runs, '');
    const lock = `file:${path.join(dir.dir, 'lock')}`;
    const g = guard(['--lock', lock, '--', '/bin/sh', '-c', `trap 'echo got-term >> ${runs}; exit 42' TERM; echo up >> ${runs}; while true; do sleep 0.05; done`]);
    await eventually(() => (readFileSync(runs, 'utf8').includes('up') ? true : undefined), 'the command to start');
    g.signal('SIGTERM');
    assert.equal(await g.code, 42);
    assert.match(readFileSync(runs, 'utf8'), /got-term/);
    assert.ok(g.log().some((l) => typeof l.msg === 'string' && l.msg.startsWith('released the lease')));
  });

  test('--status-port serves the lease state on /health and /metrics while the command runs', { timeout: 60_000 }, async () => {
    await using dir = await tempDir();
    const runs = path.join(dir.dir, 'runs');
    writeFileSync(runs, '');
    const port = await freePort();
    const g = guard(['--lock', `file:${path.join(dir.dir, 'lock')}`, '--status-port', String(port), '--', ...recorder(runs, 'a', 30)]);
    try {
      await eventually(() => (readFileSync(runs, 'utf8').includes('start a') ? true : undefined), 'the command to start');
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      assert.equal(health.status, 200);
      const body = (await health.json()) as { state: string; held: boolean; epoch: number };
      assert.equal(body.state, 'running');
      assert.equal(body.held, true);
      assert.ok(body.epoch >= 1);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      assert.match(metrics, /^steward_guard_lease_held 1$/m);
      assert.match(metrics, new RegExp(`^steward_guard_lease_epoch ${body.epoch}$`, 'm'));
    } finally {
      g.signal('SIGTERM');
      await g.code;
    }
  });

  test('bad arguments are refused with a message', async () => {
    const g = guard(['--lock', 'mysql://x', '--', 'true']);
    assert.notEqual(await g.code, 0);
    const both = guard(['--lock', 'file:/tmp/x', '--wait', '--timeout', '5s', '--', 'true']);
    assert.notEqual(await both.code, 0);
  });
});
