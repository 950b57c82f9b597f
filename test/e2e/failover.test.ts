import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { chmod } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { alive } from '../support/process-alive.js';
import { RedisServer } from '../support/redis-server.js';
import { STEWARD_BIN, StewardProcess, eventually, freestyleXml, tempDir } from '../support/steward-process.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const TTL = '2s';
const TTL_MS = 2000;

/**
 * A build step that writes the time it got TERM to `termed` and runs a child until then; the job is
 * built at once and the child's pid returned once the build's log shows it.
 */
async function startLongBuild(s: StewardProcess, termed: string): Promise<{ number: number; child: number }> {
  await s.createJob('long', freestyleXml({ command: `trap 'date +%s%3N > ${termed}; exit 143' TERM\nsleep 600 &\necho "child=$!"\nwait` }));
  const number = await s.buildNumberOf(await s.queueBuild('long'));
  const log = await eventually(async () => {
    const text = await (await s.fetch(`job/long/${number}/consoleText`)).text();
    return /child=\d+/.test(text) ? text : undefined;
  }, 'the build to start its child');
  const child = Number(/child=(\d+)/.exec(log)?.[1]);
  assert.ok(alive(child), `the build's child ${child} runs`);
  return { number, child };
}

/** A folder the build's steps write marks into: they run as the build user, not as this process's. */
async function marksDir(): Promise<Awaited<ReturnType<typeof tempDir>>> {
  const dir = await tempDir();
  await chmod(dir.dir, 0o1777);
  return dir;
}

/** The time (ms since the epoch) of a controller's first log line starting with `prefix`. */
function loggedAt(s: StewardProcess, prefix: string): number | undefined {
  const line = s.lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith(prefix));
  return line === undefined ? undefined : Number(line.time);
}

