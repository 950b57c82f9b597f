import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, lstat, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile, mkdir as fsMkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';

import { pino } from 'pino';

import { StewardError, isStewardError } from '../../src/errors/index.js';
import { HomeStore, type Fence } from '../../src/home/index.js';

/** A fence a test can open and shut, counting how often it was asked. */
class SwitchFence implements Fence {
  open = true;
  checks = 0;
  /** When set, the fence shuts itself at the check with this number (1-based). */
  shutAtCheck: number | undefined;

  assertWritable(): Promise<void> {
    this.checks += 1;
    if (this.shutAtCheck !== undefined && this.checks >= this.shutAtCheck) this.open = false;
    return this.open
      ? Promise.resolve()
      : Promise.reject(new StewardError('STW_HOME_FENCED', 'fenced by the test'));
  }

  /** When set, the lease counts as lost from the synchronous check with this number on (1-based). */
  lostAtHeldCheck: number | undefined;
  heldChecks = 0;

  assertHeld(): void {
    this.heldChecks += 1;
    if (this.lostAtHeldCheck !== undefined && this.heldChecks >= this.lostAtHeldCheck) {
      throw new StewardError('STW_LEASE_LOST', 'the lease is lost in the test');
    }
  }
}

const logger = pino({ level: 'silent' });

