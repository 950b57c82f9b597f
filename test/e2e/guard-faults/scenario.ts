/**
 * `steward guard` with a lease backend when the guard or its watchdog fails: the guarded command
 * must be gone before another guard's command can start, whatever happened. One test file per
 * backend runs these (`guardFaults('redis')`).
 *
 * Guard A runs a command that ignores TERM (so that only KILL, in time, ends it) and records its
 * pid; guard B waits for the same lease with a command that records in what state it finds A's
 * command when it starts. Then one fault hits A: SIGKILL of the guard, SIGKILL of its watchdog, or
 * SIGSTOP of the guard. A real server for the backend; TTL 2 s.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { LeaseServer } from '../../ha/lease-contract.js';
import { guard, type GuardRun } from '../../support/guard-process.js';
import { LEASE_FIXTURES, type LeaseFixtureName } from '../../support/lease-servers.js';
import { alive } from '../../support/process-alive.js';
import { eventually, tempDir } from '../../support/steward-process.js';

const TTL = '2s';
const FAULTS = ['SIGKILL of the guard', 'SIGKILL of the watchdog', 'SIGSTOP of the guard'] as const;
type Fault = (typeof FAULTS)[number];

/** Exit statuses of `steward guard` (docs/errors.md). */
const LOST = 4;
const FAILED = 5;

const startedLine = /^start a (\d+)$/m;
const checkedLine = /^start b (\S+)$/m;

/** A's command: records its pid, then sleeps on ignoring TERM (the disposition survives exec). */
const commandA = (runs: string) => ['/bin/sh', '-c', `trap '' TERM; echo "start a $$" >> ${runs}; exec sleep 60`];

/** B's command: records the state of A's command in /proc ("gone" when it has no entry). */
const commandB = (runs: string) => [
  '/bin/sh',
  '-c',
  `apid=$(sed -n 's/^start a //p' ${runs}); st=$(sed 's/.*) //' /proc/$apid/stat 2>/dev/null | cut -c1); echo "start b \${st:-gone}" >> ${runs}`,
];

function watchdogOf(g: GuardRun): number | undefined {
  const line = g.log().find((l) => typeof l.watchdog === 'number' && typeof l.commandPid === 'number');
  return line === undefined ? undefined : (line.watchdog as number);
}

async function scenario(server: LeaseServer, backend: LeaseFixtureName, fault: Fault): Promise<void> {
  await using dir = await tempDir();
  const runs = path.join(dir.dir, 'runs');
  writeFileSync(runs, '');
  const lock = server.url(`guard-${backend}-${FAULTS.indexOf(fault)}`);
  const read = () => readFileSync(runs, 'utf8');
  const a = guard(['--lock', lock, '--ttl', TTL, '--wait', '--', ...commandA(runs)]);
  let b: GuardRun | undefined;
  let commandPid: number | undefined;
  try {
    commandPid = Number(await eventually(() => startedLine.exec(read())?.[1], "A's command to start"));
    const watchdog = fault === 'SIGKILL of the watchdog' ? await eventually(() => watchdogOf(a), "A's log to name its watchdog") : undefined;
    b = guard(['--lock', lock, '--ttl', TTL, '--wait', '--', ...commandB(runs)]);
    const pid = commandPid;

    if (fault === 'SIGKILL of the guard') {
      a.signal('SIGKILL');
    } else if (watchdog !== undefined) {
      process.kill(watchdog, 'SIGKILL');
    } else {
      a.signal('SIGSTOP');
    }

    if (backend === 'file' && fault === 'SIGSTOP of the guard') {
      // A paused holder keeps its flock: nobody else can hold the lease, so the command runs on
      // and B waits.
      await new Promise((r) => setTimeout(r, 3000));
      assert.ok(alive(pid), 'the command of a paused guard with a file: lease runs on');
      assert.doesNotMatch(read(), checkedLine, 'B did not start while A held the flock');
      a.signal('SIGCONT');
      a.signal('SIGTERM');
      await eventually(() => (alive(pid) ? undefined : true), "A's command to end after the guard was resumed and stopped");
    } else {
      await eventually(() => (alive(pid) ? undefined : true), "A's command to end", 10_000);
    }
    await eventually(() => checkedLine.exec(read())?.[1], "B's command to start", 15_000);
    assert.equal(await b.code, 0);
    assert.match(checkedLine.exec(read())?.[1] ?? '', /^(gone|Z)$/, `B's command started only after A's was gone:\n${read()}`);

    if (fault === 'SIGKILL of the watchdog') {
      assert.equal(await a.code, FAILED);
      assert.ok(a.log().some((l) => typeof l.msg === 'string' && l.msg.startsWith(`the watchdog (pid ${watchdog}) ended`)), 'the guard says its watchdog ended');
    } else if (fault === 'SIGSTOP of the guard' && backend !== 'file') {
      a.signal('SIGCONT');
      assert.equal(await a.code, LOST, 'the resumed guard finds its lease lost');
    } else if (fault === 'SIGKILL of the guard') {
      assert.equal(await a.code, -1);
    }
  } catch (err) {
    const said = (g: GuardRun | undefined) => (g?.log() ?? []).map((l) => String(l.msg)).join('\n  ');
    throw new Error(`${String(err)}\nruns:\n${read()}\nA said:\n  ${said(a)}\nB said:\n  ${said(b)}`, { cause: err });
  } finally {
    a.signal('SIGCONT');
    a.signal('SIGKILL');
    b?.signal('SIGKILL');
    if (commandPid !== undefined && alive(commandPid)) process.kill(commandPid, 'SIGKILL');
    await a.code;
    await b?.code;
  }
}

/** The three faults against one backend, as a describe block of its own. */
export function guardFaults(backend: LeaseFixtureName): void {
  describe(`steward guard with the ${backend} lease stops its command before the lease can pass on, whatever kills or pauses the guard`, () => {
    let server: LeaseServer | undefined;
    before(async () => {
      server = await LEASE_FIXTURES[backend].start();
    });
    after(async () => {
      await server?.stop();
    });
    for (const fault of FAULTS) {
      const outcome =
        backend === 'file' && fault === 'SIGSTOP of the guard'
          ? 'the command runs on and a waiting guard waits, since a paused holder keeps its flock'
          : "a waiting guard's command starts only once the command is gone";
      test(`after ${fault}, ${outcome}`, { timeout: 60_000 }, async () => {
        if (server === undefined) throw new Error('no server');
        await scenario(server, backend, fault);
      });
    }
  });
}
