import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';

import { pino } from 'pino';

import { StewardError, isStewardError } from '../../src/errors/index.js';
import { APPEND_FENCE_CACHE_MS, HomeStore, type Fence } from '../../src/home/index.js';

const logger = pino({ level: 'silent' });

void describe('append log', () => {
  let root: string;
  let open: boolean;
  let checks: number;
  let held: boolean;
  let store: HomeStore;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'steward-log-'));
    open = true;
    checks = 0;
    held = true;
    const fence: Fence = {
      assertHeld: () => {
        if (!held) throw new StewardError('STW_LEASE_LOST', 'the lease is lost in the test');
      },
      assertWritable: () => {
        checks += 1;
        return open ? Promise.resolve() : Promise.reject(new StewardError('STW_HOME_FENCED', 'fenced by the test'));
      },
    };
    store = new HomeStore({ root, fence, logger });
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  void test('writes that are not awaited land in call order and size counts their bytes', async () => {
    const log = await store.openAppend('jobs/a/builds/1/log');
    const writes: Promise<void>[] = [];
    let expected = '';
    for (let i = 0; i < 500; i += 1) {
      const line = `line ${i} ${'é'.repeat(i % 7)}\n`;
      expected += line;
      writes.push(log.write(i % 2 === 0 ? line : Buffer.from(line)));
    }
    await Promise.all(writes);
    assert.equal(log.size, Buffer.byteLength(expected));
    await log.close();
    assert.equal(await readFile(join(root, 'jobs/a/builds/1/log'), 'utf8'), expected);
  });

  void test('reopening continues at the end and size includes what was there', async () => {
    const first = await store.openAppend('log');
    await first.write('hello, ');
    await first.close();
    await first.close(); // idempotent
    const second = await store.openAppend('log');
    assert.equal(second.size, 7);
    await second.write('world');
    await second.sync();
    assert.equal(second.size, 12);
    assert.equal(String(await store.readBytes('log', 7)), 'world');
    await second.close();
  });

  void test('progressive reads follow a growing log by offset', async () => {
    const log = await store.openAppend('log');
    let offset = 0;
    const seen: string[] = [];
    for (const chunk of ['Started by user admin\n', 'Building\n', 'Finished: SUCCESS\n']) {
      await log.write(chunk);
      const bytes = await store.readBytes('log', offset);
      offset += bytes?.length ?? 0;
      seen.push(String(bytes));
    }
    await log.close();
    assert.deepEqual(seen, ['Started by user admin\n', 'Building\n', 'Finished: SUCCESS\n']);
  });

  void test('the fence is asked on open and at most once per cache period while appending', async () => {
    const log = await store.openAppend('log');
    assert.equal(checks, 1);
    await Promise.all(Array.from({ length: 50 }, (_, i) => log.write(`${i}\n`)));
    assert.equal(checks, 1, "the appends within the period share the open's check (the store's logs share one)");
    await new Promise((resolve) => setTimeout(resolve, APPEND_FENCE_CACHE_MS + 20));
    open = false;
    await assert.rejects(log.write('after the takeover\n'), (err) => isStewardError(err, 'STW_HOME_FENCED'));
    await assert.rejects(log.write('and later\n'), (err) => isStewardError(err, 'STW_HOME_FENCED'));
    await assert.rejects(log.close(), (err) => isStewardError(err, 'STW_HOME_FENCED'));
    assert.equal(await store.readText('log'), Array.from({ length: 50 }, (_, i) => `${i}\n`).join(''));
  });

  void test('an append after the lease is lost is refused at once, within the cache period of the epoch file', async () => {
    const log = await store.openAppend('log');
    await log.write('held\n');
    held = false;
    await assert.rejects(log.write('after the loss\n'), (err) => isStewardError(err, 'STW_LEASE_LOST'));
    await assert.rejects(log.close(), (err) => isStewardError(err, 'STW_LEASE_LOST'));
    assert.equal(await store.readText('log'), 'held\n');
  });

  void test('writing to a closed log is refused', async () => {
    const log = await store.openAppend('log');
    await log.close();
    await assert.rejects(log.write('late'), (err) => isStewardError(err, 'STW_HOME_IO'));
  });
});
