import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { alive } from '../support/process-alive.js';
import { STEWARD_BIN, StewardProcess, eventually, freestyleXml, stringParam, tempDir, useController } from '../support/steward-process.js';

describe('a controller process on a temporary home', () => {
  const ctl = useController();

  test('answers health, identifies itself as Jenkins-compatible and lists no jobs on a new home', async () => {
    const live = await ctl.s.fetch('health/live');
    assert.equal(live.status, 200);
    assert.ok(live.headers.get('x-jenkins'));
    const ready = await ctl.s.json<{ role: string; epoch: number }>('health/ready');
    assert.equal(ready.role, 'active');
    assert.ok(ready.epoch >= 1);
    const root = await ctl.s.json<{ _class: string; jobs: unknown[]; numExecutors: number }>('api/json');
    assert.equal(root._class, 'hudson.model.Hudson');
    assert.deepEqual(root.jobs, []);
    assert.equal(root.numExecutors, 2);
    const computers = await ctl.s.json<{ computer: { displayName: string; executors: unknown[] }[] }>('computer/api/json');
    assert.equal(computers.computer[0]?.displayName, 'Built-In Node');
    assert.equal(computers.computer[0]?.executors.length, 2);
    const metrics = await (await ctl.s.fetch('metrics')).text();
    assert.match(metrics, /^steward_lease_epoch \d+$/m);
    assert.match(metrics, /^steward_lease_role\{role="active"\} 1$/m);
    assert.match(metrics, /^steward_executors\{node="built-in",state="idle"\} 2$/m);
    assert.match(metrics, /^steward_queue_items\{state="waiting"\} 0$/m);
  });

  test('a job created from config.xml builds with parameters and its log can be followed to the end', async () => {
    const xml = freestyleXml({
      command: 'echo "greeting=$GREETING build=$BUILD_NUMBER job=$JOB_NAME node=$NODE_NAME"\necho "url=$BUILD_URL"\nsleep 0.3\necho done-here',
      parameters: stringParam('GREETING', 'hello'),
    });
    await ctl.s.createJob('params', xml);
    const stored = await (await ctl.s.fetch('job/params/config.xml')).text();
    assert.equal(stored, xml, 'config.xml is kept byte for byte');
    const n = await ctl.s.buildNumberOf(await ctl.s.queueBuild('params', { GREETING: 'bonjour' }));
    assert.equal(n, 1);
    // Follow the log the way `steward build start --follow` and Jenkins clients do.
    let offset = 0;
    let text = '';
    for (;;) {
      const res = await ctl.s.fetch(`job/params/${n}/logText/progressiveText?start=${offset}`);
      assert.equal(res.status, 200);
      text += await res.text();
      offset = Number(res.headers.get('x-text-size'));
      if (res.headers.get('x-more-data') !== 'true') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.match(text, /greeting=bonjour build=1 job=params node=built-in/);
    assert.match(text, new RegExp(`url=http://localhost:${ctl.s.port}/job/params/1/`));
    assert.match(text, /done-here/);
    assert.match(text, /Finished: SUCCESS/);
    const full = await (await ctl.s.fetch(`job/params/${n}/consoleText`)).text();
    assert.equal(full, text, 'the progressive pieces add up to the whole log');
    const build = await ctl.s.json<{ result: string; number: number; duration: number; actions: { _class: string; parameters?: { name: string; value: string }[] }[] }>(
      `job/params/${n}/api/json`,
    );
    assert.equal(build.result, 'SUCCESS');
    assert.ok(build.duration >= 300);
    const params = build.actions.find((a) => a._class === 'hudson.model.ParametersAction');
    assert.deepEqual(params?.parameters?.map((p) => [p.name, p.value]), [['GREETING', 'bonjour']]);
    const buildXml = await readFile(path.join(ctl.home, 'jobs/params/builds/1/build.xml'), 'utf8');
    assert.match(buildXml, /<result>SUCCESS<\/result>/);
    assert.equal((await readFile(path.join(ctl.home, 'jobs/params/nextBuildNumber'), 'utf8')).trim(), '2');
    const job = await ctl.s.json<{ color: string; lastSuccessfulBuild: { number: number } }>('job/params/api/json?tree=color,lastSuccessfulBuild[number]');
    assert.deepEqual(job, { _class: 'hudson.model.FreeStyleProject', color: 'blue', lastSuccessfulBuild: { _class: 'hudson.model.FreeStyleBuild', number: 1 } });
  });

  test('archived artifacts are listed on the build and can be downloaded', async () => {
    const publishers = `
  <publishers>
    <hudson.tasks.ArtifactArchiver>
      <artifacts>out/**/*.txt, report/</artifacts>
      <excludes>out/skip/**</excludes>
      <allowEmptyArchive>false</allowEmptyArchive>
      <onlyIfSuccessful>false</onlyIfSuccessful>
      <fingerprint>false</fingerprint>
    </hudson.tasks.ArtifactArchiver>
  </publishers>`;
    const xml = freestyleXml({ command: 'mkdir -p out/sub out/skip report\necho alpha > out/sub/a.txt\necho no > out/skip/b.txt\necho r > report/r.html\necho no > out/c.log' }).replace(
      '<publishers/>',
      publishers.trim(),
    );
    await ctl.s.createJob('artifacts', xml);
    const n = await ctl.s.buildNumberOf(await ctl.s.queueBuild('artifacts'));
    assert.equal(await ctl.s.waitForResult('artifacts', n), 'SUCCESS');
    const b = await ctl.s.json<{ artifacts: { relativePath: string; fileName: string }[] }>(`job/artifacts/${n}/api/json?tree=artifacts[relativePath,fileName]`);
    assert.deepEqual(b.artifacts.map((a) => a.relativePath), ['out/sub/a.txt', 'report/r.html']);
    const file = await ctl.s.fetch(`job/artifacts/${n}/artifact/out/sub/a.txt`);
    assert.equal(file.status, 200);
    assert.equal(await file.text(), 'alpha\n');
    assert.equal((await ctl.s.fetch(`job/artifacts/${n}/artifact/out/c.log`)).status, 404);
  });

  test('a failing step makes the build FAILURE and the job red', async () => {
    await ctl.s.createJob('fails', freestyleXml({ command: 'echo before\nexit 3\necho never' }));
    const n = await ctl.s.buildNumberOf(await ctl.s.queueBuild('fails'));
    assert.equal(await ctl.s.waitForResult('fails', n), 'FAILURE');
    const log = await (await ctl.s.fetch(`job/fails/${n}/consoleText`)).text();
    assert.match(log, /before/);
    assert.doesNotMatch(log, /^never$/m);
    assert.match(log, /Build step 'Execute shell' marked build as failure/);
    const root = await ctl.s.json<{ jobs: { name: string; color: string }[] }>('api/json?tree=jobs[name,color]');
    assert.equal(root.jobs.find((j) => j.name === 'fails')?.color, 'red');
  });

  test('stopping a long build ends its whole process tree and records ABORTED with who stopped it', async () => {
    await ctl.s.createJob(
      'long',
      freestyleXml({ command: 'sleep 300 &\necho "child=$!"\nsetsid sleep 301 &\necho "escaped=$!"\necho "shell=$$"\nwait' }),
    );
    const n = await ctl.s.buildNumberOf(await ctl.s.queueBuild('long'));
    const log = await eventually(async () => {
      const text = await (await ctl.s.fetch(`job/long/${n}/consoleText`)).text();
      return /shell=\d+/.test(text) && /escaped=\d+/.test(text) ? text : undefined;
    }, 'the build to print its pids');
    const pids = [/child=(\d+)/, /escaped=(\d+)/, /shell=(\d+)/].map((re) => Number(re.exec(log)?.[1]));
    for (const pid of pids) assert.ok(alive(pid), `process ${pid} runs before the stop`);
    const stop = await ctl.s.fetch(`job/long/${n}/stop`, { method: 'POST' });
    assert.equal(stop.status, 302);
    assert.equal(await ctl.s.waitForResult('long', n), 'ABORTED');
    for (const pid of pids) assert.equal(alive(pid), false, `process ${pid} is gone after the stop`);
    const text = await (await ctl.s.fetch(`job/long/${n}/consoleText`)).text();
    assert.match(text, /Aborted by admin/);
    assert.match(text, /Finished: ABORTED/);
  });

  test('bad input gets a clear error and changes nothing', async () => {
    const malformed = await ctl.s.fetch('createItem?name=broken', {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: '<project>\n  <builders>\n</project>\n',
    });
    assert.equal(malformed.status, 400);
    const body = (await malformed.json()) as { error: { code: string; message: string; line: number } };
    assert.equal(body.error.code, 'STW_XML_MALFORMED');
    assert.match(body.error.message, /jobs\/broken\/config\.xml:3/);
    assert.equal((await ctl.s.fetch('job/broken/api/json')).status, 404);
    assert.deepEqual(await readdir(path.join(ctl.home, 'jobs')).then((d) => d.includes('broken')), false);

    const unknown = await ctl.s.fetch('job/nope/build', { method: 'POST' });
    assert.equal(unknown.status, 404);
    assert.match(((await unknown.json()) as { error: { message: string } }).error.message, /no job named "nope"/);

    const unicode = await ctl.s.fetch(`job/${encodeURIComponent('日本')}/api/json`);
    assert.equal(unicode.status, 404);
    assert.equal(((await unicode.json()) as { error: { code: string } }).error.code, 'STW_JOB_NOT_FOUND');

    const badLabel = await ctl.s.fetch('createItem?name=badlabel', {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: freestyleXml({ command: 'true', assignedNode: 'linux && (docker' }),
    });
    assert.equal(badLabel.status, 400);
    const labelError = (await badLabel.json()) as { error: { code: string; message: string; field: string } };
    assert.equal(labelError.error.code, 'STW_LABEL_INVALID');
    assert.equal(labelError.error.field, 'assignedNode');
    assert.equal((await ctl.s.fetch('job/badlabel/api/json')).status, 404);

    const badParam = await ctl.s.fetch('job/params/buildWithParameters', { method: 'POST', body: new URLSearchParams({ NOPE: 'x' }) });
    assert.equal(badParam.status, 400);
    assert.match(((await badParam.json()) as { error: { message: string } }).error.message, /NOPE/);

    const before = await (await ctl.s.fetch('job/params/config.xml')).text();
    const badUpdate = await ctl.s.fetch('job/params/config.xml', {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: '<project><disabled>maybe</disabled></project>',
    });
    assert.equal(badUpdate.status, 400);
    assert.equal(await (await ctl.s.fetch('job/params/config.xml')).text(), before, 'a rejected config leaves the job as it was');

    const dup = await ctl.s.fetch('createItem?name=params', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: before });
    assert.equal(dup.status, 400);
    assert.match(dup.headers.get('x-error') ?? '', /already exists/);
  });

  test('a second controller on the same home exits at once naming the holder', async () => {
    const second = spawnSync(process.execPath, [STEWARD_BIN, 'start', '--home', ctl.home, '--port', '0'], { encoding: 'utf8', timeout: 30_000 });
    assert.notEqual(second.status, 0);
    assert.match(second.stderr, new RegExp(`pid ${ctl.s.child.pid}`));
    const ready = await ctl.s.json<{ role: string }>('health/ready');
    assert.equal(ready.role, 'active', 'the first controller is untouched');
  });
});

