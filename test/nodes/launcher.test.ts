import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, test } from 'node:test';
import { Launcher, stepScript, type LaunchOptions } from '../../src/nodes/index.js';
import { alive } from '../support/process-alive.js';
import { REPO, eventually, tempDir } from '../support/steward-process.js';

async function run(l: Launcher, opts: Omit<LaunchOptions, 'onOutput' | 'build' | 'mask'>): Promise<{ code: number; out: string; pid: number | undefined }> {
  const chunks: Buffer[] = [];
  const p = l.spawn({ build: { job: 'j', number: 1, cookie: 'test-cookie' }, mask: [], ...opts, onOutput: (c) => void chunks.push(c) });
  const [code, pid] = await Promise.all([p.exited, p.pid]);
  return { code, pid, out: Buffer.concat(chunks).toString() };
}

for (const poolSize of [0, 2]) {
  describe(`the launcher (${poolSize === 0 ? 'direct spawn' : 'waiting shells'})`, () => {
    test('a step sees exactly its environment, its directory, and no standard input', async () => {
      await using dir = await tempDir();
      const l = new Launcher({ poolSize, poolEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin', LEFTOVER: 'from the pool' } });
      l.warm();
      try {
        await new Promise((r) => setTimeout(r, 200));
        const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', QUOTED: "it's \"a\" $test\nsecond line", EMPTY: '' };
        const r = await run(l, {
          command: '/bin/sh',
          args: ['-c', 'env | sort | grep -v "^PWD=\\|^SHLVL=\\|^_=\\|^OLDPWD="; pwd; cat; echo "stdin=$?"'],
          cwd: dir.dir,
          env,
        });
        assert.equal(r.code, 0, r.out);
        assert.ok(r.pid !== undefined && r.pid > 0);
        const lines = r.out.trim().split('\n');
        assert.deepEqual(lines.slice(0, 4), ['EMPTY=', `PATH=${env.PATH}`, `QUOTED=it's "a" $test`, 'second line']);
        assert.equal(lines[4], dir.dir);
        assert.equal(lines[5], 'stdin=0');
        assert.equal(r.out.includes('LEFTOVER'), false);
      } finally {
        await l.close();
      }
    });

    test('exit codes, signals and output order come through', async () => {
      const l = new Launcher({ poolSize, poolEnv: { PATH: '/usr/bin:/bin' } });
      try {
        const ok = await run(l, { command: '/bin/sh', args: ['-c', 'for i in 1 2 3 4 5; do echo line$i; done; exit 7'], cwd: '/', env: { PATH: '/usr/bin:/bin' } });
        assert.equal(ok.code, 7);
        assert.equal(ok.out, 'line1\nline2\nline3\nline4\nline5\n');
        const killed = await run(l, { command: '/bin/sh', args: ['-c', 'kill -TERM $$'], cwd: '/', env: {} });
        assert.equal(killed.code, 128 + 15);
        const missing = await run(l, { command: '/no/such/program', args: [], cwd: '/', env: {} });
        assert.equal(missing.code, 127);
      } finally {
        await l.close();
      }
    });

    test('a step launched with a release runs its command only once released, and not at all when the release fails', async () => {
      await using dir = await tempDir();
      const l = new Launcher({ poolSize, poolEnv: { PATH: '/usr/bin:/bin' } });
      l.warm();
      try {
        await new Promise((r) => setTimeout(r, 200));
        const marker = path.join(dir.dir, 'ran');
        let release!: () => void;
        const released = new Promise<void>((r) => (release = r));
        const chunks: Buffer[] = [];
        const held = l.spawn({ build: { job: 'j', number: 1, cookie: 'c' }, mask: [], command: '/bin/sh', args: ['-c', `touch '${marker}'; echo ran`], cwd: dir.dir, env: { PATH: '/usr/bin:/bin' }, onOutput: (c) => void chunks.push(c), release: released });
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(existsSync(marker), false, 'not before its release');
        release();
        assert.equal(await held.exited, 0);
        assert.equal(Buffer.concat(chunks).toString(), 'ran\n');
        assert.equal(existsSync(marker), true);

        const never = path.join(dir.dir, 'never');
        const refused = Promise.reject(new Error('the set-up could not be made durable'));
        refused.catch(() => undefined);
        const dropped = l.spawn({ build: { job: 'j', number: 2, cookie: 'c' }, mask: [], command: '/bin/sh', args: ['-c', `touch '${never}'`], cwd: dir.dir, env: { PATH: '/usr/bin:/bin' }, onOutput: () => undefined, release: refused });
        assert.notEqual(await dropped.exited, 0);
        await new Promise((r) => setTimeout(r, 100));
        assert.equal(existsSync(never), false, 'its command never ran');
      } finally {
        await l.close();
      }
    });
  });
}

/** Blocks this process's event loop, as a paused controller's is: no timer runs, no heartbeat goes. */
function blockEventLoop(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

describe('the launcher watchdog', () => {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

  test('steps run to their end while this process sends heartbeats', async () => {
    const l = new Launcher({ poolSize: 1, poolEnv: env, watchdogMs: 200 });
    try {
      const r = await run(l, { command: '/bin/sh', args: ['-c', 'sleep 1; echo done'], cwd: '/', env });
      assert.equal(r.code, 0, r.out);
      assert.equal(r.out, 'done\n');
    } finally {
      await l.close();
    }
  });

  for (const poolSize of [0, 2]) {
    test(`when heartbeats stop, every step's process group ends and later launches fail with a log line (${poolSize === 0 ? 'direct spawn' : 'waiting shells'})`, async () => {
      await using dir = await tempDir();
      const termed = path.join(dir.dir, 'termed');
      const l = new Launcher({ poolSize, poolEnv: env, watchdogMs: 300 });
      l.warm();
      try {
        const chunks: Buffer[] = [];
        const step = l.spawn({
          build: { job: 'j', number: 1, cookie: 'watchdog-cookie' },
          mask: [],
          command: '/bin/sh',
          args: ['-c', `trap 'date +%s%3N > ${termed}; exit 143' TERM; sleep 60 & echo "child $!"; wait`],
          cwd: dir.dir,
          env,
          onOutput: (c) => void chunks.push(c),
        });
        const child = await eventually(() => Number(/child (\d+)/.exec(Buffer.concat(chunks).toString())?.[1]) || undefined, 'the step to start its child');
        assert.ok(alive(child));

        const blockedAt = Date.now();
        blockEventLoop(1500);
        const resumedAt = Date.now();

        assert.ok([127, 143].includes(await step.exited), 'the step was ended');
        const termedAt = Number(readFileSync(termed, 'utf8'));
        // The last heartbeat went at most a fifth of the watchdog period before the block.
        assert.ok(termedAt >= blockedAt + 240 && termedAt < resumedAt, `TERM at +${termedAt - blockedAt} ms of ${resumedAt - blockedAt} ms without heartbeats`);
        await eventually(() => (alive(child) ? undefined : true), `the step's child ${child} to end`, 5_000);

        const later = await run(l, { command: '/bin/true', args: [], cwd: '/', env });
        assert.equal(later.code, 127);
        assert.match(later.out, /^ERROR: .*heard nothing from the controller for 300 ms/);
      } finally {
        await l.close();
      }
    });
  }
});

/**
 * Starts a launcher in a process of its own, with one step that writes without pause, kills that
 * process (the controller gone), and reports what became of the step and the launcher.
 */
async function killOwnerWhileStepWrites(poolSize: number): Promise<{ termed: boolean; launcherStderr: string }> {
  await using dir = await tempDir();
  const termed = path.join(dir.dir, 'termed');
  const script = `trap 'echo > ${termed}; exit 143' TERM; echo "started $$ $PPID"; while :; do echo 0123456789abcdefghijklmnopqrstuvwxyz; done`;
  const owner = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'test/support/launcher-owner.ts'), String(poolSize), script], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  owner.stderr.setEncoding('utf8').on('data', (t: string) => stderr.push(t));
  // The launcher holds the pipe too: its standard error is the owner's.
  const stderrClosed = new Promise((resolve) => owner.stderr.once('close', resolve));
  let pids: { step: number; launcher: number } | undefined;
  createInterface({ input: owner.stdout }).on('line', (line) => {
    const m = /^started (\d+) (\d+)$/.exec(line);
    if (m !== null) pids = { step: Number(m[1]), launcher: Number(m[2]) };
  });
  try {
    const { step, launcher } = await eventually(() => pids, 'the step to start', 20_000);
    await new Promise((r) => setTimeout(r, 100));
    owner.kill('SIGKILL');
    await eventually(() => (alive(step) ? undefined : true), `the step ${step} to end`, 10_000);
    await eventually(() => (alive(launcher) ? undefined : true), `the launcher ${launcher} to exit`, 10_000);
    await stderrClosed;
    return { termed: existsSync(termed), launcherStderr: stderr.join('') };
  } finally {
    if (pids !== undefined && alive(pids.step)) process.kill(-pids.step, 'SIGKILL');
    if (owner.exitCode === null && owner.signalCode === null) owner.kill('SIGKILL');
  }
}

