import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Queue, type PendingItem, type QueueItem, type QueueTaskDispatcher } from '../../src/queue/index.js';
import { FakeHost, user } from './fake-host.js';

const param = (value: string) => [{ name: 'P', value, sensitive: false }];

function why(item: QueueItem | undefined): string | undefined {
  return item !== undefined && 'why' in item ? item.why : undefined;
}

/** Builds dispatched and not finished, per job and node: what a throttle counts. */
class Running {
  readonly builds: { item: PendingItem; node: string }[] = [];
  count(job: string, node?: string): number {
    return this.builds.filter((b) => b.item.task === job && (node === undefined || b.node === node)).length;
  }
}

function setUp(dispatchers: (running: Running, host: FakeHost) => QueueTaskDispatcher[]): { host: FakeHost; queue: Queue; running: Running; finish(i: number): void } {
  const host = new FakeHost();
  const running = new Running();
  host.onDispatch = (item, node) => running.builds.push({ item, node: node.name });
  const queue = new Queue({ host, dispatchers: dispatchers(running, host) });
  return {
    host,
    queue,
    running,
    finish(i) {
      const [b] = running.builds.splice(i, 1);
      if (b === undefined) throw new Error(`no build ${i}`);
      host.finish(queue, b.item, b.node);
    },
  };
}

describe('queue task dispatchers', () => {
  it('an item a dispatcher vetoes is blocked with its reason and starts once a build ends and the veto is lifted', () => {
    const { host, queue, finish } = setUp((running) => [
      { canRun: (item) => (item.task.name === 'app' && running.count('app') >= 1 ? `Already running ${running.count('app')} builds across all nodes` : undefined) },
    ]);
    host.addTask('app', { concurrentBuild: true });
    host.addTask('other');
    host.addNode('built-in', 4);
    const a = queue.schedule({ task: 'app', parameters: param('1'), cause: user, quietPeriodMs: 0 });
    const b = queue.schedule({ task: 'app', parameters: param('2'), cause: user, quietPeriodMs: 0 });
    assert.equal(a.item.state, 'pending');
    assert.equal(b.item.state, 'blocked');
    assert.equal(why(b.item), 'Already running 1 builds across all nodes');
    queue.started(a.item.id, 1);
    const o = queue.schedule({ task: 'other', parameters: [], cause: user, quietPeriodMs: 0 });
    queue.started(o.item.id, 1);
    finish(1); // other's build ends: looked at again, still vetoed
    assert.equal(queue.get(b.item.id)?.state, 'blocked');
    finish(0); // app's build ends
    assert.equal(queue.get(b.item.id)?.state, 'pending');
    queue.close();
  });

  it('several buildable items of a concurrent job start only as far as the veto allows, in one pass', () => {
    const { host, queue } = setUp((running) => [{ canRun: (item) => (running.count(item.task.name) >= 2 ? 'full' : undefined) }]);
    host.addTask('app', { concurrentBuild: true });
    const node = host.addNode('built-in', 0);
    const items = [1, 2, 3].map((i) => queue.schedule({ task: 'app', parameters: param(String(i)), cause: user, quietPeriodMs: 0 }).item);
    assert.deepEqual(items.map((i) => i.state), ['buildable', 'buildable', 'buildable']);
    node.executors = 4;
    queue.executorFreed('built-in');
    assert.deepEqual(items.map((i) => queue.get(i.id)?.state), ['pending', 'pending', 'blocked']);
    assert.equal(why(queue.get(items[2]!.id)), 'full');
    queue.close();
  });

  it('a node a dispatcher refuses (canTake) is not given the build; refused by every node, it waits buildable until an executor frees', () => {
    const { host, queue, running, finish } = setUp((r) => [{ canTake: (node, item) => (r.count(item.task.name, node.name) >= 1 ? 'Already running 1 builds on node' : undefined) }]);
    host.addTask('app', { concurrentBuild: true });
    host.addNode('a', 2);
    host.addNode('b', 2);
    const ids = [1, 2, 3].map((i) => queue.schedule({ task: 'app', parameters: param(String(i)), cause: user, quietPeriodMs: 0 }).item.id);
    assert.deepEqual(running.builds.map((b) => b.node).sort(), ['a', 'b']);
    assert.equal(queue.get(ids[2]!)?.state, 'buildable');
    assert.equal(why(queue.get(ids[2]!)), 'Already running 1 builds on node');
    queue.started(ids[0]!, 1);
    queue.started(ids[1]!, 2);
    const onA = running.builds.findIndex((b) => b.node === 'a');
    finish(onA);
    assert.equal(queue.get(ids[2]!)?.state, 'pending');
    assert.equal(running.builds.filter((b) => b.node === 'a').length, 1);
    queue.close();
  });

  it('cancelling the item a veto waits on releases the vetoed item', () => {
    const holder: { queue?: Queue } = {};
    const set = setUp(() => [{ canRun: (item) => (item.task.name === 'down' && holder.queue?.hasUnblocked('up') === true ? 'Upstream project up is already building.' : undefined) }]);
    const queue = (holder.queue = set.queue);
    set.host.addTask('up');
    set.host.addTask('down');
    set.host.addNode('built-in', 0);
    const up = queue.schedule({ task: 'up', parameters: [], cause: user, quietPeriodMs: 0 });
    assert.equal(up.item.state, 'buildable');
    const down = queue.schedule({ task: 'down', parameters: [], cause: user, quietPeriodMs: 0 });
    assert.equal(why(down.item), 'Upstream project up is already building.');
    assert.equal(queue.cancel(up.item.id), true);
    assert.equal(queue.get(down.item.id)?.state, 'buildable');
    queue.close();
  });

  it('a dispatcher that throws vetoes nothing', () => {
    const { host, queue } = setUp(() => [
      {
        canRun: () => {
          throw new Error('broken');
        },
      },
    ]);
    host.addTask('app');
    host.addNode('built-in', 1);
    assert.equal(queue.schedule({ task: 'app', parameters: [], cause: user, quietPeriodMs: 0 }).item.state, 'pending');
    queue.close();
  });
});
