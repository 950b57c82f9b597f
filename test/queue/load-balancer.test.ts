import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { ExtensionRegistry } from '../../src/extensions/index.js';
import {
  LOAD_BALANCER,
  Queue,
  registerDefaultLoadBalancer,
  type LoadBalancer,
  type NodeView,
  type QueueItem,
} from '../../src/queue/index.js';
import { FakeHost, user } from './fake-host.js';

const param = (value: string) => [{ name: 'P', value, sensitive: false }];

function why(item: QueueItem | undefined): string | undefined {
  return item !== undefined && 'why' in item ? item.why : undefined;
}

/** A logger whose lines the test reads. */
function capturedLogger(): { logger: pino.Logger; lines: { level: number; msg: string }[] } {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

describe('the default load balancer', () => {
  it('sends an item to the idle node with the most idle executors', () => {
    const host = new FakeHost();
    host.addTask('app');
    host.addNode('small', 1);
    host.addNode('large', 3);
    host.addNode('medium', 2);
    const queue = new Queue({ host });
    queue.schedule({ task: 'app', parameters: [], cause: user, quietPeriodMs: 0 });
    assert.deepEqual(host.dispatched.map((d) => d.node), ['large']);
    queue.close();
  });

  it('on a tie, sends the build to the node the job last built on, and another job to the first node', () => {
    const host = new FakeHost();
    host.addTask('app');
    host.addTask('other');
    const a = host.addNode('a', 2);
    host.addNode('b', 2);
    a.busy = 1;
    const queue = new Queue({ host });
    const first = queue.schedule({ task: 'app', parameters: [], cause: user, quietPeriodMs: 0 });
    assert.equal(host.dispatched[0]?.node, 'b', 'b has more idle executors');
    queue.started(first.item.id, 1);
    host.finish(queue, host.dispatched[0]!.item, 'b');
    a.busy = 0;
    queue.executorFreed('a');

    queue.schedule({ task: 'app', parameters: [], cause: user, quietPeriodMs: 0 });
    queue.schedule({ task: 'other', parameters: [], cause: user, quietPeriodMs: 0 });
    assert.deepEqual(host.dispatched.slice(1).map((d) => [d.item.task, d.node]), [['app', 'b'], ['other', 'a']]);
    queue.close();
  });

  it('after a restart, takes the last node from the host until it sees a build of the job start', () => {
    const host = new FakeHost();
    host.addTask('app', { concurrentBuild: true });
    host.addNode('a', 2);
    host.addNode('b', 2);
    const told: string[] = [];
    host.lastBuiltOn = (task: string) => {
      told.push(task);
      return 'b';
    };
    const queue = new Queue({ host });
    const first = queue.schedule({ task: 'app', parameters: param('1'), cause: user, quietPeriodMs: 0 });
    assert.equal(host.dispatched[0]?.node, 'b', 'the record read before the restart says b');
    queue.started(first.item.id, 7);
    host.finish(queue, host.dispatched[0]!.item, 'b');

    host.lastBuiltOn = () => 'a';
    queue.schedule({ task: 'app', parameters: param('2'), cause: user, quietPeriodMs: 0 });
    assert.equal(host.dispatched[1]?.node, 'b', 'the queue saw build #7 start on b and no longer asks the host');
    assert.deepEqual(told, ['app']);
    queue.close();
  });

  it('spreads a backlog over nodes that come online by their idle executors', () => {
    const host = new FakeHost();
    host.addTask('app', { concurrentBuild: true });
    const big = host.addNode('big', 4);
    const small = host.addNode('small', 2);
    big.online = false;
    small.online = false;
    const queue = new Queue({ host });
    for (let i = 0; i < 4; i++) queue.schedule({ task: 'app', parameters: param(String(i)), cause: user, quietPeriodMs: 0 });
    assert.equal(host.dispatched.length, 0);
    big.online = true;
    small.online = true;
    queue.nodesChanged();
    // 4 idle against 2, 3 against 2, a tie at 2 (the first node), then 1 against 2.
    assert.deepEqual(host.dispatched.map((d) => d.node), ['big', 'big', 'big', 'small']);
    queue.close();
  });
});

describe('the LoadBalancer extension point', () => {
  it('registers the default load balancer, and one of a higher ordinal takes its place', () => {
    const registry = new ExtensionRegistry();
    registerDefaultLoadBalancer(registry);
    assert.equal(registry.first(LOAD_BALANCER)?.id, 'steward.DefaultLoadBalancer');

    // Packs builds onto the busiest node that still has room, keeping whole nodes free.
    const packing: LoadBalancer = {
      choose: (_item, candidates) => [...candidates].sort((x, y) => x.idleExecutors() - y.idleExecutors())[0],
    };
    registry.register(LOAD_BALANCER, { id: 'example.Packing', displayName: 'Fill the busiest node first', ordinal: 10, create: () => packing });
    const chosen = registry.first(LOAD_BALANCER);
    assert.equal(chosen?.id, 'example.Packing');

    const host = new FakeHost();
    host.addTask('app');
    host.addNode('empty', 4);
    host.addNode('half', 4).busy = 2;
    const queue = new Queue({ host, loadBalancer: chosen!.create() });
    queue.schedule({ task: 'app', parameters: [], cause: user, quietPeriodMs: 0 });
    assert.deepEqual(host.dispatched.map((d) => d.node), ['half']);
    queue.close();
  });

  it('offers only the online nodes with an idle executor whose labels and mode let them take the item', () => {
    const host = new FakeHost();
    host.addTask('linux-job', { label: 'linux' });
    host.addTask('anywhere');
    host.addNode('linux-1', 1, ['linux']);
    host.addNode('windows-1', 1, ['windows']);
    host.addNode('linux-offline', 1, ['linux']).online = false;
    host.addNode('linux-busy', 1, ['linux']).busy = 1;
    host.addNode('linux-reserved', 1, ['linux']).mode = 'EXCLUSIVE';
    const offered: Record<string, string[]> = {};
    const recording: LoadBalancer = {
      choose(item, candidates) {
        offered[item.task.name] = candidates.map((n) => n.name).sort();
        return undefined;
      },
    };
    const queue = new Queue({ host, loadBalancer: recording });
    queue.schedule({ task: 'linux-job', parameters: [], cause: user, quietPeriodMs: 0 });
    queue.schedule({ task: 'anywhere', parameters: [], cause: user, quietPeriodMs: 0 });
    assert.deepEqual(offered, {
      'linux-job': ['linux-1', 'linux-reserved'],
      anywhere: ['linux-1', 'windows-1'],
    });
    queue.close();
  });

  it('an item the load balancer leaves stays buildable and is placed at the next event', () => {
    const host = new FakeHost();
    host.addTask('app');
    host.addNode('a', 2);
    let accept = false;
    const asked: number[] = [];
    const queue = new Queue({
      host,
      loadBalancer: {
        choose(item, candidates) {
          asked.push(item.id);
          return accept ? candidates[0] : undefined;
        },
      },
    });
    const { item } = queue.schedule({ task: 'app', parameters: [], cause: user, quietPeriodMs: 0 });
    assert.equal(queue.get(item.id)?.state, 'buildable');
    assert.equal(why(queue.get(item.id)), 'Waiting for next available executor');
    assert.deepEqual(asked, [item.id], 'asked once, not again and again');
    accept = true;
    queue.executorFreed('a');
    assert.equal(queue.get(item.id)?.state, 'pending');
    assert.deepEqual(host.dispatched.map((d) => d.node), ['a']);
    queue.close();
  });

  it('an item left by the load balancer is blocked, not buildable, once a build of its job is dispatched', () => {
    const host = new FakeHost();
    host.addTask('app');
    host.addNode('a', 2);
    const queue = new Queue({
      host,
      // Leaves the first item it is asked about, takes the rest.
      loadBalancer: { choose: (item, candidates) => (item.id === 1 ? undefined : candidates[0]) },
    });
    host.building.add('app'); // hold both items blocked until both are in the queue
    const one = queue.schedule({ task: 'app', parameters: param('1'), cause: user, quietPeriodMs: 0 });
    const two = queue.schedule({ task: 'app', parameters: param('2'), cause: user, quietPeriodMs: 0 });
    host.building.delete('app');
    queue.taskFinished('app');
    assert.equal(queue.get(two.item.id)?.state, 'pending');
    assert.equal(queue.get(one.item.id)?.state, 'blocked');
    assert.equal(why(queue.get(one.item.id)), 'A build of app is already in progress');
    queue.close();
  });

  it('a load balancer that throws or names a node it was not offered does not stop builds, and is logged', () => {
    const { logger, lines } = capturedLogger();
    const host = new FakeHost();
    host.addTask('one');
    host.addTask('two');
    host.addNode('a', 2);
    const stranger: NodeView = { name: 'elsewhere', labels: new Set(), mode: 'NORMAL', online: true, idleExecutors: () => 9 };
    let calls = 0;
    const broken: LoadBalancer = {
      choose() {
        calls += 1;
        if (calls === 1) throw new Error('boom');
        return stranger;
      },
    };
    const queue = new Queue({ host, loadBalancer: broken, logger });
    queue.schedule({ task: 'one', parameters: [], cause: user, quietPeriodMs: 0 });
    queue.schedule({ task: 'two', parameters: [], cause: user, quietPeriodMs: 0 });
    assert.deepEqual(host.dispatched.map((d) => [d.item.task, d.node]), [['one', 'a'], ['two', 'a']]);
    const errors = lines.filter((l) => l.level === 50).map((l) => l.msg);
    assert.deepEqual(errors, [
      'the load balancer failed on one; its build goes to a',
      'the load balancer chose a node that cannot take two now; its build goes to a',
    ]);
    queue.close();
  });
});
