import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Queue, type QueueItem } from '../../src/queue/index.js';
import { FakeHost, user } from './fake-host.js';

function why(item: QueueItem | undefined): string | undefined {
  return item !== undefined && 'why' in item ? item.why : undefined;
}

describe('nodes in EXCLUSIVE mode', () => {
  it('an unlabelled job does not run on a node in EXCLUSIVE mode and waits for an executor', () => {
    const host = new FakeHost();
    host.addTask('app');
    host.addNode('built-in', 2).mode = 'EXCLUSIVE';
    const queue = new Queue({ host });
    const { item } = queue.schedule({ task: 'app', parameters: [], cause: user, quietPeriodMs: 0 });
    assert.equal(host.dispatched.length, 0);
    assert.equal(queue.get(item.id)?.state, 'buildable');
    assert.equal(why(queue.get(item.id)), 'Waiting for next available executor');
    queue.executorFreed('built-in');
    assert.equal(host.dispatched.length, 0, 'a freed executor of the exclusive node does not take it either');
    queue.close();
  });

  it('a job whose label expression matches a node in EXCLUSIVE mode runs there', () => {
    const host = new FakeHost();
    host.addTask('tied', { label: 'built-in' });
    host.addTask('linux', { label: 'linux || windows' });
    host.addNode('built-in', 2, ['linux']).mode = 'EXCLUSIVE';
    const queue = new Queue({ host });
    queue.schedule({ task: 'tied', parameters: [], cause: user, quietPeriodMs: 0 });
    queue.schedule({ task: 'linux', parameters: [], cause: user, quietPeriodMs: 0 });
    assert.deepEqual(host.dispatched.map((d) => [d.item.task, d.node]), [['tied', 'built-in'], ['linux', 'built-in']]);
    queue.close();
  });

  it('an unlabelled job goes to a node in NORMAL mode and passes over an idle exclusive one', () => {
    const host = new FakeHost();
    host.addTask('app', { concurrentBuild: true });
    host.addNode('reserved', 4).mode = 'EXCLUSIVE';
    host.addNode('shared', 1);
    const queue = new Queue({ host });
    queue.schedule({ task: 'app', parameters: [{ name: 'P', value: '1', sensitive: false }], cause: user, quietPeriodMs: 0 });
    const second = queue.schedule({ task: 'app', parameters: [{ name: 'P', value: '2', sensitive: false }], cause: user, quietPeriodMs: 0 });
    assert.deepEqual(host.dispatched.map((d) => d.node), ['shared']);
    assert.equal(queue.get(second.item.id)?.state, 'buildable');
    queue.close();
  });

  it('a node switched from EXCLUSIVE to NORMAL takes the waiting unlabelled job once nodes change', () => {
    const host = new FakeHost();
    host.addTask('app');
    const node = host.addNode('built-in', 1);
    node.mode = 'EXCLUSIVE';
    const queue = new Queue({ host });
    const { item } = queue.schedule({ task: 'app', parameters: [], cause: user, quietPeriodMs: 0 });
    assert.equal(queue.get(item.id)?.state, 'buildable');
    node.mode = 'NORMAL';
    queue.nodesChanged();
    assert.equal(queue.get(item.id)?.state, 'pending');
    queue.close();
  });
});
