import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { isStewardError } from '../../src/errors/index.js';
import { acquireFileLease, readFileLeaseHolder, type LeaseHolder } from '../../src/ha/index.js';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const holdScript = fileURLToPath(new URL('../support/hold-file-lease.ts', import.meta.url));

const holder: LeaseHolder = {
  host: hostname(),
  pid: process.pid,
  instanceId: 'test-instance',
  startedAt: '2026-01-02T03:04:05.000Z',
};

/** A lease holder in a real second process; `stop()` makes sure it is gone. */
async function startHolder(lock: string): Promise<{ child: ChildProcess; epoch: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', holdScript, lock], {
    cwd: projectRoot,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  let out = '';
  for await (const chunk of child.stdout!) {
    out += String(chunk);
    if (out.includes('\n')) break;
  }
  const line = JSON.parse(out.slice(0, out.indexOf('\n'))) as { epoch?: number; error?: string };
  if (line.epoch === undefined) {
    await stop();
    throw new Error(`the holder process could not acquire the lease: ${line.error}`);
  }
  return { child, epoch: line.epoch, stop };
}

void describe('file lease', () => {
  let dir: string;
  let lock: string;
  let n = 0;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'steward-lease-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // Each test gets a lock file of its own, in a folder that does not exist yet.
  const freshLock = (): string => {
    n += 1;
    lock = join(dir, `home-${n}`, '.steward', 'lock');
    return lock;
  };

  void test('acquiring creates the lock file 0600 with its folder, and release keeps the file', async () => {
    const path = freshLock();
    const lease = await acquireFileLease({ path, holder });
    assert.equal(lease.held, true);
    assert.equal(lease.epoch, 1);
    assert.deepEqual(lease.holder, holder);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal((await stat(`${path}.state`)).mode & 0o777, 0o600);

    await lease.release();
    await lease.release(); // idempotent
    assert.equal(lease.held, false);
    assert.ok((await stat(path)).isFile(), 'the lock file survives release');
  });

  void test('epochs only grow across acquisitions and are recorded with the holder', async () => {
    const path = freshLock();
    const epochs: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const lease = await acquireFileLease({ path, holder });
      epochs.push(lease.epoch);
      await lease.release();
    }
    assert.deepEqual(epochs, [1, 2, 3, 4]);
    assert.deepEqual(await readFileLeaseHolder(path), { epoch: 4, holder });
  });

  void test('a new lock file starts above the epoch floor (the home fenced by a larger epoch), then grows from its own state', async () => {
    const path = freshLock();
    const first = await acquireFileLease({ path, holder, epochFloor: async () => 41 });
    assert.equal(first.epoch, 42);
    await first.release();
    const second = await acquireFileLease({ path, holder, epochFloor: async () => 41 });
    assert.equal(second.epoch, 43);
    await second.release();
  });

  void test('a second acquire in the same process fails naming the holder, and succeeds after release', async () => {
    const path = freshLock();
    const first = await acquireFileLease({ path, holder });
    try {
      await assert.rejects(acquireFileLease({ path, holder: { ...holder, instanceId: 'other' } }), (err) => {
        assert.ok(isStewardError(err, 'STW_HOME_LOCKED'));
        assert.match(err.message, new RegExp(`pid ${process.pid}\\b`));
        assert.match(err.message, /started 2026-01-02T03:04:05.000Z/);
        assert.match(err.message, /stop that controller first/);
        return true;
      });
      assert.equal(first.held, true, 'the failed attempt did not disturb the holder');
    } finally {
      await first.release();
    }
    const second = await acquireFileLease({ path, holder });
    assert.equal(second.epoch, first.epoch + 1);
    await second.release();
  });

  void test('a lease held by another process is refused naming its pid, and is free once that process is killed', async () => {
    const path = freshLock();
    const other = await startHolder(path);
    try {
      await assert.rejects(acquireFileLease({ path, holder }), (err) => {
        assert.ok(isStewardError(err, 'STW_HOME_LOCKED'));
        assert.match(err.message, new RegExp(`pid ${other.child.pid}\\b`));
        assert.match(err.message, new RegExp(`host ${hostname()}`));
        return true;
      });
      other.child.kill('SIGKILL');
      await once(other.child, 'exit');
      const lease = await acquireFileLease({ path, holder });
      assert.ok(lease.epoch > other.epoch, `epoch ${lease.epoch} > ${other.epoch}`);
      await lease.release();
    } finally {
      await other.stop();
    }
  });

  void test('a waiting acquire gets the lease when the other process releases it', async () => {
    const path = freshLock();
    const other = await startHolder(path);
    try {
      const waiting = acquireFileLease({ path, holder, wait: true, timeoutMs: 20_000, pollMs: 20 });
      await new Promise((resolve) => setTimeout(resolve, 100));
      other.child.stdin!.end(); // the holder releases and exits
      const lease = await waiting;
      assert.equal(lease.epoch, other.epoch + 1);
      await lease.release();
    } finally {
      await other.stop();
    }
  });

  void test('a waiting acquire gives up after its timeout and says how long it waited', async () => {
    const path = freshLock();
    const first = await acquireFileLease({ path, holder });
    try {
      const started = Date.now();
      await assert.rejects(acquireFileLease({ path, holder, wait: true, timeoutMs: 300, pollMs: 50 }), (err) => {
        assert.ok(isStewardError(err, 'STW_HOME_LOCKED'));
        assert.match(err.message, /waited \d+\.\d s for the lease/);
        assert.match(err.message, new RegExp(`pid ${process.pid}\\b`));
        return true;
      });
      assert.ok(Date.now() - started >= 290);
    } finally {
      await first.release();
    }
  });

  void test('aborting a waiting acquire rejects with the abort reason', async () => {
    const path = freshLock();
    const first = await acquireFileLease({ path, holder });
    try {
      const controller = new AbortController();
      const waiting = acquireFileLease({ path, holder, wait: true, signal: controller.signal, pollMs: 20 });
      setTimeout(() => controller.abort(new Error('shutting down')), 50);
      await assert.rejects(waiting, /shutting down/);
    } finally {
      await first.release();
    }
    const again = await acquireFileLease({ path, holder });
    assert.equal(again.epoch, 2, 'the aborted waiter took no epoch');
    await again.release();
  });

  void test('the holder is reported as unknown when the state file is missing', async () => {
    const path = freshLock();
    const first = await acquireFileLease({ path, holder });
    try {
      await unlink(`${path}.state`);
      assert.equal(await readFileLeaseHolder(path), undefined);
      await assert.rejects(acquireFileLease({ path, holder }), (err) => {
        assert.ok(isStewardError(err, 'STW_HOME_LOCKED'));
        assert.match(err.message, /holder unknown/);
        return true;
      });
    } finally {
      await first.release();
    }
  });

  void test('a damaged state file stops acquisition instead of reusing an epoch, and frees the lock', async () => {
    const path = freshLock();
    const first = await acquireFileLease({ path, holder });
    await first.release();
    await writeFile(`${path}.state`, '{"epoch": ');
    await assert.rejects(acquireFileLease({ path, holder }), (err) => {
      assert.ok(isStewardError(err, 'STW_HOME_IO'));
      assert.match(err.message, /damaged/);
      return true;
    });
    await writeFile(`${path}.state`, '{"epoch": 7}');
    const lease = await acquireFileLease({ path, holder });
    assert.equal(lease.epoch, 8);
    await lease.release();
    assert.equal(JSON.parse(await readFile(`${path}.state`, 'utf8')).epoch, 8);
  });
});
