import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isStewardError } from '../../src/errors/index.js';
import { lazy, parseTree, render } from '../../src/web/tree.js';

describe("Jenkins' tree parameter", () => {
  const value = {
    _class: 'hudson.model.Hudson',
    url: 'http://x/',
    jobs: [
      { _class: 'J', name: 'a', color: 'blue', builds: [{ number: 3 }, { number: 2 }, { number: 1 }] },
      { _class: 'J', name: 'b', color: 'red', builds: [] },
    ],
  };

  test('keeps only the named fields, and _class', async () => {
    assert.deepEqual(await render(value, parseTree('jobs[name]')), {
      _class: 'hudson.model.Hudson',
      jobs: [
        { _class: 'J', name: 'a' },
        { _class: 'J', name: 'b' },
      ],
    });
  });

  test('applies ranges to arrays', async () => {
    const out = (await render(value, parseTree('jobs[builds[number]{0,2}]{0}'))) as { jobs: { builds: unknown[] }[] };
    assert.deepEqual(out.jobs, [{ _class: 'J', builds: [{ number: 3 }, { number: 2 }] }]);
  });

  test('computes a lazy field only when the tree names it', async () => {
    let calls = 0;
    const v = { a: 1, costly: lazy(() => ++calls) };
    assert.deepEqual(await render(v, parseTree('a')), { a: 1 });
    assert.equal(calls, 0);
    assert.deepEqual(await render(v, undefined), { a: 1, costly: 1 });
    assert.equal(calls, 1);
  });

  test('a range whose bound is empty or past the safe integers is an error', () => {
    for (const tree of ['jobs[name]{}', 'jobs[name]{99999999999999999999}', 'jobs[name]{0,99999999999999999999}']) {
      assert.throws(() => parseTree(tree), (err: unknown) => isStewardError(err, 'STW_REQUEST_INVALID'), tree);
    }
    assert.deepEqual(parseTree('jobs{,2}').fields.get('jobs')?.range, { from: 0, to: 2 });
  });

  test('a malformed tree is an error naming the column', () => {
    assert.throws(
      () => parseTree('jobs[name'),
      (err: unknown) => isStewardError(err, 'STW_REQUEST_INVALID') && err.column === 10,
    );
  });
});
