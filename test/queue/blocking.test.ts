import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseLabelExpression } from '../../src/nodes/label/index.js';
import { Queue, type QueueItem } from '../../src/queue/index.js';
import { FakeHost, user } from './fake-host.js';

const param = (value: string) => [{ name: 'P', value, sensitive: false }];

function why(item: QueueItem | undefined): string | undefined {
  return item !== undefined && 'why' in item ? item.why : undefined;
}

describe('queue blocking', () => {
  it('a second item of a non-concurrent job is blocked until the running build finishes', () => {
    const host = new FakeHost();
    host.addTask('app');
    host.addNode('built-in', 4);
    const queue = new Queue({ host });
    const a = queue.schedule({ task: 'app', parameters: param('1'), cause: user, quietPeriodMs: 0 });
    const b = queue.schedule({ task: 'app', parameters: param('2'), cause: user, quietPeriodMs: 0 });
    assert.equal(a.item.state, 'pending');
    assert.equal(b.item.state, 'blocked');
    assert.equal(why(b.item), 'A build of app is already in progress');
    queue.started(a.item.id, 1);
    queue.executorFreed('built-in'); // unrelated events do not release it
    assert.equal(queue.get(b.item.id)?.state, 'blocked');
    host.finish(queue, host.dispatched[0]!.item, 'built-in');
    assert.equal(queue.get(b.item.id)?.state, 'pending');
    assert.equal(host.dispatched.length, 2);
    queue.close();
  });

  it('only one of several released items of a non-concurrent job is dispatched', () => {
    const host = new FakeHost();
    host.addTask('app');
    host.addNode('built-in', 4);
    const queue = new Queue({ host });
    const first = queue.schedule({ task: 'app', parameters: param('0'), cause: user, quietPeriodMs: 0 });
    for (let i = 1; i <= 3; i++) queue.schedule({ task: 'app', parameters: param(String(i)), cause: user, quietPeriodMs: 0 });
    queue.started(first.item.id, 1);
    host.finish(queue, host.dispatched[0]!.item, 'built-in');
    assert.equal(host.dispatched.length, 2);
    assert.deepEqual(
      queue.items().map((i) => i.state),
      ['pending', 'blocked', 'blocked'],
    );
    queue.close();
  });

  it('items of a concurrent job run side by side', () => {
    const host = new FakeHost();
    host.addTask('app', { concurrentBuild: true });
    host.addNode('built-in', 3);
    const queue = new Queue({ host });
    for (let i = 0; i < 4; i++) queue.schedule({ task: 'app', parameters: param(String(i)), cause: user, quietPeriodMs: 0 });
    assert.equal(host.dispatched.length, 3);
    assert.deepEqual(queue.items().map((i) => i.state), ['pending', 'pending', 'pending', 'buildable']);
    queue.close();
  });

  it('an item whose label no node has is blocked until nodesChanged brings one', () => {
    const host = new FakeHost();
    host.addTask('app', { label: 'linux && docker' });
    host.addNode('built-in', 2);
    const queue = new Queue({ host });
    const a = queue.schedule({ task: 'app', parameters: [], cause: user, quietPeriodMs: 0 });
    assert.equal(a.item.state, 'blocked');
    assert.equal(why(a.item), "There are no nodes with the label 'linux && docker'");
    const agent = host.addNode('agent-1', 1, ['linux']);
    queue.nodesChanged();
    assert.equal(queue.get(a.item.id)?.state, 'blocked', 'a node with only part of the label does not help');
    agent.labels.add('docker');
    agent.online = false;
    queue.nodesChanged();
    assert.equal(why(queue.get(a.item.id)), "All nodes of label 'linux && docker' are offline");
    agent.online = true;
    queue.nodesChanged();
    assert.equal(queue.get(a.item.id)?.state, 'pending');
    assert.equal(host.dispatched[0]?.node, 'agent-1');
    queue.close();
  });

  it('buildable items are blocked again when the last node of their label goes', () => {
    const host = new FakeHost();
    host.addTask('app', { label: 'linux', concurrentBuild: true });
    const agent = host.addNode('agent-1', 1, ['linux']);
    const queue = new Queue({ host });
    queue.schedule({ task: 'app', parameters: param('1'), cause: user, quietPeriodMs: 0 });
    const b = queue.schedule({ task: 'app', parameters: param('2'), cause: user, quietPeriodMs: 0 });
    assert.equal(why(b.item), "Waiting for next available executor on 'linux'");
    host.nodeList = host.nodeList.filter((n) => n !== agent);
    queue.nodesChanged();
    assert.equal(why(queue.get(b.item.id)), "There are no nodes with the label 'linux'");
    queue.close();
  });

  it('a disabled job blocks its items until taskChanged enables it', () => {
    const host = new FakeHost();
    host.addTask('app', { disabled: true });
    host.addNode('built-in', 1);
    const queue = new Queue({ host });
    const a = queue.schedule({ task: 'app', parameters: [], cause: user, quietPeriodMs: 0 });
    assert.equal(why(a.item), 'app is disabled');
    host.addTask('app');
    queue.taskChanged('app');
    assert.equal(queue.get(a.item.id)?.state, 'pending');
    queue.close();
  });

  it('a relabelled job moves its buildable items to the new label', () => {
    const host = new FakeHost();
    host.addTask('app', { label: 'windows' });
    host.addNode('win', 1, ['windows']).busy = 1;
    host.addNode('lin', 1, ['linux']);
    const queue = new Queue({ host });
    const a = queue.schedule({ task: 'app', parameters: [], cause: user, quietPeriodMs: 0 });
    assert.equal(a.item.state, 'buildable');
    host.addTask('app', { label: 'linux' });
    queue.taskChanged('app');
    assert.equal(host.dispatched[0]?.node, 'lin');
    queue.close();
  });

  it('an executor freeing on a node dispatches only items whose label the node matches', () => {
    const host = new FakeHost();
    host.addTask('win-job', { label: 'windows', priority: 1 });
    host.addTask('lin-job', { label: 'linux && !arm', priority: 5 });
    host.addTask('any-job', { priority: 9 });
    const win = host.addNode('win', 1, ['windows']);
    const lin = host.addNode('lin', 1, ['linux']);
    win.busy = 1;
    lin.busy = 1;
    const queue = new Queue({ host });
    const w = queue.schedule({ task: 'win-job', parameters: [], cause: user, quietPeriodMs: 0 });
    const l = queue.schedule({ task: 'lin-job', parameters: [], cause: user, quietPeriodMs: 0 });
    const any = queue.schedule({ task: 'any-job', parameters: [], cause: user, quietPeriodMs: 0 });
    lin.busy = 0;
    queue.executorFreed('lin');
    assert.deepEqual(host.dispatched.map((d) => [d.item.task, d.node]), [['lin-job', 'lin']]);
    assert.equal(queue.get(w.item.id)?.state, 'buildable', 'the more urgent windows item does not go to a linux node');
    lin.busy = 0;
    queue.executorFreed('lin');
    assert.deepEqual(host.dispatched.map((d) => [d.item.task, d.node]).at(-1), ['any-job', 'lin']);
    assert.equal(queue.get(any.item.id)?.state, 'pending');
    assert.equal(queue.get(l.item.id)?.state, 'pending');
    queue.close();
  });

  it('a host that starts builds from inside dispatch does not make the queue recurse', () => {
    const host = new FakeHost();
    host.addTask('app', { concurrentBuild: true });
    host.addNode('built-in', 1);
    const queue = new Queue({ host });
    let depth = 0;
    let maxDepth = 0;
    let build = 0;
    host.onDispatch = (item, node) => {
      depth += 1;
      maxDepth = Math.max(maxDepth, depth);
      queue.started(item.id, ++build);
      // the build ends at once and frees its executor, still inside dispatch
      node.busy -= 1;
      queue.executorFreed(node.name);
      depth -= 1;
    };
    for (let i = 0; i < 1000; i++) {
      queue.schedule({ task: 'app', parameters: param(String(i)), cause: user, quietPeriodMs: 1000 });
    }
    host.advance(1000);
    assert.equal(host.dispatched.length, 1000);
    assert.equal(maxDepth, 1);
    assert.deepEqual(queue.items(), []);
    queue.close();
  });

  it('a dispatch that throws cancels the item instead of losing the executor', () => {
    const host = new FakeHost();
    host.addTask('app');
    host.addNode('built-in', 1);
    const queue = new Queue({ host });
    host.onDispatch = () => {
      throw new Error('executor vanished');
    };
    const a = queue.schedule({ task: 'app', parameters: [], cause: user, quietPeriodMs: 0 });
    const left = queue.get(a.item.id);
    assert.equal(left?.state === 'left' && left.reason, 'dispatch to built-in failed: Error: executor vanished');
    queue.close();
  });

  it('label expressions with the same normalised text share one bucket', () => {
    const host = new FakeHost();
    host.addTask('a', { label: 'linux&&docker' });
    host.tasks.set('b', { name: 'b', priority: 3, label: parseLabelExpression('(linux) && docker'), concurrentBuild: false, disabled: false });
    const node = host.addNode('agent', 2, ['linux', 'docker']);
    node.busy = 2;
    const queue = new Queue({ host });
    queue.schedule({ task: 'b', parameters: [], cause: user, quietPeriodMs: 0 });
    queue.schedule({ task: 'a', parameters: [], cause: user, quietPeriodMs: 0 });
    node.busy = 0;
    queue.executorFreed('agent');
    assert.deepEqual(host.dispatched.map((d) => d.item.task), ['b', 'a']);
    queue.close();
  });
});
