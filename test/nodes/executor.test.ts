import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isStewardError } from '../../src/errors/index.js';
import { Executor } from '../../src/nodes/index.js';

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
