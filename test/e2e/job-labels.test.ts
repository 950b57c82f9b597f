import assert from 'node:assert/strict';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { StewardProcess, REPO, eventually, freestyleXml, tempDir } from '../support/steward-process.js';

const FIXTURES = path.join(REPO, 'test/e2e/fixtures/jenkins-jobs');

/** The config.xml of a home made by Jenkins before 2.307 (no <nodeRenameMigrationNeeded>): its built-in node was "master". */
const UPGRADED_HOME_CONFIG = `<?xml version='1.1' encoding='UTF-8'?>
<hudson>
  <version>2.289.3</version>
  <numExecutors>2</numExecutors>
  <mode>NORMAL</mode>
  <label></label>
  <quietPeriod>0</quietPeriod>
  <useSecurity>true</useSecurity>
</hudson>
`;

/** An inbound agent as Jenkins writes nodes/NAME/config.xml; its agent never connects here (offline). */
const CUDA_AGENT = `<?xml version='1.1' encoding='UTF-8'?>
<slave>
  <name>cuda-box</name>
  <description></description>
  <remoteFS>/srv/agent</remoteFS>
  <numExecutors>1</numExecutors>
  <mode>EXCLUSIVE</mode>
  <retentionStrategy class="hudson.slaves.RetentionStrategy$Always"/>
  <launcher class="hudson.slaves.JNLPLauncher"/>
  <label>cuda linux</label>
  <nodeProperties/>
</slave>
`;

/** The form python-jenkins' create_node posts to /computer/doCreateItem. */
function agentForm(name: string, labelString: string): URLSearchParams {
  const json = {
    nodeDescription: null,
    numExecutors: 1,
    remoteFS: '/srv/agent',
    labelString,
    mode: 'NORMAL',
    retentionStrategy: { 'stapler-class': 'hudson.slaves.RetentionStrategy$Always' },
    nodeProperties: { 'stapler-class-bag': 'true' },
    launcher: { 'stapler-class': 'hudson.slaves.JNLPLauncher' },
  };
  return new URLSearchParams({ name, type: 'hudson.slaves.DumbSlave$DescriptorImpl', json: JSON.stringify(json) });
}

const noNode = (job: string, label: string) =>
  `job ${job}: there are no nodes with the label '${label}'; its builds will wait in the queue until a node with that label is added`;

type LogLine = { level: number; msg: string; job?: string; label?: string };

