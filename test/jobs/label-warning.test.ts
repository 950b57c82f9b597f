import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { builtInNode, defineNode, type Node } from '../../src/nodes/index.js';
import { labelWarning } from '../../src/queue/index.js';
import { freestyleXml, tempDir } from '../support/steward-process.js';
import { openHome } from './home.js';

type Line = { level: number; msg: string; job?: string; label?: string };

function capture(): { logger: pino.Logger; warnings: () => Line[] } {
  const lines: Line[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Line) });
  return { logger, warnings: () => lines.filter((l) => l.level === 40 && / there are no nodes /.test(l.msg)) };
}

describe('jobs whose label expression no node has', () => {
  test('load, and the log has one warning for each, naming the job and the label', async () => {
    await using home = await tempDir();
    const jobs = { render: 'gpu', seed: 'master', build: 'linux', anywhere: undefined, mixed: 'linux && windows' };
    for (const [name, assignedNode] of Object.entries(jobs)) {
      await mkdir(path.join(home.dir, 'jobs', name), { recursive: true });
      const xml = assignedNode === undefined ? freestyleXml({ command: 'true' }) : freestyleXml({ command: 'true', assignedNode });
      await writeFile(path.join(home.dir, 'jobs', name, 'config.xml'), xml);
    }
    const nodes: Node[] = [builtInNode({ numExecutors: 2, mode: 'NORMAL', label: 'linux' }, home.dir)];
    const { logger, warnings } = capture();
    await using h = await openHome(home.dir, logger, { labelWarning: (job, label) => labelWarning(job, label, nodes) });
    await h.jobs.load();

    assert.deepEqual(h.jobs.all().map((j) => [j.name, j.definition.kind]), [
      ['anywhere', 'freestyle'],
      ['build', 'freestyle'],
      ['mixed', 'freestyle'],
      ['render', 'freestyle'],
      ['seed', 'freestyle'],
    ]);
    assert.deepEqual(
      warnings().map((l) => [l.job, l.label, l.msg]).sort(),
      [
        ['mixed', 'linux && windows', "job mixed: there are no nodes with the label 'linux && windows'; its builds will wait in the queue until a node with that label is added"],
        ['render', 'gpu', "job render: there are no nodes with the label 'gpu'; its builds will wait in the queue until a node with that label is added"],
      ],
    );
  });

  test('are created and reconfigured with the warning logged and given to the caller, until a node has the label', async () => {
    await using home = await tempDir();
    const nodes: Node[] = [builtInNode({ numExecutors: 2, mode: 'NORMAL', label: '' }, home.dir)];
    const { logger, warnings } = capture();
    await using h = await openHome(home.dir, logger, { labelWarning: (job, label) => labelWarning(job, label, nodes) });

    const job = await h.jobs.create('render', freestyleXml({ command: 'true', assignedNode: 'gpu' }));
    assert.match(h.jobs.labelWarning(job) ?? '', /^job render: there are no nodes with the label 'gpu'/);
    assert.equal(warnings().length, 1);

    nodes.push(defineNode({ name: 'gpu-1', labelString: 'gpu', numExecutors: 1, launcher: 'inbound', remoteFS: '/srv/gpu' }));
    assert.equal(h.jobs.labelWarning(job), undefined, 'a node with the label was added');

    const updated = await h.jobs.updateConfig('render', freestyleXml({ command: 'true', assignedNode: 'gpu && windows' }));
    assert.match(h.jobs.labelWarning(updated) ?? '', /the label 'gpu && windows'/);
    assert.equal(warnings().length, 2);

    await h.jobs.updateConfig('render', freestyleXml({ command: 'true', assignedNode: 'master' }));
    assert.equal(h.jobs.labelWarning(updated), undefined);
    assert.equal(warnings().length, 2, 'no warning for a label the built-in node answers to');
  });
});
