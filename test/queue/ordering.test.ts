import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExtensionRegistry } from '../../src/extensions/index.js';
import {
  DefaultQueueSorter,
  PRIORITY_STEP_MS,
  Queue,
  QUEUE_SORTER,
  registerDefaultQueueSorter,
  type QueueSorter,
} from '../../src/queue/index.js';
import { FakeHost, user } from './fake-host.js';

const minute = PRIORITY_STEP_MS;

/** Schedules one item per [job, minutes ago] with the node busy, then frees executors one by one. */
function dispatchOrder(host: FakeHost, queue: Queue, requests: [string, number][]): string[] {
  const node = host.nodeList[0]!;
  node.busy = node.executors;
  const start = host.clock;
  const sorted = [...requests].sort((a, b) => b[1] - a[1]);
  host.clock = start - sorted[0]![1] * minute;
  for (const [job, ago] of sorted) {
    host.clock = start - ago * minute;
    queue.schedule({ task: job, parameters: [], cause: user, quietPeriodMs: 0 });
  }
  host.clock = start;
  for (let i = 0; i < requests.length; i++) {
    node.busy -= 1;
    queue.executorFreed(node.name);
  }
  return host.dispatched.map((d) => d.item.task);
}

describe('queue ordering', () => {
  it('the more urgent job (lower priority number) runs first', () => {
    const host = new FakeHost();
    host.addTask('p5', { priority: 5 });
    host.addTask('p1', { priority: 1 });
    host.addTask('p3', { priority: 3 });
    host.addNode('built-in', 1);
    const queue = new Queue({ host });
    assert.deepEqual(dispatchOrder(host, queue, [['p5', 0], ['p1', 0], ['p3', 0]]), ['p1', 'p3', 'p5']);
    queue.close();
  });

  it('at equal priority the older item runs first', () => {
    const host = new FakeHost();
    host.addTask('young');
    host.addTask('old');
    host.addNode('built-in', 1);
    const queue = new Queue({ host });
    assert.deepEqual(dispatchOrder(host, queue, [['young', 0], ['old', 0.5]]), ['old', 'young']);
    queue.close();
  });

  it('each minute of waiting is worth one priority step, so old low-priority items are not starved', () => {
    const host = new FakeHost();
    host.addTask('p5-waited-3min', { priority: 5 });
    host.addTask('p3-new', { priority: 3 });
    host.addTask('p1-new', { priority: 1 });
    host.addTask('p4-waited-2min', { priority: 4 });
    host.addNode('built-in', 1);
    const queue = new Queue({ host });
    // keys: p5-waited-3min = t+2min, p3-new = t+3min, p1-new = t+1min,
    // p4-waited-2min = t+2min too (a tie that the older item wins)
    assert.deepEqual(
      dispatchOrder(host, queue, [['p3-new', 0], ['p5-waited-3min', 3], ['p1-new', 0], ['p4-waited-2min', 2]]),
      ['p1-new', 'p5-waited-3min', 'p4-waited-2min', 'p3-new'],
    );
    queue.close();
  });

  it('the default sort key is priority times one minute plus the time the item was queued', () => {
    const sorter = new DefaultQueueSorter();
    const task = { name: 'x', priority: 5, label: undefined, concurrentBuild: false, disabled: false };
    assert.equal(sorter.sortKey({ task, inQueueSince: 1_000 }), 5 * 60_000 + 1_000);
  });

  it('a raised priority takes effect for queued items on taskChanged', () => {
    const host = new FakeHost();
    host.addTask('a', { priority: 3 });
    host.addTask('b', { priority: 3 });
    host.addNode('built-in', 1).busy = 1;
    const queue = new Queue({ host });
    queue.schedule({ task: 'a', parameters: [], cause: user, quietPeriodMs: 0 });
    queue.schedule({ task: 'b', parameters: [], cause: user, quietPeriodMs: 0 });
    host.addTask('b', { priority: 1 });
    queue.taskChanged('b');
    assert.deepEqual(queue.items().map((i) => i.task), ['b', 'a']);
    host.nodeList[0]!.busy = 0;
    queue.executorFreed('built-in');
    assert.equal(host.dispatched[0]?.item.task, 'b');
    queue.close();
  });

  it('another QueueSorter can be registered and chosen through the extension point', () => {
    const registry = new ExtensionRegistry();
    registerDefaultQueueSorter(registry);
    const newestFirst: QueueSorter = { sortKey: ({ inQueueSince }) => -inQueueSince };
    registry.register(QUEUE_SORTER, { id: 'test.NewestFirst', displayName: 'Newest first', ordinal: 10, create: () => newestFirst });
    assert.equal(registry.first(QUEUE_SORTER)?.id, 'test.NewestFirst');
    assert.equal(registry.get(QUEUE_SORTER, 'steward.DefaultQueueSorter').create() instanceof DefaultQueueSorter, true);

    const host = new FakeHost();
    host.addTask('old');
    host.addTask('new');
    host.addNode('built-in', 1);
    const queue = new Queue({ host, sorter: registry.first(QUEUE_SORTER)!.create() });
    assert.deepEqual(dispatchOrder(host, queue, [['old', 2], ['new', 0]]), ['new', 'old']);
    queue.close();
  });
});