describe('jobs tied to a label', () => {
  let home: Awaited<ReturnType<typeof tempDir>>;
  let s: StewardProcess;

  before(async () => {
    home = await tempDir();
    await writeFile(path.join(home.dir, 'config.xml'), UPGRADED_HOME_CONFIG);
    for (const name of ['seed', 'render', 'greet', 'train']) await mkdir(path.join(home.dir, 'jobs', name), { recursive: true });
    await mkdir(path.join(home.dir, 'nodes', 'cuda-box'), { recursive: true });
    await writeFile(path.join(home.dir, 'nodes/cuda-box/config.xml'), CUDA_AGENT);
    // An offline agent in EXCLUSIVE mode with the label: the job can run once it connects, no warning.
    await writeFile(path.join(home.dir, 'jobs/train/config.xml'), freestyleXml({ command: 'true', assignedNode: 'cuda && linux' }));
    await copyFile(path.join(FIXTURES, 'seed-on-master.xml'), path.join(home.dir, 'jobs/seed/config.xml'));
    await writeFile(path.join(home.dir, 'jobs/render/config.xml'), freestyleXml({ command: 'true', assignedNode: 'gpu' }));
    await writeFile(path.join(home.dir, 'jobs/greet/config.xml'), freestyleXml({ command: 'echo "on $NODE_NAME"', assignedNode: 'master' }));
    s = await StewardProcess.start(home.dir);
  });

  after(async () => {
    await s?.stop();
    await home?.[Symbol.asyncDispose]();
  });

  const labelWarnings = (): LogLine[] => (s.lines as LogLine[]).filter((l) => l.level === 40 && l.msg.includes('there are no nodes with the label'));

  test('a real Jenkins job that asks for master builds on the built-in node', async () => {
    const seed = await s.buildNumberOf(await s.queueBuild('seed'));
    // Its Job DSL step is not something Steward runs: the build fails, on the built-in node, saying so.
    assert.equal(await s.waitForResult('seed', seed), 'FAILURE');
    const log = await (await s.fetch(`job/seed/${seed}/consoleText`)).text();
    assert.match(log, /^Building on the built-in node in workspace /m);
    assert.match(log, /does not support: builder javaposse\.jobdsl\.plugin\.ExecuteDslScripts \(plugin job-dsl\)/);
    assert.equal((await s.json<{ builtOn: string }>(`job/seed/${seed}/api/json`)).builtOn, '', 'the built-in node, as Jenkins records it');

    const greet = await s.buildNumberOf(await s.queueBuild('greet'));
    assert.equal(await s.waitForResult('greet', greet), 'SUCCESS');
    assert.match(await (await s.fetch(`job/greet/${greet}/consoleText`)).text(), /^on built-in$/m);
  });

  test('a job whose label no node has is loaded with one warning in the log, and its builds wait saying why', async () => {
    assert.deepEqual(labelWarnings().map((l) => [l.job, l.label, l.msg]), [['render', 'gpu', noNode('render', 'gpu')]]);

    const render = await s.json<{ labelExpression: string; labelWarning: string | null; buildable: boolean }>('job/render/api/json');
    assert.deepEqual(render, { ...render, labelExpression: 'gpu', labelWarning: noNode('render', 'gpu'), buildable: true });
    assert.equal((await s.json<{ labelWarning: string | null }>('job/seed/api/json')).labelWarning, null);

    const queued = await s.queueBuild('render');
    const item = await s.json<{ _class: string; why: string }>(`queue/item/${queued}/api/json`);
    assert.deepEqual({ _class: item._class, why: item.why }, { _class: 'hudson.model.Queue$BlockedItem', why: "There are no nodes with the label 'gpu'" });
    assert.equal((await s.fetch(`queue/cancelItem?id=${queued}`, { method: 'POST' })).status, 302);
  });

  test('the warning follows the nodes: an agent added with the label ends it, and removing the agent brings it back', async () => {
    const warningOf = async () => (await s.json<{ labelWarning: string | null }>('job/render/api/json')).labelWarning;
    assert.equal(await warningOf(), noNode('render', 'gpu'));
    const created = await s.fetch('computer/doCreateItem', { method: 'POST', body: agentForm('gpu-1', 'gpu') });
    assert.ok(created.status < 400, `doCreateItem: ${created.status} ${await created.text()}`);
    assert.equal(await warningOf(), null);
    const reconfigured = await s.fetch('job/render/config.xml', {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: freestyleXml({ command: 'echo again', assignedNode: 'gpu' }),
    });
    assert.equal(reconfigured.status, 200);
    assert.equal(reconfigured.headers.get('x-steward-warning'), null);
    const deleted = await s.fetch('computer/gpu-1/doDelete', { method: 'POST' });
    assert.ok(deleted.status < 400, `doDelete: ${deleted.status} ${await deleted.text()}`);
    assert.equal(await warningOf(), noNode('render', 'gpu'));
  });

  test('createItem, copy and a config.xml POST save such a job and answer with X-Steward-Warning', async () => {
    const before = labelWarnings().length;
    const create = (name: string, label: string) =>
      s.fetch(`createItem?name=${name}`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: freestyleXml({ command: 'true', assignedNode: label }) });

    const created = await create('cuda', 'gpu && linux');
    assert.equal(created.status, 200);
    assert.equal(created.headers.get('x-steward-warning'), noNode('cuda', 'gpu && linux'));
    assert.equal((await s.json<{ labelWarning: string }>('job/cuda/api/json')).labelWarning, noNode('cuda', 'gpu && linux'));

    const plain = await create('plain', 'master || built-in');
    assert.equal(plain.status, 200);
    assert.equal(plain.headers.get('x-steward-warning'), null);

    const copied = await s.fetch('createItem?name=cuda-copy&mode=copy&from=cuda', { method: 'POST' });
    assert.equal(copied.status, 302);
    assert.equal(copied.headers.get('x-steward-warning'), noNode('cuda-copy', 'gpu && linux'));

    const relabel = (label: string) =>
      s.fetch('job/plain/config.xml', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: freestyleXml({ command: 'true', assignedNode: label }) });
    const toWindows = await relabel('windows');
    assert.equal(toWindows.status, 200);
    assert.equal(toWindows.headers.get('x-steward-warning'), noNode('plain', 'windows'));
    const back = await relabel('built-in');
    assert.equal(back.status, 200);
    assert.equal(back.headers.get('x-steward-warning'), null);

    // A label in any script fits in the header, escaped, and the whole of it is in the log.
    const wide = await create('wide', '显卡');
    assert.equal(wide.status, 200);
    assert.equal(wide.headers.get('x-steward-warning'), noNode('wide', '\\u663e\\u5361'));

    // The controller's log lines arrive on its standard output a moment after the answers.
    const logged = await eventually(() => (labelWarnings().length - before >= 4 ? labelWarnings().slice(before) : undefined), 'the warnings in the log');
    assert.deepEqual(
      logged.map((l) => [l.job, l.label]),
      [
        ['cuda', 'gpu && linux'],
        ['cuda-copy', 'gpu && linux'],
        ['plain', 'windows'],
        ['wide', '显卡'],
      ],
    );
  });
});
