import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isStewardError } from '../../src/errors/index.js';
import { Executor, Node } from '../../src/nodes/index.js';

describe('executors', () => {
  test('an executor goes idle -> pending -> running -> completing -> idle', () => {
    const e = new Executor(0);
    e.transition({ state: 'pending', queueId: 1, job: 'a' });
    e.transition({ state: 'running', queueId: 1, job: 'a', buildNumber: 1, since: 0 });
    e.transition({ state: 'completing', queueId: 1, job: 'a', buildNumber: 1, since: 0 });
    e.transition({ state: 'idle' });
    assert.equal(e.idle, true);
  });

  test('an illegal transition throws naming the from and to states', () => {
    const e = new Executor(3);
    assert.throws(
      () => e.transition({ state: 'running', queueId: 1, job: 'a', buildNumber: 1, since: 0 }),
      (err: unknown) => isStewardError(err, 'STW_EXECUTOR_STATE') && /#3 cannot go from idle to running/.test(err.message),
    );
  });

  test('a stop goes through terminating before completing', () => {
    const e = new Executor(0);
    e.transition({ state: 'pending', queueId: 1, job: 'a' });
    e.transition({ state: 'running', queueId: 1, job: 'a', buildNumber: 1, since: 0 });
    e.transition({ state: 'terminating', queueId: 1, job: 'a', buildNumber: 1, since: 0, by: 'x' });
    assert.throws(() => e.transition({ state: 'idle' }));
    e.transition({ state: 'completing', queueId: 1, job: 'a', buildNumber: 1, since: 0 });
  });
});

describe('nodes', () => {
  test("a node's labels include its own name", () => {
    const n = new Node({ name: 'built-in', numExecutors: 1, labelString: 'linux  docker' });
    assert.deepEqual([...n.labels].sort(), ['built-in', 'docker', 'linux']);
  });

  test('growing the executor count adds idle executors at once', () => {
    const n = new Node({ name: 'n', numExecutors: 2 });
    n.setNumExecutors(4);
    assert.equal(n.idleExecutors(), 4);
    assert.deepEqual(n.executors.map((e) => e.number), [0, 1, 2, 3]);
  });

  test('shrinking removes idle executors at once and busy ones when their build ends', () => {
    const n = new Node({ name: 'n', numExecutors: 3 });
    const busy = n.takeIdleExecutor();
    assert.ok(busy);
    busy.transition({ state: 'pending', queueId: 1, job: 'a' });
    n.setNumExecutors(0);
    assert.equal(n.numExecutors, 0);
    assert.equal(n.idleExecutors(), 0);
    assert.equal(n.executors.length, 1, 'the busy executor stays until its build ends');
    busy.transition({ state: 'idle' });
    n.removeRetiredIdle();
    assert.equal(n.executors.length, 0);
  });

  test('an offline node offers no executors', () => {
    const n = new Node({ name: 'n', numExecutors: 2 });
    n.online = false;
    assert.equal(n.idleExecutors(), 0);
    assert.equal(n.takeIdleExecutor(), undefined);
  });
});
