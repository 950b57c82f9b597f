import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';

import { pino } from 'pino';

import { isStewardError } from '../../src/errors/index.js';
import { HomeStore, type Fence, type HomeHealth } from '../../src/home/index.js';
import { SmallDisk } from '../support/small-disk.js';

const logger = pino({ level: 'silent' });
const open: Fence = { assertWritable: () => Promise.resolve(), assertHeld: () => undefined };

void describe('a home whose disk is full', () => {
  let disk: SmallDisk;
  let store: HomeStore;
  let heard: HomeHealth[];

  before(async () => {
    disk = await SmallDisk.mount(2 * 1024 * 1024);
  });
  after(async () => {
    await disk?.[Symbol.asyncDispose]();
  });
  beforeEach(async () => {
    await disk.free();
    const root = disk.home(`home-${Date.now()}-${Math.random().toString(16).slice(2)}`);
    store = new HomeStore({ root, fence: open, logger });
    heard = [];
    store.onHealthChange((h) => heard.push(h));
  });

  void test('a write fails with STW_HOME_FULL naming the file, the old file stays whole and no temporary file is left', async () => {
    await store.writeAtomic('jobs/a/config.xml', 'old content\n');
    await disk.fill();
    const big = 'x'.repeat(256 * 1024);
    await assert.rejects(store.writeAtomic('jobs/a/config.xml', big), (err) => {
      assert.ok(isStewardError(err, 'STW_HOME_FULL'), String(err));
      assert.equal(err.file, 'jobs/a/config.xml');
      assert.match(err.message, /could not write jobs\/a\/config\.xml in the home: the home's disk is full \(ENOSPC/);
      return true;
    });
    assert.equal(await readFile(store.resolve('jobs/a/config.xml'), 'utf8'), 'old content\n');
    assert.deepEqual(await readdir(store.resolve('jobs/a')), ['config.xml']);
    assert.equal(store.health.writable, false);
    assert.equal(heard.length, 1);
    assert.equal(heard[0]?.writable === false && heard[0].trouble, 'full');

    await disk.free();
    await store.checkWritable();
    assert.equal(store.health.writable, true);
    assert.deepEqual(heard.map((h) => h.writable), [false, true]);
    await store.writeAtomic('jobs/a/config.xml', big);
    assert.equal((await readFile(store.resolve('jobs/a/config.xml'), 'utf8')).length, big.length);
  });

  void test('an append the disk takes only part of is cut back off the log, and the log fails for good', async () => {
    const log = await store.openAppend('jobs/a/builds/1/log');
    await log.write('Started by user admin\n');
    // Room for a little of the next chunk, not all of it.
    await disk.fill(16 * 1024);
    await assert.rejects(log.write(Buffer.alloc(512 * 1024, 0x62)), (err) => isStewardError(err, 'STW_HOME_FULL'));
    assert.equal(await readFile(store.resolve('jobs/a/builds/1/log'), 'utf8'), 'Started by user admin\n');
    assert.equal(log.size, 'Started by user admin\n'.length);
    assert.equal(store.health.writable, false);
    // A console log has no holes: once a write failed, the later ones fail too, space or not.
    await disk.free();
    await assert.rejects(log.write('more\n'), (err) => isStewardError(err, 'STW_HOME_FULL'));
    await assert.rejects(log.close(), (err) => isStewardError(err, 'STW_HOME_FULL'));
    assert.equal(await readFile(store.resolve('jobs/a/builds/1/log'), 'utf8'), 'Started by user admin\n');
  });

  void test('a rotating log of whole records loses the record the disk refused, keeps every line whole, and goes on once there is room', async () => {
    const log = await store.openRotating('logs/audit.log', { maxBytes: 1024 * 1024, files: 2 });
    await log.write('{"event":"first"}\n');
    await disk.fill(8 * 1024);
    const large = `{"event":"large","pad":"${'p'.repeat(256 * 1024)}"}\n`;
    await assert.rejects(log.write(large), (err) => isStewardError(err, 'STW_HOME_FULL'));
    await disk.free();
    await log.write('{"event":"after"}\n');
    await log.close();
    const lines = (await readFile(store.resolve('logs/audit.log'), 'utf8')).split('\n').filter((l) => l !== '');
    assert.deepEqual(lines.map((l) => (JSON.parse(l) as { event: string }).event), ['first', 'after']);
    assert.equal(store.health.writable, true);
  });

  void test('a write that fails for its own file (not the disk) leaves the health as it was', async () => {
    await mkdir(store.root, { recursive: true });
    await writeFile(join(store.root, 'jobs'), 'a file where a folder should be');
    await assert.rejects(store.writeAtomic('jobs/a/config.xml', 'x'), (err) => isStewardError(err, 'STW_HOME_IO'));
    assert.equal(store.health.writable, true);
    assert.deepEqual(heard, []);
  });
});
