import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';

import { pino } from 'pino';

import { StewardError, isStewardError } from '../../src/errors/index.js';
import { HomeStore, type Fence } from '../../src/home/index.js';

const logger = pino({ level: 'silent' });

void describe('rotating append log', () => {
  let root: string;
  let open: boolean;
  let store: HomeStore;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'steward-rotate-'));
    open = true;
    const fence: Fence = {
      assertHeld: () => undefined,
      assertWritable: () => (open ? Promise.resolve() : Promise.reject(new StewardError('STW_HOME_FENCED', 'fenced by the test'))),
    };
    store = new HomeStore({ root, fence, logger });
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  void test('a log past its size becomes log.1, older ones shift, and the oldest beyond the count is dropped', async () => {
    const log = await store.openRotating('logs/audit.log', { maxBytes: 100, files: 3 });
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 40; i++) writes.push(log.write(`line ${String(i).padStart(2, '0')} ${'x'.repeat(11)}\n`)); // 20 bytes each
    await Promise.all(writes);
    await log.close();
    assert.deepEqual((await readdir(join(root, 'logs'))).sort(), ['audit.log', 'audit.log.1', 'audit.log.2']);
    const text = async (name: string) => readFile(join(root, 'logs', name), 'utf8');
    for (const name of ['audit.log', 'audit.log.1', 'audit.log.2']) assert.ok((await stat(join(root, 'logs', name))).size <= 100, name);
    // Five lines a file: the newest in audit.log, the two before in .1 and .2, the rest dropped.
    assert.match(await text('audit.log'), /^line 35 [^]*line 39 x+\n$/);
    assert.match(await text('audit.log.1'), /^line 30 [^]*line 34 x+\n$/);
    assert.match(await text('audit.log.2'), /^line 25 [^]*line 29 x+\n$/);
  });

  void test('a log that is already past its size when opened is rotated at the first write', async () => {
    await mkdir(join(root, 'logs'));
    await writeFile(join(root, 'logs', 'audit.log'), 'o'.repeat(150));
    const log = await store.openRotating('logs/audit.log', { maxBytes: 100, files: 2 });
    await log.write('new\n');
    await log.close();
    assert.equal(await readFile(join(root, 'logs', 'audit.log'), 'utf8'), 'new\n');
    assert.equal((await stat(join(root, 'logs', 'audit.log.1'))).size, 150);
  });

  void test('a fenced store does not rotate: the files stay as they were and the write fails', async () => {
    const log = await store.openRotating('logs/audit.log', { maxBytes: 10, files: 2 });
    await log.write('0123456789');
    open = false;
    await assert.rejects(log.write('more\n'), (e: unknown) => isStewardError(e, 'STW_HOME_FENCED'));
    open = true;
    await log.close().catch(() => undefined);
    assert.deepEqual(await readdir(join(root, 'logs')), ['audit.log']);
    assert.equal(await readFile(join(root, 'logs', 'audit.log'), 'utf8'), '0123456789');
  });
});
