import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { freestyleXml, useController } from '../support/steward-process.js';
import { residentBytes, slowRead, watchResident } from '../support/slow-reader.js';

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
    const archiver = `<publishers>
    <hudson.tasks.ArtifactArchiver>
      <artifacts>big.bin</artifacts>
      <allowEmptyArchive>false</allowEmptyArchive>
      <onlyIfSuccessful>false</onlyIfSuccessful>
      <fingerprint>false</fingerprint>
    </hudson.tasks.ArtifactArchiver>
  </publishers>`;
    const command = `yes 'a line of a long build log, written quickly 0123456789abcdefghijklmnopqrstuvwxyz' | head -c ${SIZE}\nhead -c ${SIZE} /dev/urandom > big.bin`;
    await ctl.s.createJob('big', freestyleXml({ command }).replace('<publishers/>', archiver));
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
});
