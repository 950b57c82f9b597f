import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { STEWARD_BIN, adminPassword, eventually, freestyleXml, stringParam, useController } from '../support/steward-process.js';

/** Runs the steward command; as the fixture's admin (STEWARD_USER/STEWARD_TOKEN) unless `env` says otherwise. */
function steward(args: string[], url: string, env: Record<string, string | undefined> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const all: NodeJS.ProcessEnv = { ...process.env, STEWARD_USER: 'admin', STEWARD_TOKEN: token, ...env };
    for (const [k, v] of Object.entries(all)) if (v === undefined) delete all[k];
    const child = spawn(process.execPath, [STEWARD_BIN, ...args, '--url', url], { stdio: ['ignore', 'pipe', 'pipe'], env: all });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let token = '';

describe('the steward command against a running controller', () => {
  const ctl = useController();
  before(() => {
    token = ctl.s.adminToken ?? '';
  });

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

  test('job create says when no node has the label of the job it created', async () => {
    const file = path.join(ctl.home, 'gpu.xml');
    await writeFile(file, freestyleXml({ command: 'true', assignedNode: 'gpu' }));
    const created = await steward(['job', 'create', 'render', '--file', file], ctl.s.url);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout, 'created job render\n');
    assert.equal(
      created.stderr,
      "warning: job render: there are no nodes with the label 'gpu'; its builds will wait in the queue until a node with that label is added\n",
    );
  });

  test('job create says what of the job will not run here, and how each is treated', async () => {
    // A real seed job (fixtures/jenkins-jobs/README.md names its source).
    const file = path.join(import.meta.dirname, 'fixtures', 'jenkins-jobs', 'seed-on-master.xml');
    const created = await steward(['job', 'create', 'seed', '--file', file], ctl.s.url);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout, 'created job seed\n');
    assert.match(
      created.stderr,
      /^warning: fails-build: builder javaposse\.jobdsl\.plugin\.ExecuteDslScripts \(plugin job-dsl\): this build step is not installed here: builds fail before any step runs$/m,
    );
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

  test('credentials: --auth @FILE with a password makes a token, which then works; without any, 401 says how to log in', async () => {
    const file = path.join(ctl.home, 'admin-credentials');
    await writeFile(file, `admin:${await adminPassword(ctl.home)}\n`, { mode: 0o600 });
    const made = await steward(['token', 'create', 'ci', '--auth', `@${file}`], ctl.s.url, { STEWARD_USER: undefined, STEWARD_TOKEN: undefined });
    assert.equal(made.code, 0, made.stderr);
    const fresh = made.stdout.trim();
    assert.match(fresh, /^11[0-9a-f]{32}$/);
    const listed = await steward(['token', 'list', '--auth', `admin:${fresh}`], ctl.s.url, { STEWARD_USER: undefined, STEWARD_TOKEN: undefined });
    assert.match(listed.stdout, /\tci$/m);
    assert.ok(!listed.stdout.includes(fresh));
    const anonymous = await steward(['job', 'list'], ctl.s.url, { STEWARD_USER: undefined, STEWARD_TOKEN: undefined });
    assert.notEqual(anonymous.code, 0);
    assert.match(anonymous.stderr, /401 anonymous is missing the Overall\/Read permission \(give --auth USER:TOKEN, or set STEWARD_USER and STEWARD_TOKEN\)/);
    const uuid = /^(\S+)\t.*\tci$/m.exec(listed.stdout)?.[1] ?? '';
    const revoked = await steward(['token', 'revoke', uuid, '--auth', `admin:${fresh}`], ctl.s.url, { STEWARD_USER: undefined, STEWARD_TOKEN: undefined });
    assert.equal(revoked.code, 0, revoked.stderr);
    const after = await steward(['job', 'list', '--auth', `admin:${fresh}`], ctl.s.url, { STEWARD_USER: undefined, STEWARD_TOKEN: undefined });
    assert.match(after.stderr, /401 Invalid password\/token for user: admin/);
  });

  test('users: create with a password file, list, log in as them, change the password, delete', async () => {
    const file = path.join(ctl.home, 'bob-password');
    await writeFile(file, 'bob-first-pass\n', { mode: 0o600 });
    const created = await steward(['user', 'create', 'bob', '--password-file', file, '--full-name', 'Bob Builder'], ctl.s.url);
    assert.equal(created.code, 0, created.stderr);
    const listed = await steward(['user', 'list'], ctl.s.url);
    assert.match(listed.stdout, /^admin\tadmin$/m);
    assert.match(listed.stdout, /^bob\tBob Builder$/m);
    const asBob = { STEWARD_USER: undefined, STEWARD_TOKEN: undefined };
    const token = await steward(['token', 'create', 'bobs', '--auth', 'bob:bob-first-pass'], ctl.s.url, asBob);
    assert.equal(token.code, 0, token.stderr);
    await writeFile(file, 'bob-second-pass\n');
    const changed = await steward(['user', 'password', 'bob', '--password-file', file, '--auth', 'bob:bob-first-pass'], ctl.s.url, asBob);
    assert.equal(changed.code, 0, changed.stderr);
    const old = await steward(['job', 'list', '--auth', 'bob:bob-first-pass'], ctl.s.url, asBob);
    assert.match(old.stderr, /401 Invalid password\/token for user: bob/);
    assert.equal((await steward(['job', 'list', '--auth', 'bob:bob-second-pass'], ctl.s.url, asBob)).code, 0);
    const own = await steward(['user', 'delete', 'admin'], ctl.s.url);
    assert.match(own.stderr, /admin cannot delete their own account/);
    const deleted = await steward(['user', 'delete', 'bob'], ctl.s.url);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.doesNotMatch((await steward(['user', 'list'], ctl.s.url)).stdout, /bob/);
    const gone = await steward(['job', 'list', '--auth', `bob:${token.stdout.trim()}`], ctl.s.url, asBob);
    assert.match(gone.stderr, /401/, "a deleted user's token no longer works");
  });

  test('a client that cannot reach the controller says so', async () => {
    const r = await steward(['job', 'list'], 'http://127.0.0.1:1/');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /cannot reach the controller at http:\/\/127\.0\.0\.1:1\//);
  });
});