describe('controllers sharing one home behind a Redis lease', () => {
  let redis: RedisServer;
  before(async () => {
    redis = await RedisServer.start();
  });
  after(async () => {
    await redis.stop();
  });
  const lock = (key: string) => `redis://127.0.0.1:${redis.port}/0?key=${key}`;

  test('the second controller stands by, answers 503 with its role, and takes over when the active one is killed', { timeout: 90_000 }, async () => {
    await using home = await tempDir();
    const args = ['--lock', lock('takeover'), '--lease-ttl', TTL];
    const a = await StewardProcess.start(home.dir, args);
    const describe = (text: string) => freestyleXml({ command: 'true', description: text });
    for (const name of ['kept', 'changed', 'gone']) await a.createJob(name, describe(`${name}, as first written`));
    const b = StewardProcess.spawn(home.dir, args);
    try {
      const standing = await eventually(async () => {
        const line = b.lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('standing by'));
        if (line === undefined) return undefined;
        return line;
      }, 'the second controller to stand by');
      const port = Number(standing.port);
      const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
      assert.equal(ready.status, 503);
      assert.equal(((await ready.json()) as { role: string }).role, 'standby');
      const api = await fetch(`http://127.0.0.1:${port}/api/json`);
      assert.equal(api.status, 503);
      assert.equal(((await api.json()) as { error: { code: string } }).error.code, 'STW_NOT_ACTIVE');

      // The standby has read the jobs as they were; the active changes them after that.
      await eventually(() => b.lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('read 3 job configurations while standing by')), 'the standby to read the jobs');
      const created = await a.fetch('createItem?name=survivor', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: freestyleXml({ command: 'echo "epoch $BUILD_NUMBER"' }) });
      assert.equal(created.status, 200);
      const changed = await a.fetch('job/changed/config.xml', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: describe('changed by the active after the standby read it') });
      assert.equal(changed.status, 200);
      assert.equal((await a.fetch('job/gone/doDelete', { method: 'POST' })).status, 302);
      const firstEpoch = (await a.json<{ epoch: number }>('health/ready')).epoch;

      const killedAt = Date.now();
      await a.stop('SIGKILL');
      await b.ready(30_000);
      const tookMs = Date.now() - killedAt;
      assert.ok(tookMs < 2000 + 10_000, `the standby took over in ${tookMs} ms`);
      const now = await b.json<{ role: string; epoch: number }>('health/ready');
      assert.equal(now.role, 'active');
      assert.ok(now.epoch > firstEpoch, `epoch ${now.epoch} > ${firstEpoch}`);
      assert.equal(readFileSync(path.join(home.dir, '.steward/epoch'), 'utf8').trim(), String(now.epoch));
      const jobs = await b.json<{ jobs: { name: string }[] }>('api/json?tree=jobs[name]');
      assert.deepEqual(jobs.jobs.map((j) => j.name).sort(), ['changed', 'kept', 'survivor'], 'the new active controller loaded what the old one wrote');
      assert.equal((await b.json<{ description: string }>('job/changed/api/json')).description, 'changed by the active after the standby read it');
      assert.equal((await b.json<{ description: string }>('job/kept/api/json')).description, 'kept, as first written');
    } finally {
      await Promise.all([a.stop('SIGKILL'), b.stop()]);
    }
  });

  test('an active controller paused past the TTL is replaced, and once resumed stops without writing (exit 4)', { timeout: 90_000 }, async () => {
    await using home = await tempDir();
    const args = ['--lock', lock('paused'), '--lease-ttl', TTL];
    const a = await StewardProcess.start(home.dir, args);
    const b = StewardProcess.spawn(home.dir, args);
    try {
      await eventually(() => b.lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('standing by')), 'the standby');
      const epochA = (await a.json<{ epoch: number }>('health/ready')).epoch;
      a.child.kill('SIGSTOP');
      await b.ready(30_000);
      const epochB = (await b.json<{ epoch: number }>('health/ready')).epoch;
      assert.ok(epochB > epochA);
      // The new active controller writes; the old one must not overwrite it once it wakes up.
      const created = await b.fetch('createItem?name=after-takeover', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: freestyleXml({ command: 'true' }) });
      assert.equal(created.status, 200);
      const queueBefore = readFileSync(path.join(home.dir, 'config.xml'), 'utf8');
      a.child.kill('SIGCONT');
      assert.equal(await a.exited, 4, 'the resumed controller stops with status 4');
      assert.ok(a.lines.some((l) => typeof l.msg === 'string' && /^(lost the lease|stepping down)/.test(l.msg)));
      assert.equal(readFileSync(path.join(home.dir, '.steward/epoch'), 'utf8').trim(), String(epochB));
      assert.equal(readFileSync(path.join(home.dir, 'config.xml'), 'utf8'), queueBefore);
      assert.equal((await b.json<{ role: string }>('health/ready')).role, 'active');
    } finally {
      a.child.kill('SIGCONT');
      await Promise.all([a.stop('SIGKILL'), b.stop()]);
    }
  });

  test('the build processes of an active controller paused past the TTL end before the standby takes over', { timeout: 90_000 }, async () => {
    await using home = await tempDir();
    await using marks = await marksDir();
    const termed = path.join(marks.dir, 'termed');
    const args = ['--lock', lock('paused-build'), '--lease-ttl', TTL];
    const a = await StewardProcess.start(home.dir, args);
    const b = StewardProcess.spawn(home.dir, args);
    try {
      await eventually(() => b.lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('standing by')), 'the standby');
      const { number, child } = await startLongBuild(a, termed);

      const pausedAt = Date.now();
      a.child.kill('SIGSTOP');
      await b.ready(30_000);
      await eventually(() => (alive(child) ? undefined : true), `the build's child ${child} to end`, 10_000);
      const termedAt = Number(readFileSync(termed, 'utf8'));
      const acquiredAt = loggedAt(b, 'acquired the');
      assert.ok(acquiredAt !== undefined);
      // The launcher's watchdog: TERM half a TTL after the last heartbeat; the standby acquires
      // no sooner than a TTL after the last renewal, which came at most a third of it earlier.
      assert.ok(termedAt - pausedAt < TTL_MS, `the step got TERM ${termedAt - pausedAt} ms after its controller was paused`);
      assert.ok(termedAt < acquiredAt, `the step got TERM ${acquiredAt - termedAt} ms before the standby acquired the lease (${acquiredAt - pausedAt} ms after the pause)`);
      const build = await b.json<{ building: boolean; result: string | null }>(`job/long/${number}/api/json`);
      assert.deepEqual(build, { ...build, building: false, result: 'ABORTED' });

      // Resumed, it finds its launcher gone and its lease lost, and stops without a crash.
      a.child.kill('SIGCONT');
      assert.equal(await a.exited, 4);
      assert.ok(a.lines.some((l) => typeof l.msg === 'string' && /^(lost the lease|stepping down)/.test(l.msg)));
      assert.deepEqual(a.stderr.filter((l) => /error/i.test(l)), []);
    } finally {
      a.child.kill('SIGCONT');
      await Promise.all([a.stop('SIGKILL'), b.stop()]);
    }
  });

  test('steward guard stops its command when cut off from Redis, before another guard starts one', { timeout: 90_000 }, async () => {
    await using dir = await tempDir();
    const runs = path.join(dir.dir, 'runs');
    writeFileSync(runs, '');
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: redis.port });
    const cmd = (id: string) => ['/bin/sh', '-c', `echo "start ${id} $(date +%s%3N)" >> ${runs}; trap 'echo "stop ${id} $(date +%s%3N)" >> ${runs}; exit 0' TERM; while true; do sleep 0.05; done`];
    const guard = (url: string, id: string) => {
      const child = spawn(process.execPath, [STEWARD_BIN, 'guard', '--lock', url, '--ttl', TTL, '--wait', '--', ...cmd(id)], { stdio: 'ignore' });
      return { child, code: new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c))) };
    };
    const a = guard(`redis://127.0.0.1:${proxy.port}/0?key=guarded`, 'a');
    await eventually(() => (readFileSync(runs, 'utf8').includes('start a') ? true : undefined), 'the first command to start');
    const b = guard(lock('guarded'), 'b');
    try {
      await new Promise((r) => setTimeout(r, 1000)); // b is waiting
      proxy.blackhole();
      assert.equal(await a.code, 4, 'the cut-off guard exits 4 after stopping its command');
      await eventually(() => (readFileSync(runs, 'utf8').includes('start b') ? true : undefined), 'the second command to start');
      const lines = readFileSync(runs, 'utf8').trim().split('\n');
      const at = (prefix: string) => Number(lines.find((l) => l.startsWith(prefix))?.split(' ')[2]);
      assert.ok(at('stop a') < at('start b'), `a stopped at ${at('stop a')}, b started at ${at('start b')}`);
    } finally {
      a.child.kill('SIGKILL');
      b.child.kill('SIGTERM');
      await b.code;
      await proxy.close();
    }
  });
});

describe('a controller on a file: lease', () => {
  test('paused for longer than a TTL, it keeps its build running, and ends it when stopped', { timeout: 60_000 }, async () => {
    await using home = await tempDir();
    await using marks = await marksDir();
    // A paused holder of a flock keeps it: nobody can take over, so its builds are not ended.
    const s = await StewardProcess.start(home.dir, ['--lease-ttl', TTL]);
    try {
      const { number, child } = await startLongBuild(s, path.join(marks.dir, 'termed'));
      s.child.kill('SIGSTOP');
      await sleep(TTL_MS * 1.5);
      assert.ok(alive(child), `the build's child ${child} runs while its controller is paused`);
      s.child.kill('SIGCONT');
      const build = await s.json<{ building: boolean }>(`job/long/${number}/api/json`);
      assert.equal(build.building, true);
      assert.ok(alive(child));
      assert.equal(await s.stop(), 0);
      await eventually(() => (alive(child) ? undefined : true), `the build's child ${child} to end with its controller`, 15_000);
    } finally {
      s.child.kill('SIGCONT');
      await s.stop('SIGKILL');
    }
  });
});
