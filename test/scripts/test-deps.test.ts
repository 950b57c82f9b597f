/**
 * scripts/test-deps.sh, which `npm test` runs first: what it does when a tool the tests run is
 * missing. A tool is made to look missing by a PATH of its own (a folder of links to the real
 * tools, all but `etcd`); nothing is installed or removed. apt-get, where the script may call it,
 * is a stand-in that records its arguments.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { REPO, tempDir } from '../support/steward-process.js';

const SCRIPT = path.join(REPO, 'scripts', 'test-deps.sh');
const isRoot = process.getuid?.() === 0;
/** `nobody`, to run the script as a user other than root. */
const NOBODY = ['/usr/bin/setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];

/** The real location of a command on this process's PATH. */
function which(name: string): string {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = path.join(dir, name);
    if (dir !== '' && existsSync(p)) return realpathSync(p);
  }
  throw new Error(`${name} is not on PATH`);
}

/** A folder of links to the given commands, to be a PATH on its own; with `aptGet`, a recording apt-get. */
function pathWith(dir: string, commands: string[], aptGet: boolean): { path: string; aptGetCalls: () => string[] } {
  const bin = path.join(dir, 'bin');
  const calls = path.join(dir, 'apt-get-calls');
  mkdirSync(bin, { mode: 0o755 });
  for (const c of commands) symlinkSync(which(c), path.join(bin, c));
  if (aptGet) {
    writeFileSync(path.join(bin, 'apt-get'), `#!/bin/sh\necho "$*" >> ${calls}\n`, { mode: 0o755 });
  }
  chmodSync(dir, 0o755);
  return { path: bin, aptGetCalls: () => (existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : []) };
}

function run(command: string[], env: Record<string, string>, input?: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0] as string, command.slice(1), { cwd: '/', env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out }));
    child.stdin.end(input);
  });
}

/** The tools the script looks for on PATH, but etcd. */
const ALL_BUT_ETCD = ['git', 'pkill', 'redis-server', 'ssh-keygen'];

describe('scripts/test-deps.sh, run before the tests', () => {
  test('with every tool there it exits 0 and installs nothing', async () => {
    await using dir = await tempDir();
    const p = pathWith(dir.dir, [...ALL_BUT_ETCD, 'etcd'], true);
    const r = await run(['/bin/bash', '-s'], { PATH: p.path }, readFileSync(SCRIPT, 'utf8'));
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(p.aptGetCalls(), []);
  });

  test('run by a user other than root, a missing etcd stops it at once with the one command that installs it', async () => {
    await using dir = await tempDir();
    const p = pathWith(dir.dir, ALL_BUT_ETCD, true);
    // The script comes on standard input: nobody may not be able to read the checkout.
    const r = await run([...(isRoot ? NOBODY : []), '/bin/bash', '-s'], { PATH: p.path }, readFileSync(SCRIPT, 'utf8'));
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /^sudo apt-get install -y etcd-server$/m);
    assert.doesNotMatch(r.out, /redis-server:/, 'only what is missing is named');
    assert.deepEqual(p.aptGetCalls(), [], 'apt-get is not run');
  });

  test('run by root where apt-get is, it updates the package lists and installs what is missing', { skip: isRoot ? false : 'needs root' }, async () => {
    await using dir = await tempDir();
    const p = pathWith(dir.dir, ALL_BUT_ETCD, true);
    const r = await run(['/bin/bash', '-s'], { PATH: p.path }, readFileSync(SCRIPT, 'utf8'));
    assert.deepEqual(p.aptGetCalls(), ['update -qq', 'install -y -qq etcd-server']);
    // The stand-in installed nothing, and the script says so.
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /still missing after apt-get install/);
  });

  // npm runs `pretest` before `test` and stops when it fails; `npm test` itself is not run here, so
  // that a broken pretest cannot start the whole suite from inside it.
  test('npm test stops in its pretest, before any test runs, naming the missing package', async () => {
    await using dir = await tempDir();
    const p = pathWith(dir.dir, [...ALL_BUT_ETCD, 'node', 'npm', 'sh', 'bash'], false);
    const r = await run(['npm', 'run', 'pretest', '--prefix', REPO], { PATH: p.path, HOME: dir.dir, npm_config_cache: path.join(dir.dir, 'npm-cache') });
    assert.notEqual(r.code, 0, r.out);
    assert.match(r.out, /etcd-server/);
  });
});
