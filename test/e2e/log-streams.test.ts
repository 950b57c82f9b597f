import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readlink, stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { describe, test } from 'node:test';
import { eventually, freestyleXml, useController } from '../support/steward-process.js';
import { bigLogJobXml, residentBytes, slowRead, watchResident } from '../support/slow-reader.js';

const MiB = 1024 * 1024;
const SIZE = 64 * MiB;
const READERS_PER_URL = 8;

async function sha256Of(file: string, start = 0): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { start })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

describe('large logs and artifacts are streamed from their files', () => {
  const ctl = useController();

  test('many slow readers of a 64 MiB log and artifact each get every byte while the controller stays small', async () => {
    await ctl.s.createJob('big', bigLogJobXml(SIZE));
    const n = await ctl.s.buildNumberOf(await ctl.s.queueBuild('big'));
    assert.equal(await ctl.s.waitForResult('big', n), 'SUCCESS');

    const logFile = path.join(ctl.home, 'jobs/big/builds', String(n), 'log');
    const artifactFile = path.join(ctl.home, 'jobs/big/builds', String(n), 'archive/big.bin');
    const logSize = (await stat(logFile)).size;
    assert.ok(logSize > SIZE, `the log holds the output (${logSize} bytes)`);
    const start = 12_345;
    const expected = {
      console: await sha256Of(logFile),
      progressive: await sha256Of(logFile, start),
      artifact: await sha256Of(artifactFile),
    };

    const pid = ctl.s.child.pid ?? assert.fail('the controller has no pid');
    const before = residentBytes(pid);
    const watch = watchResident(pid);
    const read = (p: string) => slowRead(new URL(p, ctl.s.url).href, ctl.s.authorization, { holdMs: 1500, sliceBytes: 2 * MiB, pauseMs: 20 });
    const readers = Array.from({ length: READERS_PER_URL }, () => [
      read(`job/big/${n}/consoleText`).then((r) => ({ kind: 'console' as const, r })),
      read(`job/big/${n}/logText/progressiveText?start=${start}`).then((r) => ({ kind: 'progressive' as const, r })),
      read(`job/big/${n}/artifact/big.bin`).then((r) => ({ kind: 'artifact' as const, r })),
    ]).flat();
    let answers;
    try {
      answers = await Promise.all(readers);
    } finally {
      watch.stop();
    }
    const peak = watch.stop();

    for (const { kind, r } of answers) {
      assert.equal(r.status, 200, kind);
      assert.equal(r.sha256, expected[kind], `${kind}: every byte, in order`);
      assert.equal(Number(r.headers['content-length']), r.bytes, `${kind}: Content-Length is the length served`);
      if (kind === 'progressive') {
        assert.equal(r.headers['x-text-size'], String(logSize), 'X-Text-Size is where the next read starts');
        assert.equal(r.headers['x-more-data'], undefined, 'a finished build has no more data');
      }
    }
    // Holding each answer whole would take 24 x 64 MiB; streamed, all of them cost less than one copy.
    const grew = peak - before;
    assert.ok(grew < 64 * MiB, `the controller's resident memory grew by ${Math.round(grew / MiB)} MiB while ${answers.length} readers read ${Math.round(logSize / MiB)} MiB each`);
  });

  test('a reader that goes away in the middle of a log leaves no file open in the controller', async () => {
    await ctl.s.createJob('gone', freestyleXml({ command: `yes 'another line of log' | head -c ${32 * MiB}` }));
    const n = await ctl.s.buildNumberOf(await ctl.s.queueBuild('gone'));
    assert.equal(await ctl.s.waitForResult('gone', n), 'SUCCESS');
    const pid = ctl.s.child.pid ?? assert.fail('the controller has no pid');
    const logFile = path.join(ctl.home, 'jobs/gone/builds', String(n), 'log');
    const openOnLog = async (): Promise<number> => {
      let count = 0;
      for (const fd of await readdir(`/proc/${pid}/fd`)) {
        if ((await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')) === logFile) count++;
      }
      return count;
    };
    // Each reader takes the first chunk and stops reading, so the controller is mid-answer.
    const readFirstChunk = () =>
      new Promise<http.ClientRequest>((resolve, reject) => {
        const req = http.get(new URL(`job/gone/${n}/consoleText`, ctl.s.url), { agent: false, headers: { authorization: ctl.s.authorization ?? '' } }, (res) => {
          res.once('data', () => {
            res.pause();
            resolve(req);
          });
        });
        req.once('error', (err) => {
          if (!req.destroyed) reject(err);
        });
      });
    const readers = await Promise.all(Array.from({ length: 10 }, readFirstChunk));
    assert.ok((await openOnLog()) > 0, 'the answers are being read from the log file');
    for (const req of readers) req.destroy();
    await eventually(async () => ((await openOnLog()) === 0 ? true : undefined), 'the controller to close the log file');
  });
});