void describe('home store', () => {
  let root: string;
  let fence: SwitchFence;
  let store: HomeStore;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'steward-home-'));
    fence = new SwitchFence();
    store = new HomeStore({ root, fence, logger });
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  void test('resolve maps relative paths into the home and refuses ../ and absolute paths', () => {
    assert.equal(store.resolve('jobs/a/config.xml'), join(root, 'jobs/a/config.xml'));
    assert.equal(store.resolve('jobs/../config.xml'), join(root, 'config.xml'));
    assert.equal(store.resolve('..hidden'), join(root, '..hidden'));
    for (const bad of ['../x', 'jobs/../../x', '..', '/etc/passwd', join(root, 'config.xml'), 'a\0b']) {
      assert.throws(() => store.resolve(bad), (err) => isStewardError(err, 'STW_HOME_IO'), bad);
    }
  });

  void test('writes outside the home are refused before the fence or the disk is touched', async () => {
    await assert.rejects(store.writeAtomic('../escape.txt', 'x'), (err) => isStewardError(err, 'STW_HOME_IO'));
    await assert.rejects(store.remove(''), (err) => isStewardError(err, 'STW_HOME_IO'));
    assert.equal(fence.checks, 0);
  });

  void test('writeAtomic creates missing folders and replaces content', async () => {
    await store.writeAtomic('jobs/a/config.xml', '<project>1</project>');
    assert.equal(await store.readText('jobs/a/config.xml'), '<project>1</project>');
    await store.writeAtomic('jobs/a/config.xml', Buffer.from('<project>2</project>'));
    assert.equal(await readFile(join(root, 'jobs/a/config.xml'), 'utf8'), '<project>2</project>');
    assert.deepEqual(await readdir(join(root, 'jobs/a')), ['config.xml'], 'no temp file is left');
  });

  void test('a write the fence refuses leaves the old content whole and no temp file', async () => {
    await store.writeAtomic('config.xml', 'old');
    fence.open = false;
    await assert.rejects(store.writeAtomic('config.xml', 'new'), (err) => isStewardError(err, 'STW_HOME_FENCED'));
    await assert.rejects(store.writeAtomic('jobs/b/config.xml', 'new'), (err) => isStewardError(err, 'STW_HOME_FENCED'));
    assert.equal(await store.readText('config.xml'), 'old');
    assert.deepEqual(await readdir(root), ['config.xml'], 'neither temp file nor folder was created');
  });

  void test('a takeover while the new content is being written stops it before it replaces the old', async () => {
    await store.writeAtomic('config.xml', 'old');
    fence.checks = 0;
    fence.shutAtCheck = 2; // the first check passes, the one just before the rename refuses
    await assert.rejects(store.writeAtomic('config.xml', 'new'), (err) => isStewardError(err, 'STW_HOME_FENCED'));
    assert.equal(fence.checks, 2);
    assert.equal(await store.readText('config.xml'), 'old');
    assert.deepEqual(await readdir(root), ['config.xml']);
  });

  void test('a lease lost after the last fence check and before the rename stops the write: the check right before it refuses', async () => {
    await store.writeAtomic('config.xml', 'old');
    fence.heldChecks = 0;
    fence.lostAtHeldCheck = 1; // every asynchronous check passes; the synchronous one refuses
    await assert.rejects(store.writeAtomic('config.xml', 'new'), (err) => isStewardError(err, 'STW_LEASE_LOST'));
    assert.equal(fence.heldChecks, 1);
    assert.equal(await store.readText('config.xml'), 'old');
    assert.deepEqual(await readdir(root), ['config.xml']);
  });

  void test('every kind of write asks the fence and changes nothing when refused', async () => {
    await store.writeAtomic('a/file', 'x');
    fence.open = false;
    const refused = (err: unknown): boolean => isStewardError(err, 'STW_HOME_FENCED');
    await assert.rejects(store.mkdir('b'), refused);
    await assert.rejects(store.remove('a'), refused);
    await assert.rejects(store.rename('a/file', 'a/moved'), refused);
    await assert.rejects(store.openAppend('a/log'), refused);
    assert.deepEqual(await readdir(root), ['a']);
    assert.deepEqual(await readdir(join(root, 'a')), ['file']);
  });

  void test('concurrent writes to one path apply in call order and never mix', async () => {
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 20; i += 1) writes.push(store.writeAtomic('nextBuildNumber', `${i}\n`.repeat(1000)));
    await Promise.all(writes);
    assert.equal(await store.readText('nextBuildNumber'), '19\n'.repeat(1000));
    assert.deepEqual(await readdir(root), ['nextBuildNumber']);
  });

  void test('a failed write rejects with STW_HOME_IO naming the relative path, and later writes still run', async () => {
    await fsMkdir(join(root, 'jobs/x/config.xml'), { recursive: true }); // a folder where a file is wanted
    const failed = store.writeAtomic('jobs/x/config.xml', 'secret-content');
    const next = store.writeAtomic('jobs/x/other.xml', 'fine');
    await assert.rejects(failed, (err) => {
      assert.ok(isStewardError(err, 'STW_HOME_IO'));
      assert.match(err.message, /jobs\/x\/config\.xml/);
      assert.doesNotMatch(err.message, /secret-content/);
      assert.equal(err.file, 'jobs/x/config.xml');
      return true;
    });
    await next;
    assert.deepEqual((await readdir(join(root, 'jobs/x'))).sort(), ['config.xml', 'other.xml']);
  });

  void test('a temp file left by a killed writer does not disturb reads, listings or the next write', async () => {
    await store.writeAtomic('jobs/a/config.xml', '<project>whole</project>');
    // What a writer killed between write and rename leaves behind: a partial temp file.
    await writeFile(join(root, 'jobs/a/.config.xml.tmp-0123456789ab'), '<proj');
    assert.equal(await store.readText('jobs/a/config.xml'), '<project>whole</project>');
    assert.deepEqual(await store.listDir('jobs/a'), ['config.xml']);
    await store.writeAtomic('jobs/a/config.xml', '<project>next</project>');
    assert.equal(await store.readText('jobs/a/config.xml'), '<project>next</project>');
  });

  void test('reads report missing files as undefined, false or empty', async () => {
    assert.equal(await store.readText('nope.xml'), undefined);
    assert.equal(await store.readBytes('nope.log'), undefined);
    assert.equal(await store.size('nope.log'), undefined);
    assert.equal(await store.exists('nope.log'), false);
    assert.deepEqual(await store.listDir('jobs'), []);
    await store.writeAtomic('file', 'x');
    assert.equal(await store.readText('file/below'), undefined, 'a file as parent reads as missing');
    assert.equal(fence.checks, 2, 'only the write asked the fence (before it started and before it published)');
  });

  void test('listDir returns the sorted names of a folder', async () => {
    await store.writeAtomic('jobs/b/config.xml', 'b');
    await store.writeAtomic('jobs/a/config.xml', 'a');
    await store.writeAtomic('jobs/c.txt', 'c');
    assert.deepEqual(await store.listDir('jobs'), ['a', 'b', 'c.txt']);
    assert.equal(await store.exists('jobs/a'), true);
  });

  void test('readBytes returns byte ranges clamped to the file', async () => {
    await store.writeAtomic('jobs/a/builds/1/log', 'hello, world');
    assert.equal(String(await store.readBytes('jobs/a/builds/1/log')), 'hello, world');
    assert.equal(String(await store.readBytes('jobs/a/builds/1/log', 7)), 'world');
    assert.equal(String(await store.readBytes('jobs/a/builds/1/log', 0, 5)), 'hello');
    assert.equal(String(await store.readBytes('jobs/a/builds/1/log', 7, 100)), 'world');
    assert.equal((await store.readBytes('jobs/a/builds/1/log', 50))?.length, 0);
    assert.equal((await store.readBytes('jobs/a/builds/1/log', 5, 3))?.length, 0);
    assert.equal(await store.size('jobs/a/builds/1/log'), 12);
    await assert.rejects(store.readBytes('jobs/a/builds/1/log', -1), (err) => isStewardError(err, 'STW_HOME_IO'));
  });

  void test('files under secrets/ are 0600 in 0700 folders unless a mode is given', async () => {
    await store.writeAtomic('secrets/master.key', 'k');
    await store.writeAtomic('secrets/nested/initialAdminPassword', 'p');
    await store.writeAtomic('config.xml', 'c', { mode: 0o640 });
    assert.equal((await stat(join(root, 'secrets'))).mode & 0o777, 0o700);
    assert.equal((await stat(join(root, 'secrets/nested'))).mode & 0o777, 0o700);
    assert.equal((await stat(join(root, 'secrets/master.key'))).mode & 0o777, 0o600);
    assert.equal((await stat(join(root, 'secrets/nested/initialAdminPassword'))).mode & 0o777, 0o600);
    assert.equal((await stat(join(root, 'config.xml'))).mode & 0o777, 0o640);
    await store.mkdir('secrets/other');
    assert.equal((await stat(join(root, 'secrets/other'))).mode & 0o777, 0o700);
  });

  void test('users/, logs/, credentials.xml and queue.xml are private like secrets/, also when rewritten', async () => {
    await store.writeAtomic('users/users.xml', 'u');
    await store.writeAtomic('credentials.xml', 'c');
    await store.writeAtomic('queue.xml', 'q1');
    await store.writeAtomic('queue.xml', 'q2');
    const log = await store.openAppend('logs/audit.log');
    await log.close();
    for (const dir of ['users', 'logs']) assert.equal((await stat(join(root, dir))).mode & 0o777, 0o700, dir);
    for (const file of ['users/users.xml', 'credentials.xml', 'queue.xml', 'logs/audit.log']) {
      assert.equal((await stat(join(root, file))).mode & 0o777, 0o600, file);
    }
  });

  void test('protectPrivatePaths closes what an older home left open to other users, and nothing else', async () => {
    await fsMkdir(join(root, 'secrets'), { mode: 0o755 });
    await fsMkdir(join(root, 'users/admin_1'), { recursive: true, mode: 0o755 });
    await writeFile(join(root, 'credentials.xml'), 'c', { mode: 0o644 });
    await writeFile(join(root, 'queue.xml'), 'q', { mode: 0o644 });
    await writeFile(join(root, 'config.xml'), 'g', { mode: 0o644 });
    const changed = await store.protectPrivatePaths();
    assert.deepEqual(changed.sort(), ['credentials.xml', 'queue.xml', 'secrets', 'users']);
    assert.equal((await stat(join(root, 'secrets'))).mode & 0o777, 0o700);
    assert.equal((await stat(join(root, 'users'))).mode & 0o777, 0o700);
    assert.equal((await stat(join(root, 'credentials.xml'))).mode & 0o777, 0o600);
    assert.equal((await stat(join(root, 'queue.xml'))).mode & 0o777, 0o600);
    assert.equal((await stat(join(root, 'config.xml'))).mode & 0o777, 0o644);
    assert.deepEqual(await store.protectPrivatePaths(), []);
    fence.open = false;
    await fsMkdir(join(root, 'logs'), { mode: 0o755 });
    await assert.rejects(store.protectPrivatePaths(), (err) => isStewardError(err, 'STW_HOME_FENCED'));
    assert.equal((await stat(join(root, 'logs'))).mode & 0o777, 0o755);
  });

  void test('handOver gives a folder and its content to a user, lets others pass through the folders above, and never follows a link', async () => {
    // Only root can give files away; another user can hand a folder over to itself.
    const owner = process.getuid?.() === 0 ? { uid: 4242, gid: 4243 } : { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
    await fsMkdir(join(root, 'workspace/job/sub'), { recursive: true, mode: 0o700 });
    await writeFile(join(root, 'workspace/job/sub/file'), 'f');
    await writeFile(join(root, 'config.xml'), 'c');
    await symlink(join(root, 'config.xml'), join(root, 'workspace/job/link'));
    await chmod(root, 0o700);
    await store.handOver('workspace/job', owner);
    for (const p of ['workspace/job', 'workspace/job/sub', 'workspace/job/sub/file', 'workspace/job/link']) {
      const st = await lstat(join(root, p));
      assert.deepEqual([st.uid, st.gid], [owner.uid, owner.gid], p);
    }
    const config = await stat(join(root, 'config.xml'));
    assert.deepEqual([config.uid, config.gid], [process.getuid?.() ?? 0, process.getgid?.() ?? 0]);
    assert.equal((await stat(root)).mode & 0o777, 0o701);
    assert.equal((await stat(join(root, 'workspace'))).mode & 0o001, 0o001);
    await assert.rejects(store.handOver('', owner), (err) => isStewardError(err, 'STW_HOME_IO'));
  });

  void test(
    'handOver changes nothing outside the folder while a process of its previous owner swaps folders in it for links',
    { skip: process.getuid?.() === 0 ? false : 'needs root, to give files away' },
    async () => {
      const previous = { uid: 4242, gid: 4243 };
      const next = { uid: 4244, gid: 4245 };
      await fsMkdir(join(root, 'secrets'), { mode: 0o700 });
      await writeFile(join(root, 'secrets/key'), 'k');
      for (let i = 0; i < 20; i++) {
        await fsMkdir(join(root, `workspace/job/d${i}`), { recursive: true });
        await writeFile(join(root, `workspace/job/d${i}/key`), 'mine');
      }
      await store.handOver('workspace/job', previous);
      const swap =
        'for my $i (0..19) { symlink $ARGV[0], "l$i" } ' +
        'while (1) { for my $i (0..19) { rename "d$i", "r$i"; rename "l$i", "d$i"; rename "d$i", "l$i"; rename "r$i", "d$i" } }';
      const swapper = spawn('perl', ['-e', swap, join(root, 'secrets')], { cwd: join(root, 'workspace/job'), ...previous, stdio: 'ignore' });
      const exited = once(swapper, 'exit');
      try {
        for (let round = 0; round < 40; round++) {
          await store.handOver('workspace/job', round % 2 === 0 ? next : previous);
          for (const p of ['secrets', 'secrets/key']) assert.equal((await lstat(join(root, p))).uid, 0, `${p} after round ${round}`);
        }
      } finally {
        swapper.kill('SIGKILL');
        await exited;
      }
    },
  );

  void test('remove deletes folders recursively and ignores missing paths', async () => {
    await store.writeAtomic('jobs/a/builds/1/build.xml', 'x');
    await store.remove('jobs/a/builds');
    assert.deepEqual(await store.listDir('jobs/a'), []);
    await store.remove('jobs/a/builds');
    await store.remove('never/was');
  });

  void test('rename moves files and folders, creating the target folder', async () => {
    await store.writeAtomic('jobs/old/config.xml', 'x');
    await store.rename('jobs/old', 'jobs/new');
    assert.equal(await store.readText('jobs/new/config.xml'), 'x');
    assert.equal(await store.exists('jobs/old'), false);
    await store.rename('jobs/new/config.xml', 'archive/deep/config.xml');
    assert.equal(await store.readText('archive/deep/config.xml'), 'x');
    await assert.rejects(store.rename('missing', 'other'), (err) => isStewardError(err, 'STW_HOME_IO'));
  });
});
