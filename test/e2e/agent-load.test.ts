/**
 * An agent under load, through steward start and a real steward agent: more builds than it has
 * executors, EXCLUSIVE mode, and a step printing 200 MB whose log is byte-identical.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AgentProcess, createInboundNode } from '../support/agent-process.js';
import { StewardProcess, freestyleXml, stringParam, tempDir } from '../support/steward-process.js';


function sha256(file: string, start: number, end: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file, { start, end: end - 1 })
      .on('data', (c) => hash.update(c))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}

describe('an agent under load', () => {
  let home: Awaited<ReturnType<typeof tempDir>>;
  let work: Awaited<ReturnType<typeof tempDir>>;
  let s: StewardProcess;
  let agent: AgentProcess;

  before(async () => {
    home = await tempDir();
    work = await tempDir('steward-agent-');
    s = await StewardProcess.start(home.dir);
    const secret = await createInboundNode(s, 'solo', { numExecutors: '1', remoteFS: work.dir, labelString: 'solo', mode: 'EXCLUSIVE' });
    agent = AgentProcess.start(['--url', s.url, '--name', 'solo', '--secret', secret, '--work-dir', work.dir]);
    await agent.logged(/connected to the controller as node solo/);
  });
  after(async () => {
    await agent?.stop();
    await s?.stop();
    await work?.[Symbol.asyncDispose]();
    await home?.[Symbol.asyncDispose]();
  });

  test('three builds for a one-executor EXCLUSIVE agent run there one after another; a job without a label never goes there', async () => {
    // A parameter each, so that the three requests are three builds, not one merged queue item.
    await s.createJob('on-solo', freestyleXml({ command: 'echo "start $BUILD_NUMBER $(date +%s%N)"; sleep 0.3; echo "end $BUILD_NUMBER $(date +%s%N)"', assignedNode: 'solo', concurrent: true, parameters: stringParam('N', '0') }));
    await s.createJob('anywhere', freestyleXml({ command: 'echo "on $NODE_NAME"' }));
    const queued = [await s.queueBuild('on-solo', { N: '1' }), await s.queueBuild('on-solo', { N: '2' }), await s.queueBuild('on-solo', { N: '3' }), await s.queueBuild('anywhere')];
    assert.equal(new Set(queued).size, 4);
    const numbers = await Promise.all(queued.map((q) => s.buildNumberOf(q)));
    const spans: [number, number][] = [];
    for (const n of numbers.slice(0, 3)) {
      assert.equal(await s.waitForResult('on-solo', n), 'SUCCESS');
      const build = await s.json<{ builtOn: string }>(`job/on-solo/${n}/api/json`);
      assert.equal(build.builtOn, 'solo');
      const log = await (await s.fetch(`job/on-solo/${n}/consoleText`)).text();
      const start = Number(/^start \d+ (\d+)$/m.exec(log)?.[1]);
      const end = Number(/^end \d+ (\d+)$/m.exec(log)?.[1]);
      spans.push([start, end]);
    }
    spans.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) {
      assert.ok((spans[i] as [number, number])[0] >= (spans[i - 1] as [number, number])[1], `one build at a time on the one executor: ${JSON.stringify(spans)}`);
    }
    const anywhere = numbers[3] as number;
    assert.equal(await s.waitForResult('anywhere', anywhere), 'SUCCESS');
    assert.match(await (await s.fetch(`job/anywhere/${anywhere}/consoleText`)).text(), /\non built-in\n/);
  });

  test('a step printing 200 MB: the log in the home holds exactly those bytes', { timeout: 180_000 }, async () => {
    const size = 200 * 1000 * 1000;
    await s.createJob('big', freestyleXml({ command: `set +x\nhead -c ${size} /dev/urandom > data.bin\ncat data.bin`, assignedNode: 'solo' }));
    const n = await s.buildNumberOf(await s.queueBuild('big'));
    assert.equal(await s.waitForResult('big', n), 'SUCCESS');
    const data = path.join(work.dir, 'workspace', 'big', 'data.bin');
    assert.equal((await stat(data)).size, size);
    const log = path.join(home.dir, 'jobs', 'big', 'builds', String(n), 'log');
    const head = Buffer.alloc(64 * 1024);
    const fh = await open(log, 'r');
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    await fh.close();
    const marker = Buffer.from('+ set +x\n');
    const at = head.subarray(0, bytesRead).indexOf(marker);
    assert.ok(at >= 0, 'the log shows the step starting');
    const start = at + marker.length;
    const total = (await stat(log)).size;
    assert.ok(total >= start + size, `the log holds at least the ${size} bytes (${total - start} after the step began)`);
    assert.equal(await sha256(log, start, start + size), await sha256(data, 0, size), 'the log holds the bytes the step printed, in order');
    const tail = Buffer.alloc(total - start - size);
    const fh2 = await open(log, 'r');
    await fh2.read(tail, 0, tail.length, start + size);
    await fh2.close();
    assert.equal(tail.toString('utf8'), 'Finished: SUCCESS\n', 'nothing doubled or added after the bytes');
  });
});