describe('restarts', () => {
  test('items queued when the controller stops run after it starts again', async () => {
    await using home = await tempDir();
    let s = await StewardProcess.start(home.dir, ['--executors', '0']);
    await s.createJob('later', freestyleXml({ command: 'echo "ran with $X"', parameters: stringParam('X', 'd') }));
    const ids = [await s.queueBuild('later', { X: 'one' }), await s.queueBuild('later', { X: 'two' })];
    const queue = await s.json<{ items: { id: number; why: string }[] }>('queue/api/json');
    assert.deepEqual(queue.items.map((i) => i.id).sort(), ids.sort());
    assert.equal(await s.stop(), 0);
    assert.match(await readFile(path.join(home.dir, 'queue.xml'), 'utf8'), /later/);

    s = await StewardProcess.start(home.dir);
    try {
      const restored = await s.json<{ items: { id: number }[] }>('queue/api/json');
      assert.deepEqual(restored.items.map((i) => i.id).sort(), ids.sort(), 'the same items are back after the restart');
      const set = await s.fetch('computer/(built-in)/setNumExecutors?numExecutors=2', { method: 'POST' });
      assert.equal(set.status, 204);
      const numbers = await Promise.all(ids.map((id) => s.buildNumberOf(id)));
      const logs = await Promise.all(
        numbers.map(async (n) => {
          await s.waitForResult('later', n);
          return (await s.fetch(`job/later/${n}/consoleText`)).text();
        }),
      );
      assert.deepEqual(logs.map((l) => /ran with (\w+)/.exec(l)?.[1]).sort(), ['one', 'two']);
      assert.match(await readFile(path.join(home.dir, 'config.xml'), 'utf8'), /<numExecutors>2<\/numExecutors>/);
    } finally {
      await s.stop();
    }
  });

  test('a build request answered 201 is still queued after the controller is killed with SIGKILL right after', async () => {
    await using home = await tempDir();
    let s = await StewardProcess.start(home.dir, ['--executors', '0']);
    await s.createJob('accepted', freestyleXml({ command: 'echo "ran $X"', parameters: stringParam('X', 'd') }));
    const ids: number[] = [];
    for (const x of ['a', 'b', 'c']) ids.push(await s.queueBuild('accepted', { X: x }));
    // No graceful stop: nothing is flushed after the last 201.
    assert.equal(await s.stop('SIGKILL'), null);

    s = await StewardProcess.start(home.dir, ['--executors', '0']);
    try {
      const restored = await s.json<{ items: { id: number; params: string }[] }>('queue/api/json');
      assert.deepEqual(restored.items.map((i) => i.id).sort(), ids.sort(), 'every accepted build is back in the queue');
    } finally {
      await s.stop();
    }
  });

  test('without queue.xml, new queue items do not take the ids of earlier builds, and survive a SIGKILL', async () => {
    await using home = await tempDir();
    let s = await StewardProcess.start(home.dir);
    await s.createJob('again', freestyleXml({ command: 'echo "ran $X"', parameters: stringParam('X', 'd') }));
    const first = await s.queueBuild('again', { X: 'first' });
    assert.equal(await s.waitForResult('again', await s.buildNumberOf(first)), 'SUCCESS');
    assert.equal(await s.stop(), 0);
    // queue.xml, which keeps the next item id, is lost.
    await rm(path.join(home.dir, 'queue.xml'), { force: true });

    s = await StewardProcess.start(home.dir);
    await s.setExecutors(0);
    const accepted = await s.queueBuild('again', { X: 'second' });
    assert.ok(accepted > first, `the new item's id ${accepted} is past the id ${first} of the build before`);
    assert.equal(await s.stop('SIGKILL'), null);

    s = await StewardProcess.start(home.dir);
    try {
      const restored = await s.json<{ items: { id: number }[] }>('queue/api/json');
      assert.deepEqual(restored.items.map((i) => i.id), [accepted], 'the accepted build is still queued, not taken for the earlier build');
    } finally {
      await s.stop();
    }
  });

  test('a file lock moved elsewhere starts above the epoch the home already has, instead of being fenced by it', async () => {
    await using home = await tempDir();
    await using locks = await tempDir();
    let s = await StewardProcess.start(home.dir);
    assert.equal(await s.stop(), 0);
    s = await StewardProcess.start(home.dir);
    const before = (await s.json<{ epoch: number }>('health/ready')).epoch;
    assert.equal(before, 2);
    assert.equal(await s.stop(), 0);
    s = await StewardProcess.start(home.dir, ['--lock', `file:${path.join(locks.dir, 'lock')}`]);
    try {
      const now = await s.json<{ role: string; epoch: number }>('health/ready');
      assert.equal(now.role, 'active');
      assert.ok(now.epoch > before, `epoch ${now.epoch} > ${before}`);
    } finally {
      await s.stop();
    }
  });

  test('after kill -9 during a build its processes end, the home still loads and build numbers are not reused', async () => {
    await using home = await tempDir();
    let s = await StewardProcess.start(home.dir);
    const marker = `steward-kill9-${process.pid}-${Date.now()}`;
    await s.createJob('victim', freestyleXml({ command: `sleep 120 & echo "started child=$!"; wait # ${marker}` }));
    const n = await s.buildNumberOf(await s.queueBuild('victim'));
    const log = await eventually(async () => {
      const text = await (await s.fetch(`job/victim/${n}/consoleText`)).text();
      return /started child=\d+/.test(text) ? text : undefined;
    }, 'the build to start');
    const child = Number(/started child=(\d+)/.exec(log)?.[1]);
    assert.ok(alive(child));
    assert.equal(await s.stop('SIGKILL'), null);
    try {
      // The build does not outlive its controller: its launcher ends the step's process group.
      await eventually(() => (alive(child) ? undefined : true), `the build's process ${child} to end after its controller was killed`, 15_000);
    } finally {
      spawnSync('pkill', ['-f', marker]);
    }

    s = await StewardProcess.start(home.dir);
    try {
      const job = await s.json<{ builds: { number: number }[]; nextBuildNumber: number }>('job/victim/api/json');
      assert.deepEqual(job.builds.map((b) => b.number), [1]);
      assert.equal(job.nextBuildNumber, 2);
      const old = await s.json<{ building: boolean; result: string }>(`job/victim/1/api/json`);
      assert.equal(old.building, false);
      assert.equal(old.result, 'ABORTED');
      await s.fetch('job/victim/config.xml', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: freestyleXml({ command: 'echo again' }) });
      const m = await s.buildNumberOf(await s.queueBuild('victim'));
      assert.equal(m, 2);
      assert.equal(await s.waitForResult('victim', m), 'SUCCESS');
    } finally {
      await s.stop();
    }
  });
});
