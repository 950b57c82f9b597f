import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Queue, type QueueItem } from '../../src/queue/index.js';
import { FakeHost, user } from './fake-host.js';

const param = (value: string) => [{ name: 'P', value, sensitive: false }];
const HELD = 'Waiting for the home to take writes again: its disk is full';

function why(item: QueueItem | undefined): string | undefined {
  return item !== undefined && 'why' in item ? item.why : undefined;
}

describe('queue held while builds cannot start', () => {
  it('holds buildable items and new ones, saying why, and lets them start once resumed', () => {
    const host = new FakeHost();
    host.addTask('app', { concurrentBuild: true });
    host.addTask('lib');
    host.addNode('built-in', 1);
    const queue = new Queue({ host });
    const running = queue.schedule({ task: 'app', parameters: param('0'), cause: user, quietPeriodMs: 0 });
    const buildable = queue.schedule({ task: 'app', parameters: param('1'), cause: user, quietPeriodMs: 0 });
    assert.equal(running.item.state, 'pending');
    assert.equal(buildable.item.state, 'buildable');

    queue.holdStarts(HELD);
    const later = queue.schedule({ task: 'lib', parameters: [], cause: user, quietPeriodMs: 0 });
    for (const id of [buildable.item.id, later.item.id]) {
      const item = queue.get(id);
      assert.equal(item?.state, 'blocked');
      assert.equal(why(item), HELD);
    }
    // A freed executor starts nothing while held.
    host.finish(queue, host.dispatched[0]!.item, 'built-in');
    assert.equal(host.dispatched.length, 1);

    queue.resumeStarts();
    assert.equal(host.dispatched.length, 2);
    assert.equal(queue.get(buildable.item.id)?.state, 'pending');
    host.finish(queue, host.dispatched[1]!.item, 'built-in');
    assert.equal(queue.get(later.item.id)?.state, 'pending');
    queue.close();
  });

  it('an item whose build could not start goes back into the queue with its id and causes, not out of it', () => {
    const host = new FakeHost();
    host.addTask('app');
    host.addNode('built-in', 1);
    const queue = new Queue({ host });
    const { item } = queue.schedule({ task: 'app', parameters: param('1'), cause: user, quietPeriodMs: 0 });
    assert.equal(item.state, 'pending');
    // What the executor does when the home refused the build's first writes.
    queue.holdStarts(HELD);
    host.nodeList[0]!.busy = 0;
    host.building.delete('app');
    queue.startDeferred(item.id, 'could not write jobs/app/nextBuildNumber in the home: the home is full (ENOSPC)');
    queue.executorFreed('built-in');
    const back = queue.get(item.id);
    assert.equal(back?.state, 'blocked');
    assert.equal(why(back), HELD);
    assert.deepEqual(back?.causes, item.causes);
    assert.deepEqual(queue.persistable().items.map((i) => i.id), [item.id]);

    queue.resumeStarts();
    assert.equal(host.dispatched.length, 2);
    assert.equal(host.dispatched[1]?.item.id, item.id);
    queue.close();
  });
});
