/**
 * What many slow readers of a large console log and artifact cost the controller. A build prints a
 * log of SIZE bytes and archives an artifact as large; then READERS clients (a third each on
 * consoleText, progressiveText from a small offset, and the artifact) read them slowly at the same
 * time: each leaves its answer unread for 2 s, then reads 1 MiB and pauses 20 ms. The controller's
 * resident memory (VmRSS) is sampled every 50 ms; every reader's bytes are checked against the file.
 *
 *   node --import tsx bench/log-streams.ts            # 100 MiB, 30 readers
 *   BENCH_QUICK=1 node --import tsx bench/log-streams.ts
 *
 * Goal: the controller grows by less than 64 MiB with all readers in flight (each answer held whole
 * would take READERS x SIZE).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { bigLogJobXml, slowRead, watchResident } from '../test/support/slow-reader.js';
import { Controller, QUICK, machineLine, mib, scratchDir } from './lib.js';

const MiB = 2 ** 20;
const SIZE = (QUICK ? 16 : 100) * MiB;
const READERS = QUICK ? 6 : 30;
const GOAL_BYTES = 64 * MiB;
const START = 12_345;

async function sha256Of(file: string, start = 0): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { start })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

console.log(machineLine());
const dir = scratchDir('log-streams');
const controller = await Controller.start(path.join(dir, 'home'), { logFile: path.join(dir, 'controller.log') });
try {
  await controller.createJob('big', bigLogJobXml(SIZE));
  const t0 = performance.now();
  const n = await controller.buildNumberOf(await controller.queueBuild('big'));
  const result = await controller.waitForResult('big', n);
  if (result !== 'SUCCESS') throw new Error(`the build ended ${result}`);
  const logFile = path.join(controller.home, 'jobs/big/builds', String(n), 'log');
  const artifactFile = path.join(controller.home, 'jobs/big/builds', String(n), 'archive/big.bin');
  const logSize = (await stat(logFile)).size;
  console.log(`build printing ${mib(SIZE)} and archiving ${mib(SIZE)}: ${((performance.now() - t0) / 1000).toFixed(1)} s (log ${mib(logSize)})`);
  const expected = { console: await sha256Of(logFile), progressive: await sha256Of(logFile, START), artifact: await sha256Of(artifactFile) };

  const urls = { console: `job/big/${n}/consoleText`, progressive: `job/big/${n}/logText/progressiveText?start=${START}`, artifact: `job/big/${n}/artifact/big.bin` };
  const kinds = Object.keys(urls) as (keyof typeof urls)[];
  const before = controller.rss();
  const watch = watchResident(controller.pid);
  const t1 = performance.now();
  const answers = await Promise.all(
    Array.from({ length: READERS }, async (_, i) => {
      const kind = kinds[i % kinds.length] as keyof typeof urls;
      const r = await slowRead(new URL(urls[kind], controller.url).href, controller.authorization, { holdMs: 2000, sliceBytes: MiB, pauseMs: 20 });
      return { kind, r };
    }),
  );
  const seconds = (performance.now() - t1) / 1000;
  const peak = watch.stop();
  const bad = answers.filter(({ kind, r }) => r.status !== 200 || r.sha256 !== expected[kind]);
  const bytes = answers.reduce((sum, { r }) => sum + r.bytes, 0);
  console.log(`${READERS} slow readers (consoleText, progressiveText, artifact): ${mib(bytes)} in ${seconds.toFixed(1)} s (${mib(bytes / seconds)}/s), ${bad.length} answers wrong`);
  const grew = peak - before;
  console.log(`controller RSS: ${mib(before)} before, ${mib(peak)} at peak: +${mib(grew)} (${mib(grew / READERS)} a reader; held whole, the answers would take ${mib(READERS * SIZE)})`);
  console.log(`goal: RSS grows by less than ${mib(GOAL_BYTES)} with ${READERS} readers of ${mib(SIZE)}: ${grew < GOAL_BYTES && bad.length === 0 ? 'met' : 'NOT MET'}`);
  if (bad.length > 0) process.exitCode = 1;
} finally {
  await controller.stop();
}
