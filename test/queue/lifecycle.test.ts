import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStewardError } from '../../src/errors/index.js';
import { LEFT_ITEM_RETENTION_MS, Queue, type QueueItem } from '../../src/queue/index.js';
import { FakeHost, user } from './fake-host.js';

function setup(): { host: FakeHost; queue: Queue } {
  const host = new FakeHost();
  host.addTask('app');
  host.addNode('built-in', 2);
  return { host, queue: new Queue({ host }) };
}

function state(item: QueueItem | undefined): string | undefined {
  return item?.state;
}

describe('queue lifecycle', () => {
  it('an item waits out its quiet period, then is dispatched to an idle executor', () => {
    const { host, queue } = setup();
    const { item, merged } = queue.schedule({ task: 'app', parameters: [], cause: user, quietPeriodMs: 5000 });
    assert.equal(merged, false);
    assert.equal(item.state, 'waiting');
    assert.equal(item.id, 1);
    assert.equal(item.dueAt, item.inQueueSince + 5000);
    host.advance(100);
    const waiting = queue.get(item.id);
    assert.equal(waiting?.state === 'waiting' && waiting.why, 'In the quiet period. Expires in 4.9 sec');
    host.advance(4899);
    assert.equal(host.dispatched.length, 0);
    host.advance(1);
    assert.equal(host.dispatched.length, 1);
    const pending = queue.get(item.id);
    assert.equal(pending?.state, 'pending');
    assert.equal(pending?.state === 'pending' && pending.node, 'built-in');
    queue.started(item.id, 7);
    const left = queue.get(item.id);
    assert.equal(left?.state, 'left');
    assert.deepEqual(left?.state === 'left' && left.executable, { number: 7 });
    assert.equal(left?.state === 'left' && left.cancelled, false);
    assert.deepEqual(queue.items(), []);
    queue.close();
  });

  it('an item without a quiet period is dispatched before schedule returns', () => {
    const { host, queue } = setup();
    const { item } = queue.schedule({ task: 'app', parameters: [], cause: user, quietPeriodMs: 0 });
    assert.equal(item.state, 'pending');
    assert.equal(host.dispatched[0]?.item.id, item.id);
    queue.close();
  });

  it('a buildable item with no idle executor says it waits for one, and runs when one frees', () => {
    const { host, queue } = setup();
    host.addTask('other', { concurrentBuild: true });
    const first = queue.schedule({ task: 'other', parameters: [{ name: 'n', value: '1', sensitive: false }], cause: user, quietPeriodMs: 0 });
    queue.schedule({ task: 'other', parameters: [{ name: 'n', value: '2', sensitive: false }], cause: user, quietPeriodMs: 0 });
    const third = queue.schedule({ task: 'other', parameters: [{ name: 'n', value: '3', sensitive: false }], cause: user, quietPeriodMs: 0 });
    assert.equal(third.item.state, 'buildable');
    assert.equal(third.item.state === 'buildable' && third.item.why, 'Waiting for next available executor');
    queue.started(first.item.id, 1);
    host.finish(queue, host.dispatched[0]!.item, 'built-in');
    assert.equal(state(queue.get(third.item.id)), 'pending');
    queue.close();
  });

  it('a request with the same parameters merges into the waiting item and counts its cause', () => {
    const { host, queue } = setup();
    const params = [{ name: 'BRANCH', value: 'main', sensitive: false }];
    const a = queue.schedule({ task: 'app', parameters: params, cause: user, quietPeriodMs: 5000 });
    host.advance(1000);
    const b = queue.schedule({ task: 'app', parameters: [...params], cause: { kind: 'timer', shortDescription: 'Started by timer' }, quietPeriodMs: 5000 });
    const c = queue.schedule({ task: 'app', parameters: params, cause: user, quietPeriodMs: 5000 });
    assert.equal(b.merged, true);
    assert.equal(c.merged, true);
    assert.equal(b.item.id, a.item.id);
    assert.equal(c.item.dueAt, a.item.dueAt, 'a merged item keeps its due time');
    assert.deepEqual(
      c.item.causes.map((x) => [x.kind, x.count ?? 1]),
      [
        ['user', 2],
        ['timer', 1],
      ],
      'identical causes are kept once and counted',
    );
    assert.equal(queue.items().length, 1);
    queue.close();
  });

  it('parameters are compared by name and value, in any order', () => {
    const { queue } = setup();
    const p = (name: string, value: string) => ({ name, value, sensitive: false });
    queue.schedule({ task: 'app', parameters: [p('A', '1'), p('B', '2')], cause: user, quietPeriodMs: 5000 });
    assert.equal(queue.schedule({ task: 'app', parameters: [p('B', '2'), p('A', '1')], cause: user, quietPeriodMs: 5000 }).merged, true);
    assert.equal(queue.schedule({ task: 'app', parameters: [p('A', '1'), p('B', '3')], cause: user, quietPeriodMs: 5000 }).merged, false);
    assert.equal(queue.schedule({ task: 'app', parameters: [p('A', '1')], cause: user, quietPeriodMs: 5000 }).merged, false);
    assert.equal(queue.items().length, 3);
    queue.close();
  });

  it('a request does not merge into a pending item', () => {
    const { host, queue } = setup();
    const a = queue.schedule({ task: 'app', parameters: [], cause: user, quietPeriodMs: 0 });
    assert.equal(a.item.state, 'pending');
    const b = queue.schedule({ task: 'app', parameters: [], cause: user, quietPeriodMs: 0 });
    assert.equal(b.merged, false);
    assert.notEqual(b.item.id, a.item.id);
    assert.equal(b.item.state, 'blocked');
    assert.equal(host.dispatched.length, 1);
    queue.close();
  });

  it('cancel removes waiting, blocked and buildable items but not pending ones', () => {
    const { host, queue } = setup();
    const waiting = queue.schedule({ task: 'app', parameters: [{ name: 'x', value: '1', sensitive: false }], cause: user, quietPeriodMs: 5000 });
    const pending = queue.schedule({ task: 'app', parameters: [], cause: user, quietPeriodMs: 0 });
    const blocked = queue.schedule({ task: 'app', parameters: [{ name: 'x', value: '2', sensitive: false }], cause: user, quietPeriodMs: 0 });
    assert.equal(blocked.item.state, 'blocked');
    assert.equal(queue.cancel(waiting.item.id), true);
    assert.equal(queue.cancel(blocked.item.id), true);
    assert.equal(queue.cancel(pending.item.id), false);
    assert.equal(queue.cancel(waiting.item.id), false, 'a left item cannot be cancelled again');
    assert.equal(queue.cancel(999), false);
    const left = queue.get(waiting.item.id);
    assert.equal(left?.state === 'left' && left.cancelled, true);
    host.advance(10_000);
    assert.equal(host.dispatched.length, 1, 'the cancelled waiting item is never dispatched');
    queue.close();
  });

  it('left items are remembered for five minutes, then forgotten', () => {
    const { host, queue } = setup();
    const a = queue.schedule({ task: 'app', parameters: [], cause: user, quietPeriodMs: 5000 });
    queue.cancel(a.item.id);
    host.advance(60_000);
    const b = queue.schedule({ task: 'app', parameters: [], cause: user, quietPeriodMs: 5000 });
    queue.cancel(b.item.id);
    host.advance(LEFT_ITEM_RETENTION_MS - 60_000 - 1);
    assert.equal(state(queue.get(a.item.id)), 'left');
    host.advance(1);
    assert.equal(queue.get(a.item.id), undefined);
    assert.equal(state(queue.get(b.item.id)), 'left');
    host.advance(60_000);
    assert.equal(queue.get(b.item.id), undefined);
    assert.equal(host.activeTimers(), 0, 'no timer stays armed once nothing is remembered');
    queue.close();
  });

  it('ids are never reused', () => {
    const { queue } = setup();
    const ids = new Set<number>();
    for (let i = 0; i < 5; i++) {
      const { item } = queue.schedule({ task: 'app', parameters: [{ name: 'i', value: String(i), sensitive: false }], cause: user, quietPeriodMs: 100 });
      ids.add(item.id);
      queue.cancel(item.id);
    }
    assert.deepEqual([...ids], [1, 2, 3, 4, 5]);
    queue.close();
  });

  it('a failed start leaves the item cancelled with the reason and releases the job', () => {
    const { host, queue } = setup();
    const a = queue.schedule({ task: 'app', parameters: [], cause: user, quietPeriodMs: 0 });
    const b = queue.schedule({ task: 'app', parameters: [{ name: 'x', value: '1', sensitive: false }], cause: user, quietPeriodMs: 0 });
    assert.equal(b.item.state, 'blocked');
    host.nodeList[0]!.busy -= 1; // the executor gives up the failed build
    host.building.delete('app');
    queue.startFailed(a.item.id, 'workspace is not writable');
    const left = queue.get(a.item.id);
    assert.equal(left?.state === 'left' && left.cancelled, true);
    assert.equal(left?.state === 'left' && left.reason, 'workspace is not writable');
    assert.equal(state(queue.get(b.item.id)), 'pending');
    queue.close();
  });

  it('started and startFailed reject items that are not pending', () => {
    const { queue } = setup();
    const a = queue.schedule({ task: 'app', parameters: [], cause: user, quietPeriodMs: 5000 });
    const notPending = (err: unknown) => isStewardError(err, 'STW_QUEUE_ITEM_NOT_FOUND');
    assert.throws(() => queue.started(a.item.id, 1), notPending);
    assert.throws(() => queue.startFailed(42, 'x'), notPending);
    queue.close();
  });

  it('the items of a deleted job are cancelled', () => {
    const { host, queue } = setup();
    const a = queue.schedule({ task: 'app', parameters: [], cause: user, quietPeriodMs: 5000 });
    host.tasks.delete('app');
    queue.taskChanged('app');
    const left = queue.get(a.item.id);
    assert.equal(left?.state === 'left' && left.cancelled, true);
    assert.throws(() => queue.schedule({ task: 'app', parameters: [], cause: user, quietPeriodMs: 0 }), (err: unknown) => isStewardError(err, 'STW_JOB_NOT_FOUND'));
    queue.close();
  });

  it('the host hears of every change to what queue.xml holds', () => {
    const { host, queue } = setup();
    const before = host.changes;
    const a = queue.schedule({ task: 'app', parameters: [], cause: user, quietPeriodMs: 5000 });
    assert.ok(host.changes > before);
    const afterSchedule = host.changes;
    queue.schedule({ task: 'app', parameters: [], cause: user, quietPeriodMs: 5000 });
    assert.ok(host.changes > afterSchedule, 'a merged cause is persisted');
    const afterMerge = host.changes;
    queue.cancel(a.item.id);
    assert.ok(host.changes > afterMerge);
    queue.close();
  });

  it('close cancels every timer', () => {
    const { host, queue } = setup();
    const a = queue.schedule({ task: 'app', parameters: [], cause: user, quietPeriodMs: 5000 });
    queue.schedule({ task: 'app', parameters: [{ name: 'x', value: '1', sensitive: false }], cause: user, quietPeriodMs: 5000 });
    queue.cancel(a.item.id);
    assert.ok(host.activeTimers() > 0);
    queue.close();
    assert.equal(host.activeTimers(), 0);
    assert.throws(() => queue.schedule({ task: 'app', parameters: [], cause: user, quietPeriodMs: 0 }), (err: unknown) => isStewardError(err, 'STW_INTERNAL'));
  });

  it('many quiet periods share one timer', () => {
    const { host, queue } = setup();
    for (let i = 0; i < 100; i++) {
      queue.schedule({ task: 'app', parameters: [{ name: 'i', value: String(i), sensitive: false }], cause: user, quietPeriodMs: 5000 + i });
    }
    assert.equal(host.activeTimers(), 1);
    queue.close();
  });
});

