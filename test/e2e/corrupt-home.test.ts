import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { StewardProcess, freestyleXml, tempDir } from '../support/steward-process.js';

type Monitors = { administrativeMonitors: { id: string; message: string }[] };

/** The controller's log lines whose message matches. */
function logged(s: StewardProcess, pattern: RegExp): Record<string, unknown>[] {
  return s.lines.filter((l) => typeof l.msg === 'string' && pattern.test(l.msg));
}

/** A queue.xml cut short by hand: it ends inside an item. */
const TORN_QUEUE = `<?xml version='1.1' encoding='UTF-8'?>
<hudson.model.Queue_-State>
  <counter>7</counter>
  <items>
    <hudson.model.Queue_-WaitingItem>
      <id>7</id>
`;

describe('a home with corrupt files at start', () => {
  let home: Awaited<ReturnType<typeof tempDir>>;
  let s: StewardProcess;

  before(async () => {
    home = await tempDir();
    const first = await StewardProcess.start(home.dir);
    await first.createJob('app', freestyleXml({ command: 'echo built' }));
    for (let i = 1; i <= 3; i++) assert.equal(await first.waitForResult('app', await first.buildNumberOf(await first.queueBuild('app'))), 'SUCCESS');
    await first.stop();

    await writeFile(path.join(home.dir, 'queue.xml'), TORN_QUEUE);
    // Cut in the middle of an element, as a crash of a writer that does not write atomically leaves it.
    const record = path.join(home.dir, 'jobs/app/builds/2/build.xml');
    const text = await readFile(record, 'utf8');
    await writeFile(record, text.slice(0, text.indexOf('<result>') + 5));
    await writeFile(path.join(home.dir, 'jobs/app/nextBuildNumber'), '');
    s = await StewardProcess.start(home.dir);
  });
  after(async () => {
    await s?.stop();
    await home?.[Symbol.asyncDispose]();
  });

  test('a corrupt queue.xml is moved aside, named with line and column in the log and /manage, and the controller starts with an empty queue', async () => {
    const names = await readdir(home.dir);
    const aside = names.filter((n) => /^queue\.xml\.corrupt-\d{8}T\d{6}Z$/.test(n));
    assert.equal(aside.length, 1, names.join(' '));
    assert.equal(await readFile(path.join(home.dir, aside[0]!), 'utf8'), TORN_QUEUE, 'the file is kept as it was');
    const warned = logged(s, /^queue\.xml could not be read/);
    assert.equal(warned.length, 1);
    assert.equal(warned[0]?.level, 40);
    assert.match(String(warned[0]?.msg), new RegExp(`^queue\\.xml could not be read \\(queue\\.xml:\\d+:\\d+: .*\\); it was moved aside to ${aside[0]} and the controller started with an empty queue$`));
    assert.equal(typeof warned[0]?.line, 'number');
    const monitors = await s.json<Monitors>('manage/api/json');
    assert.match(monitors.administrativeMonitors.find((m) => m.id === 'queueFileCorrupt')?.message ?? '', /^queue\.xml could not be read/);
    assert.deepEqual((await s.json<{ items: unknown[] }>('queue/api/json')).items, []);
  });

  test('a corrupt build.xml leaves that build out, saying where, while the other builds and the job answer', async () => {
    const res = await s.fetch('job/app/2/api/json');
    assert.equal(res.status, 404);
    const body = (await res.json()) as { error: { code: string; message: string; file: string; line: number; column: number } };
    assert.equal(body.error.code, 'STW_BUILD_NOT_FOUND');
    assert.match(body.error.message, /^build #2 of app cannot be shown: its record cannot be read \(jobs\/app\/builds\/2\/build\.xml:\d+:\d+: /);
    assert.equal(body.error.file, 'jobs/app/builds/2/build.xml');
    assert.equal(typeof body.error.line, 'number');
    for (const n of [1, 3]) assert.equal((await s.json<{ result: string }>(`job/app/${n}/api/json`)).result, 'SUCCESS');
    const job = await s.json<{ builds: { number: number }[]; lastBuild: { number: number }; lastSuccessfulBuild: { number: number } }>('job/app/api/json');
    assert.deepEqual(job.builds.map((b) => b.number), [3, 2, 1]);
    assert.equal(job.lastBuild.number, 3);
    assert.equal(job.lastSuccessfulBuild.number, 3);
    assert.equal((await s.fetch('job/app/2/api/json')).status, 404);
    // Said once, however often it is asked for.
    const warned = logged(s, /^build #2 of app is left out: its record cannot be read: jobs\/app\/builds\/2\/build\.xml:\d+:\d+: /);
    assert.equal(warned.length, 1);
  });

  test('an empty nextBuildNumber is taken from the builds there are, with a warning', async () => {
    assert.equal((await s.json<{ nextBuildNumber: number }>('job/app/api/json')).nextBuildNumber, 4);
    assert.equal(logged(s, /^jobs\/app\/nextBuildNumber does not hold a build number \(""\); the next build of app is #4, after the last build in builds\/$/).length, 1);
    assert.equal(await s.buildNumberOf(await s.queueBuild('app')), 4);
    assert.equal(await s.waitForResult('app', 4), 'SUCCESS');
  });

  test('a corrupt config.xml stops start-up, naming file, line and column, and is left as it is', async () => {
    await s.stop();
    const file = path.join(home.dir, 'config.xml');
    const good = await readFile(file, 'utf8');
    const bad = good.replace('</securityRealm>', '</securityRealm');
    assert.notEqual(bad, good);
    await writeFile(file, bad);
    const line = bad.slice(0, bad.indexOf('</securityRealm')).split('\n').length;
    const refused = StewardProcess.spawn(home.dir);
    assert.equal(await refused.exited, 1);
    const said = refused.stderr.join('\n');
    assert.match(said, new RegExp(`^steward: config\\.xml:${line}:\\d+: .*; the controller does not start on a config\\.xml it cannot read, since it holds the security settings`, 'm'));
    assert.equal(logged(refused, /^Steward is ready/).length, 0);
    assert.equal(await readFile(file, 'utf8'), bad);
    // Mended, it starts again.
    await writeFile(file, good);
    s = await StewardProcess.start(home.dir);
  });
});
