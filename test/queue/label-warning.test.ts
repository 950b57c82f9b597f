import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { builtInNode, defineNode, parseLabelExpression, type Node } from '../../src/nodes/index.js';
import { labelWarning } from '../../src/queue/index.js';

const agent = (name: string, labelString: string) => defineNode({ name, labelString, numExecutors: 1, launcher: 'inbound', remoteFS: '/srv/agent' });

describe('the warning for a job whose label no node has', () => {
  const builtIn = builtInNode({ numExecutors: 2, mode: 'NORMAL', label: 'linux' }, '/srv/home');

  it('names the job and the label when no node matches, and says nothing when one does', () => {
    const nodes = [builtIn];
    assert.equal(
      labelWarning('render', parseLabelExpression('gpu && linux'), nodes),
      "job render: there are no nodes with the label 'gpu && linux'; its builds will wait in the queue until a node with that label is added",
    );
    assert.equal(labelWarning('seed', parseLabelExpression('master'), nodes), undefined, 'the built-in node answers to master');
    assert.equal(labelWarning('any', parseLabelExpression('linux || windows'), nodes), undefined);
    assert.equal(labelWarning('unlabelled', undefined, nodes), undefined);
  });

  it('counts a node that is offline or EXCLUSIVE: it can still take the job', () => {
    const reserved: Node = defineNode({ name: 'gpu-1', labelString: 'gpu', mode: 'EXCLUSIVE', numExecutors: 1, launcher: 'inbound', remoteFS: '/srv/a' });
    assert.equal(labelWarning('render', parseLabelExpression('gpu'), [builtIn, reserved]), undefined);
  });

  it('is computed from the nodes as they are when asked', () => {
    const nodes: Node[] = [builtIn];
    const label = parseLabelExpression('windows');
    assert.notEqual(labelWarning('win', label, nodes), undefined);
    nodes.push(agent('win-1', 'windows'));
    assert.equal(labelWarning('win', label, nodes), undefined);
    nodes.pop();
    assert.notEqual(labelWarning('win', label, nodes), undefined);
  });

  it('shows at most 100 characters of a long label', () => {
    const long = Array.from({ length: 60 }, (_, i) => `label${i}`).join(' && ');
    const warning = labelWarning('j', parseLabelExpression(long), [builtIn]) ?? '';
    assert.match(warning, /^job j: there are no nodes with the label 'label0 && label1 .*… \(\d+ characters\)'; its builds will wait/);
    assert.ok(warning.length < 250);
  });
});