describe('queue restart', () => {
  it('persisted items come back with their ids: due ones buildable, others waiting', () => {
    const { host, queue } = setup();
    host.nodeList[0]!.executors = 1;
    host.addTask('lib', { concurrentBuild: true });
    const a = queue.schedule({ task: 'app', parameters: [], cause: user, quietPeriodMs: 0 });
    const b = queue.schedule({ task: 'lib', parameters: [{ name: 'v', value: '1', sensitive: true }], cause: user, quietPeriodMs: 0 });
    const c = queue.schedule({ task: 'lib', parameters: [], cause: user, quietPeriodMs: 60_000 });
    assert.equal(a.item.state, 'pending');
    assert.equal(b.item.state, 'buildable');
    const saved = queue.persistable();
    assert.deepEqual(
      saved.items.map((i) => i.id),
      [a.item.id, b.item.id, c.item.id],
      'pending items are persisted too: their build never started',
    );
    assert.equal(saved.nextId, 4);
    queue.close();

    const host2 = new FakeHost();
    host2.clock = host.clock + 1000;
    host2.addTask('app');
    host2.addTask('lib', { concurrentBuild: true });
    const node = host2.addNode('built-in', 1);
    node.busy = 1; // executors are not yet up
    const queue2 = new Queue({ host: host2 });
    queue2.restore(saved.items, saved.nextId);
    assert.equal(state(queue2.get(a.item.id)), 'buildable');
    assert.equal(state(queue2.get(b.item.id)), 'buildable');
    assert.equal(state(queue2.get(c.item.id)), 'waiting');
    const restored = queue2.get(b.item.id);
    assert.deepEqual(restored?.parameters, [{ name: 'v', value: '1', sensitive: true }]);
    assert.deepEqual(restored?.causes, [user]);
    node.busy = 0;
    queue2.executorFreed('built-in');
    assert.equal(host2.dispatched[0]?.item.id, a.item.id, 'the older item runs first');
    const next = queue2.schedule({ task: 'app', parameters: [{ name: 'x', value: '1', sensitive: false }], cause: user, quietPeriodMs: 0 });
    assert.equal(next.item.id, 4, 'ids continue from the persisted counter');
    host2.advance(60_000);
    assert.equal(state(queue2.get(c.item.id)), 'buildable');
    queue2.close();
  });

  it('restore keeps the larger of the persisted counter and the highest id', () => {
    const host = new FakeHost();
    host.addTask('app');
    const queue = new Queue({ host });
    queue.restore([{ id: 40, job: 'app', inQueueSince: 0, dueAt: host.clock + 10, parameters: [], causes: [user] }], 10);
    assert.equal(queue.persistable().nextId, 41);
    queue.close();
  });

  it('a queue quieting down takes and merges requests but hands none to an executor, and says why they wait', () => {
    const { host, queue } = setup();
    host.addTask('other', { concurrentBuild: true });
    const first = queue.schedule({ task: 'app', parameters: [], cause: user, quietPeriodMs: 0 });
    assert.equal(first.item.state, 'pending');
    const reason = 'Steward is handing over to a standby (asked by admin): the build starts on the next active controller';
    queue.quietDown(reason);
    assert.equal(queue.quietDownReason, reason);
    const later = queue.schedule({ task: 'other', parameters: [], cause: user, quietPeriodMs: 0 });
    const waiting = queue.schedule({ task: 'other', parameters: [{ name: 'n', value: '1', sensitive: false }], cause: user, quietPeriodMs: 1000 });
    assert.equal(queue.schedule({ task: 'other', parameters: [], cause: user, quietPeriodMs: 0 }).merged, true);
    host.advance(2000);
    // The build handed out before goes on and ends; that frees its executor.
    queue.started(first.item.id, 1);
    host.finish(queue, first.item.state === 'pending' ? first.item : assert.fail('not pending'), 'built-in');
    assert.equal(host.dispatched.length, 1, 'nothing dispatched after quietDown, even with every executor idle');
    assert.deepEqual(queue.get(later.item.id), { ...queue.get(later.item.id), state: 'buildable', why: reason });
    assert.equal(queue.get(waiting.item.id)?.state, 'buildable');
    assert.deepEqual(queue.persistable().items.map((i) => i.id).sort(), [later.item.id, waiting.item.id].sort(), 'both are kept for queue.xml');
    queue.close();
  });
});
