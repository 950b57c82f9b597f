import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isStewardError } from '../../src/errors/index.js';
import { builtInNode, Computer, defineNode, parseLabelExpression, parseNodeMode, type NodeFields } from '../../src/nodes/index.js';
import { computerJson } from '../../src/web/model.js';

const node = (fields: Partial<NodeFields> = {}) =>
  defineNode({ name: 'n', numExecutors: 2, launcher: 'local', remoteFS: '/home/steward', ...fields });

describe('nodes', () => {
  test("a node's labels include its own name", () => {
    const n = node({ name: 'built-in', labelString: 'linux  docker' });
    assert.deepEqual([...n.labels].sort(), ['built-in', 'docker', 'linux']);
  });

  test("the built-in node is read from the home's settings, rooted in the home", () => {
    const n = builtInNode({ numExecutors: 3, mode: 'EXCLUSIVE', label: 'linux' }, '/srv/home');
    assert.equal(n.name, 'built-in');
    assert.equal(n.mode, 'EXCLUSIVE');
    assert.equal(n.numExecutors, 3);
    assert.equal(n.launcher, 'local');
    assert.equal(n.remoteFS, '/srv/home');
    assert.deepEqual([...n.labels].sort(), ['built-in', 'linux', 'master']);
  });

  test('the built-in node answers to master, its name before Jenkins 2.307, and an agent does not', () => {
    const builtIn = builtInNode({ numExecutors: 2, mode: 'NORMAL', label: '' }, '/srv/home');
    const agent = node({ name: 'linux-1', labelString: 'linux' });
    const matches = (expression: string) =>
      [builtIn, agent].filter((n) => parseLabelExpression(expression).matches(n.labels)).map((n) => n.name);
    assert.deepEqual(matches('master'), ['built-in']);
    assert.deepEqual(matches('built-in'), ['built-in']);
    assert.deepEqual(matches('!master'), ['linux-1']);
    assert.deepEqual(matches('master || linux'), ['built-in', 'linux-1']);
  });

  test('a mode other than NORMAL or EXCLUSIVE is refused, naming the file and the value', () => {
    assert.equal(parseNodeMode(undefined, 'config.xml'), 'NORMAL');
    assert.equal(parseNodeMode('EXCLUSIVE', 'config.xml'), 'EXCLUSIVE');
    assert.throws(
      () => parseNodeMode('EXCLUSIV', 'config.xml'),
      (err: unknown) => isStewardError(err, 'STW_CONFIG_INVALID') && err.message === 'config.xml: <mode> must be NORMAL or EXCLUSIVE, not "EXCLUSIV"',
    );
  });
});

describe('computers', () => {
  test('a new configuration with more executors adds idle executors at once', () => {
    const c = new Computer(node({ numExecutors: 2 }));
    c.setNode(node({ numExecutors: 4 }));
    assert.equal(c.idleExecutors(), 4);
    assert.deepEqual(c.executors.map((e) => e.number), [0, 1, 2, 3]);
  });

  test('fewer executors removes idle executors at once and busy ones when their build ends', () => {
    const c = new Computer(node({ numExecutors: 3 }));
    const busy = c.takeIdleExecutor();
    assert.ok(busy);
    busy.transition({ state: 'pending', queueId: 1, job: 'a' });
    c.setNode(node({ numExecutors: 0 }));
    assert.equal(c.numExecutors, 0);
    assert.equal(c.idleExecutors(), 0);
    assert.equal(c.executors.length, 1, 'the busy executor stays until its build ends');
    busy.transition({ state: 'idle' });
    c.removeRetiredIdle();
    assert.equal(c.executors.length, 0);
  });

  test('a computer takes the configuration of its own node only', () => {
    const c = new Computer(node());
    assert.throws(() => c.setNode(node({ name: 'other' })), (err: unknown) => isStewardError(err, 'STW_INTERNAL'));
  });

  test('an offline computer offers no executors and says why', () => {
    const c = new Computer(node());
    c.transition({ state: 'offline', cause: { kind: 'temporary', reason: 'disk full', by: 'admin', since: 1 } });
    assert.equal(c.idleExecutors(), 0);
    assert.equal(c.takeIdleExecutor(), undefined);
    assert.equal(c.offlineCauseReason, 'disk full');
    assert.equal(c.temporarilyOffline, true);
    c.transition({ state: 'online' });
    assert.equal(c.idleExecutors(), 2);
    assert.equal(c.offlineCauseReason, '');
  });

  test('an illegal state change throws naming the from and to states', () => {
    const c = new Computer(node({ name: 'linux-1' }));
    assert.throws(
      () => c.transition({ state: 'online' }),
      (err: unknown) => isStewardError(err, 'STW_COMPUTER_STATE') && err.message === 'the computer of node linux-1 cannot go from online to online',
    );
  });

  test("the API shows a computer's offline state as Jenkins does", () => {
    const c = new Computer(node({ name: 'built-in' }));
    const online = computerJson('http://x/', c, () => true);
    assert.deepEqual(
      { offline: online.offline, temporarilyOffline: online.temporarilyOffline, offlineCauseReason: online.offlineCauseReason, offlineCause: online.offlineCause },
      { offline: false, temporarilyOffline: false, offlineCauseReason: '', offlineCause: null },
    );
    assert.equal(online._class, 'hudson.model.Hudson$MasterComputer');
    c.transition({ state: 'offline', cause: { kind: 'temporary', reason: 'maintenance', by: 'admin', since: 5 } });
    const offline = computerJson('http://x/', c, () => true);
    assert.deepEqual(
      { offline: offline.offline, temporarilyOffline: offline.temporarilyOffline, offlineCauseReason: offline.offlineCauseReason, offlineCause: offline.offlineCause },
      { offline: true, temporarilyOffline: true, offlineCauseReason: 'maintenance', offlineCause: { _class: 'hudson.slaves.OfflineCause$UserCause', timestamp: 5 } },
    );
  });
});
