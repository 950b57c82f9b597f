import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { STEWARD_BIN, eventually, freestyleXml, stringParam, useController } from '../support/steward-process.js';

function steward(args: string[], url: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [STEWARD_BIN, ...args, '--url', url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the steward command against a running controller', () => {
  const ctl = useController();

  test('job create, list and show', async () => {
    const file = path.join(ctl.home, 'hello.xml');
    await writeFile(file, freestyleXml({ command: 'echo "hello $WHO"', parameters: stringParam('WHO', 'world') }));
    const created = await steward(['job', 'create', 'hello', '--file', file], ctl.s.url);
    assert.equal(created.code, 0, created.stderr);
    const list = await steward(['job', 'list'], ctl.s.url);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^hello\tnotbuilt$/m);
    const show = await steward(['job', 'show', 'hello'], ctl.s.url);
    assert.equal((JSON.parse(show.stdout) as { nextBuildNumber: number }).nextBuildNumber, 1);
    const again = await steward(['job', 'create', 'hello', '--file', file], ctl.s.url);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /already exists/);
  });

  test('build start --follow prints the log as it comes and exits 0 on SUCCESS', async () => {
    const r = await steward(['build', 'start', 'hello', '-p', 'WHO=cli', '--follow'], ctl.s.url);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /hello cli/);
    assert.match(r.stdout, /Finished: SUCCESS/);
    assert.match(r.stderr, /hello #\d+: SUCCESS/);
  });

  test('build start --wait exits non-zero when the build fails', async () => {
    const file = path.join(ctl.home, 'fail.xml');
    await writeFile(file, freestyleXml({ command: 'exit 1' }));
    assert.equal((await steward(['job', 'create', 'fail', '--file', file], ctl.s.url)).code, 0);
    const r = await steward(['build', 'start', 'fail', '--wait'], ctl.s.url);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /fail #1: FAILURE/);
  });

  test('build stop aborts a running build', async () => {
    const file = path.join(ctl.home, 'slow.xml');
    await writeFile(file, freestyleXml({ command: 'echo go; sleep 60' }));
    assert.equal((await steward(['job', 'create', 'slow', '--file', file], ctl.s.url)).code, 0);
    const follower = steward(['build', 'start', 'slow', '--follow'], ctl.s.url);
    await eventually(async () => {
      const b = await ctl.s.fetch('job/slow/1/consoleText');
      return b.status === 200 && (await b.text()).includes('go') ? true : undefined;
    }, 'the slow build to start');
    const stop = await steward(['build', 'stop', 'slow', '1'], ctl.s.url);
    assert.equal(stop.code, 0, stop.stderr);
    const r = await follower;
    assert.equal(r.code, 1);
    assert.match(r.stdout, /Aborted by/);
    assert.match(r.stdout, /Finished: ABORTED/);
  });

  test('a bad parameter and an unknown job are clear errors', async () => {
    const bad = await steward(['build', 'start', 'hello', '-p', 'NOPE=1'], ctl.s.url);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /no parameter named NOPE/);
    const unknown = await steward(['build', 'start', 'ghost'], ctl.s.url);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /no job named "ghost"/);
  });

  test('a client that cannot reach the controller says so', async () => {
    const r = await steward(['job', 'list'], 'http://127.0.0.1:1/');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /cannot reach the controller at http:\/\/127\.0\.0\.1:1\//);
  });
});