describe('a launcher whose controller dies', () => {
  for (const poolSize of [0, 2]) {
    test(`ends its steps with TERM and exits without an error when the channel closes while it relays output (${poolSize === 0 ? 'direct spawn' : 'waiting shells'})`, async () => {
      // The channel's end can meet a write in flight (EPIPE) or not: a few rounds meet it.
      for (let round = 1; round <= 3; round++) {
        const r = await killOwnerWhileStepWrites(poolSize);
        assert.equal(r.launcherStderr, '', `round ${round}: the launcher wrote nothing to its standard error`);
        assert.ok(r.termed, `round ${round}: the launcher sent TERM to the step`);
      }
    });
  }
});

describe('step scripts for waiting shells', () => {
  test('a variable name sh cannot write means a direct spawn', () => {
    assert.equal(stepScript({ command: 'x', args: [], cwd: '/', env: { 'my.param': '1' } }, {}), undefined);
  });

  test('variables of the waiting shell that the step does not have are unset', () => {
    const s = stepScript({ command: '/bin/sh', args: ['-c', "echo 'hi'"], cwd: '/w s', env: { A: '1' } }, { A: '0', B: '2' });
    assert.equal(s, "unset B\nexport A='1'\ncd -- '/w s' || exit 127\nexec '/bin/sh' '-c' 'echo '\\''hi'\\''' </dev/null\n");
  });
});
