import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';

import { pino } from 'pino';

import { StewardError } from '../../src/errors/index.js';
import { HomeStore, openWriteAudit, type Fence, type WriteAudit, type WriteAuditRecord } from '../../src/home/index.js';

const logger = pino({ level: 'silent' });

void describe('the write audit', () => {
  let dir: string;
  let auditFile: string;
  let audit: WriteAudit;
  let epoch: number;
  let open: boolean;
  let store: HomeStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'steward-audit-'));
    auditFile = join(dir, 'writes.jsonl');
    epoch = 7;
    open = true;
    audit = openWriteAudit(auditFile, () => epoch);
    const fence: Fence = {
      assertHeld: () => undefined,
      assertWritable: () => (open ? Promise.resolve() : Promise.reject(new StewardError('STW_HOME_FENCED', 'fenced by the test'))),
    };
    store = new HomeStore({ root: join(dir, 'home'), fence, logger, audit });
  });
  afterEach(async () => {
    audit.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function records(): Promise<WriteAuditRecord[]> {
    const text = await readFile(auditFile, 'utf8');
    return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as WriteAuditRecord);
  }

  test('records each completed write of the home with the epoch at that moment, the pid, the operation and when it ran', async () => {
    const before = Date.now();
    await store.writeAtomic('jobs/a/config.xml', '<project/>');
    const log = await store.openAppend('jobs/a/builds/1/log');
    await log.write('line 1\n');
    epoch = 8;
    await log.write('line 2\n');
    await log.close();
    await store.mkdir('jobs/b');
    await store.rename('jobs/a', 'jobs/c');
    await store.remove('jobs/b');
    const after = Date.now();

    const got = await records();
    assert.deepEqual(
      got.map((r) => [r.epoch, r.op, r.path]),
      [
        [7, 'write', 'jobs/a/config.xml'],
        [7, 'open', 'jobs/a/builds/1/log'],
        [7, 'append', 'jobs/a/builds/1/log'],
        [8, 'append', 'jobs/a/builds/1/log'],
        [8, 'mkdir', 'jobs/b'],
        [8, 'rename', 'jobs/a to jobs/c'],
        [8, 'remove', 'jobs/b'],
      ],
    );
    for (const r of got) {
      assert.equal(r.pid, process.pid);
      assert.ok(r.start <= r.end && r.start >= before - 1 && r.end <= after + 1, `${r.op} ran between ${r.start} and ${r.end}`);
    }
  });

  test('records nothing for a write the fence refused', async () => {
    await store.writeAtomic('config.xml', 'one');
    open = false;
    await assert.rejects(store.writeAtomic('config.xml', 'two'));
    await assert.rejects(store.mkdir('jobs'));
    assert.deepEqual((await records()).map((r) => r.path), ['config.xml']);
  });
});