describe('queue at scale', () => {
  it('10,000 items across many labels are all dispatched, each to a matching node, in order per node', () => {
    const host = new FakeHost();
    const labels = ['linux', 'windows', 'mac', 'docker', 'arm', 'x64', 'gpu', 'large'];
    const expressions = [
      undefined,
      'linux',
      'windows',
      'linux && docker',
      'linux && !arm',
      'mac || windows',
      'gpu -> large',
      'x64 && (linux || windows)',
      'arm <-> mac',
    ];
    for (let n = 0; n < 20; n++) {
      host.addNode(`node-${n}`, 5, labels.filter((_, i) => (n + i) % 3 === 0 || (n * 7 + i) % 5 === 1));
    }
    const jobs = 200;
    for (let j = 0; j < jobs; j++) {
      const label = expressions[j % expressions.length];
      host.addTask(`job-${j}`, { priority: j % 5, concurrentBuild: true, ...(label === undefined ? {} : { label }) });
    }
    for (const node of host.nodeList) node.busy = node.executors;
    const queue = new Queue({ host });
    const sorter = new DefaultQueueSorter();
    let rng = 12345;
    const random = () => ((rng = (rng * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 10_000; i++) {
      host.clock += Math.floor(random() * 20);
      queue.schedule({ task: `job-${Math.floor(random() * jobs)}`, parameters: [{ name: 'i', value: String(i), sensitive: false }], cause: user, quietPeriodMs: 0 });
    }
    const queued = queue.items();
    const runnable = queued.filter((i) => i.state === 'buildable');
    assert.equal(runnable.length, 10_000, 'every expression here has a node, so nothing is blocked');

    // Free executors round robin; every dispatch must match the node and be the best it could take.
    // The oracle: all runnable items in sorter order, and per node a cursor to its best remaining one.
    const key = (i: { task: string; inQueueSince: number }) => sorter.sortKey({ task: host.tasks.get(i.task)!, inQueueSince: i.inQueueSince });
    const order = runnable
      .map((i) => ({ id: i.id, task: i.task, key: key(i) }))
      .sort((a, b) => a.key - b.key || a.id - b.id);
    const remaining = new Set(order.map((i) => i.id));
    const cursor = new Map(host.nodeList.map((n) => [n.name, 0]));
    const bestFor = (node: (typeof host.nodeList)[number]) => {
      let c = cursor.get(node.name)!;
      for (; c < order.length; c++) {
        const i = order[c]!;
        const label = host.tasks.get(i.task)!.label;
        if (remaining.has(i.id) && (label === undefined || label.matches(node.labels))) break;
      }
      cursor.set(node.name, c);
      return order[c];
    };
    let turn = 0;
    while (remaining.size > 0) {
      const node = host.nodeList[turn++ % host.nodeList.length]!;
      const before = host.dispatched.length;
      node.busy -= 1;
      queue.executorFreed(node.name);
      const best = bestFor(node);
      if (best === undefined) {
        assert.equal(host.dispatched.length, before, `${node.name} took an item it does not match`);
        node.busy += 1;
        continue;
      }
      assert.equal(host.dispatched.length, before + 1);
      const got = host.dispatched.at(-1)!;
      assert.equal(got.node, node.name);
      assert.equal(got.item.id, best.id);
      remaining.delete(got.item.id);
      queue.started(got.item.id, got.item.id);
      if (turn > 1_000_000) assert.fail('dispatch did not converge');
    }
    assert.equal(queue.items().filter((i) => i.state !== 'blocked').length, 0);
    queue.close();
  });
});
