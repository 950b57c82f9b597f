import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStewardError } from '../../src/errors/index.js';
import { Queue } from '../../src/queue/index.js';
import { FakeHost, user } from './fake-host.js';

/** A host whose job `app` is renamed the way Jobs does it: the names swap, then the folder moves. */
function setup(): { host: FakeHost; queue: Queue } {
  const host = new FakeHost();
  host.addTask('app');
  host.addNode('built-in', 1);
  return { host, queue: new Queue({ host }) };
}

function swap(host: FakeHost, from: string, to: string): void {
  const task = host.tasks.get(from);
  assert.ok(task !== undefined);
  host.tasks.delete(from);
  host.tasks.set(to, { ...task, name: to });
}

describe('queue items of a renamed job', () => {
  it('are held while the job is renamed, then go on under the new name with their ids and due times', () => {
    const { host, queue } = setup();
    const waiting = queue.schedule({ task: 'app', parameters: [{ name: 'n', value: '1', sensitive: false }], cause: user, quietPeriodMs: 5000 });
    queue.holdForRename('app');
    const held = queue.get(waiting.item.id);
    assert.equal(held?.state, 'blocked');
    assert.equal(held?.state === 'blocked' && held.why, 'app is being renamed');
    // A request meanwhile is held too, and nothing is dispatched even after the quiet period.
    const meanwhile = queue.schedule({ task: 'app', parameters: [], cause: user, quietPeriodMs: 0 });
    assert.equal(meanwhile.item.state, 'blocked');
    host.advance(6000);
    assert.equal(host.dispatched.length, 0);
    swap(host, 'app', 'web');
    // Jobs tells the queue the old name changed (it is gone): the held items stay.
    queue.taskChanged('app');
    assert.equal(queue.get(waiting.item.id)?.state, 'blocked');
    queue.renamed('app', 'web');
    assert.equal(host.dispatched.length, 1, 'the first item, past its quiet period, is dispatched at once');
    const first = queue.get(waiting.item.id);
    assert.equal(first?.task, 'web');
    assert.equal(first?.state, 'pending');
    assert.deepEqual(first?.parameters, [{ name: 'n', value: '1', sensitive: false }]);
    assert.equal(queue.get(meanwhile.item.id)?.task, 'web');
    queue.close();
  });

  it('an item still in its quiet period keeps its due time under the new name', () => {
    const { host, queue } = setup();
    const { item } = queue.schedule({ task: 'app', parameters: [], cause: user, quietPeriodMs: 5000 });
    queue.holdForRename('app');
    host.advance(1000);
    swap(host, 'app', 'web');
    queue.renamed('app', 'web');
    assert.equal(queue.get(item.id)?.state, 'waiting');
    assert.equal(queue.get(item.id)?.dueAt, item.dueAt);
    host.advance(4000);
    assert.equal(host.dispatched[0]?.item.task, 'web');
    queue.close();
  });

  it('a failed rename gives the items back under the old name', () => {
    const { host, queue } = setup();
    const { item } = queue.schedule({ task: 'app', parameters: [], cause: user, quietPeriodMs: 5000 });
    queue.holdForRename('app');
    queue.renamed('app', 'app');
    assert.equal(queue.get(item.id)?.state, 'waiting');
    host.advance(5000);
    assert.equal(host.dispatched[0]?.item.task, 'app');
    queue.close();
  });

  it('is refused while a build of the job is starting', () => {
    const { queue } = setup();
    queue.schedule({ task: 'app', parameters: [], cause: user, quietPeriodMs: 0 });
    assert.throws(
      () => queue.holdForRename('app'),
      (err: unknown) => isStewardError(err, 'STW_JOB_BUSY') && /while a build of it is starting/.test(err.message),
    );
    queue.close();
  });
});
