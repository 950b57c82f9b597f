import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';

import { pino } from 'pino';

import { StewardError } from '../../src/errors/index.js';
import { HomeStore, type Fence } from '../../src/home/index.js';

/** A fence the test can shut. */
class SwitchFence implements Fence {
  open = true;
  assertWritable(): Promise<void> {
    return this.open ? Promise.resolve() : Promise.reject(new StewardError('STW_HOME_FENCED', 'fenced by the test'));
  }
  assertHeld(): void {
    if (!this.open) throw new StewardError('STW_LEASE_LOST', 'the lease is lost in the test');
  }
}

const logger = pino({ level: 'silent' });
const JOURNAL = '.steward/journal';

async function segments(root: string): Promise<string[]> {
  return (await readdir(join(root, JOURNAL)).catch(() => [])).sort();
}

/** What the journal's segments hold, as the changes of each record. */
async function records(root: string): Promise<unknown[][]> {
  const out: unknown[][] = [];
  for (const name of await segments(root)) {
    for (const line of (await readFile(join(root, JOURNAL, name), 'utf8')).split('\n')) {
      if (line !== '') out.push((JSON.parse(line) as { c: unknown[] }).c);
    }
  }
  return out;
}

void describe("the home's journal", () => {
  let root: string;
  let fence: SwitchFence;
  let store: HomeStore;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'steward-journal-'));
    fence = new SwitchFence();
    // No checkpoint by age during a test unless it asks for one.
    store = new HomeStore({ root, fence, logger, journal: { maxSegmentAgeMs: 60_000 } });
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  void test('commits made in the same moment share one fsync, and their files are written at once', async () => {
    await store.openJournal();
    const before = store.fsyncs;
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.commit([
          { path: `jobs/j${i}/nextBuildNumber`, content: '2\n' },
          { path: `jobs/j${i}/builds/1/build.xml`, content: `<build>${i}</build>` },
        ]),
      ),
    );
    assert.equal(store.fsyncs - before, 1, 'one fsync for twenty builds');
    assert.equal(store.journalCommits, 1);
    assert.equal(await readFile(join(root, 'jobs/j7/builds/1/build.xml'), 'utf8'), '<build>7</build>');
    assert.equal(await readFile(join(root, 'jobs/j19/nextBuildNumber'), 'utf8'), '2\n');
    const held = await records(root);
    assert.equal(held.length, 20, 'one record a commit');
    assert.deepEqual(held[3], [
      { write: 'jobs/j3/nextBuildNumber', content: '2\n' },
      { write: 'jobs/j3/builds/1/build.xml', content: '<build>3</build>' },
    ]);
  });

  void test('a commit made while the last one is being made durable goes out with the next', async () => {
    await store.openJournal();
    const first = store.commit([{ path: 'a', content: '1' }]);
    // Two turns of the event loop: the commit is in the journal's batch after the first, flushing after the second.
    for (let i = 0; i < 2; i++) await new Promise((r) => setImmediate(r));
    // The first is flushing now: these three wait for it, then go out together.
    await Promise.all([first, store.commit([{ path: 'b', content: '1' }]), store.commit([{ path: 'c', content: '1' }]), store.commit([{ path: 'a', content: '2' }])]);
    assert.equal(store.journalCommits, 2);
    assert.equal(await readFile(join(root, 'a'), 'utf8'), '2');
  });

  void test('a checkpoint makes the files durable with one syncfs and removes the segment', async () => {
    await store.commit([{ path: 'jobs/x/builds/1/build.xml', content: 'one' }]);
    assert.equal((await segments(root)).length, 1);
    const journal = await store.openJournal();
    await journal.checkpoint();
    assert.deepEqual(await segments(root), []);
    assert.equal(await readFile(join(root, 'jobs/x/builds/1/build.xml'), 'utf8'), 'one');
    // The next commit starts a new segment, numbered after the old one.
    await store.commit([{ path: 'jobs/x/builds/1/build.xml', content: 'two' }]);
    assert.deepEqual(await segments(root), ['0000000000000002']);
  });

  void test('a segment left by a crash is written again into the files that lost it, and removed', async () => {
    // As a machine crash leaves it: the journal durable, the files written back without fsync lost
    // (build.xml gone, nextBuildNumber older), and a last append cut short.
    await mkdir(join(root, JOURNAL), { recursive: true });
    await mkdir(join(root, 'jobs/x/builds/4'), { recursive: true });
    await writeFile(join(root, 'jobs/x/nextBuildNumber'), '4\n');
    const lines = [
      { c: [{ write: 'jobs/x/nextBuildNumber', content: '5\n' }, { write: 'jobs/x/builds/4/build.xml', content: '<build>running</build>' }] },
      { c: [{ write: 'jobs/x/builds/4/build.xml', content: '<build>SUCCESS</build>' }] },
      { c: [{ write: 'jobs/gone/builds/1/build.xml', content: 'x' }] },
      { c: [{ remove: 'jobs/gone' }] },
      { c: [{ write: 'jobs/old/builds/2/build.xml', content: 'moved' }] },
      { c: [{ rename: 'jobs/old', to: 'jobs/new' }] },
    ];
    await writeFile(join(root, JOURNAL, '0000000000000007'), `${lines.map((l) => JSON.stringify(l)).join('\n')}\n{"c":[{"write":"jobs/x/nextBu`);
    await store.openJournal();
    assert.equal(await readFile(join(root, 'jobs/x/nextBuildNumber'), 'utf8'), '5\n');
    assert.equal(await readFile(join(root, 'jobs/x/builds/4/build.xml'), 'utf8'), '<build>SUCCESS</build>', 'the last content of a file wins');
    await assert.rejects(readFile(join(root, 'jobs/gone/builds/1/build.xml')), { code: 'ENOENT' }, 'what was removed afterwards is not brought back');
    await assert.rejects(readFile(join(root, 'jobs/old/builds/2/build.xml')), { code: 'ENOENT' });
    assert.equal(await readFile(join(root, 'jobs/new/builds/2/build.xml'), 'utf8'), 'moved', 'what was renamed is written where it went');
    await store.commit([{ path: 'jobs/x/nextBuildNumber', content: '6\n' }]);
    assert.deepEqual(await segments(root), ['0000000000000007', '0000000000000008'], 'new segments are numbered after the replayed one, which stays until a checkpoint');
    await (await store.openJournal()).checkpoint();
    assert.deepEqual(await segments(root), []);
  });

  void test('notes come back to their owner after a crash, and stay in the journal until a checkpoint hook has saved them', async () => {
    await store.commit([], [{ note: 'queue-item', value: { seq: 1, text: '<item>1</item>' } }]);
    await store.commit([{ path: 'a', content: 'x' }], [{ note: 'other', value: 7 }, { note: 'queue-item', value: { seq: 2, text: '<item>2</item>' } }]);
    // The controller is killed: no checkpoint. The next one reads the notes.
    const next = new HomeStore({ root, fence, logger, journal: { maxSegmentAgeMs: 60_000 } });
    await next.openJournal();
    assert.deepEqual(next.replayedNotes('queue-item'), [{ seq: 1, text: '<item>1</item>' }, { seq: 2, text: '<item>2</item>' }]);
    assert.deepEqual(next.replayedNotes('other'), [7]);
    let saved = 0;
    await next.beforeCheckpoint(() => {
      saved++;
      return Promise.resolve();
    });
    assert.equal((await segments(root)).length, 1, 'kept until its notes are saved elsewhere');
    await (await next.openJournal()).checkpoint();
    assert.equal(saved, 1);
    assert.deepEqual(await segments(root), []);
  });

  void test('removing what the journal holds is journaled first, so that a replay does not bring it back', async () => {
    await store.commit([{ path: 'jobs/x/builds/3/build.xml', content: 'three' }]);
    await store.remove('jobs/x/builds/3');
    assert.deepEqual((await records(root)).at(-1), [{ remove: 'jobs/x/builds/3' }]);
    // Replayed by the next controller: the build stays deleted.
    const next = new HomeStore({ root, fence, logger });
    await next.openJournal();
    await assert.rejects(readFile(join(root, 'jobs/x/builds/3/build.xml')), { code: 'ENOENT' });
  });

  void test('a plain atomic write of a journaled file is journaled too, so that a replay keeps the newest content', async () => {
    await store.commit([{ path: 'jobs/x/nextBuildNumber', content: '2\n' }]);
    await store.writeAtomic('jobs/x/nextBuildNumber', '100\n');
    const next = new HomeStore({ root, fence, logger });
    await next.openJournal();
    assert.equal(await readFile(join(root, 'jobs/x/nextBuildNumber'), 'utf8'), '100\n');
  });

  void test('a fenced controller commits nothing: the caller is refused and neither the file nor the journal changes', async () => {
    await store.commit([{ path: 'jobs/x/nextBuildNumber', content: '2\n' }]);
    const before = await records(root);
    fence.open = false;
    await assert.rejects(store.commit([{ path: 'jobs/x/nextBuildNumber', content: '3\n' }]), (err: unknown) => err instanceof StewardError && /lease|fenced/.test(err.message));
    assert.equal(await readFile(join(root, 'jobs/x/nextBuildNumber'), 'utf8'), '2\n');
    assert.deepEqual(await records(root), before);
  });

  void test('closing the store checkpoints: the next start finds nothing to replay', async () => {
    await store.commit([{ path: 'jobs/x/builds/1/build.xml', content: 'done' }]);
    await store.close();
    assert.deepEqual(await segments(root), []);
    assert.equal(await readFile(join(root, 'jobs/x/builds/1/build.xml'), 'utf8'), 'done');
  });
});
