/**
 * The behaviour every lease backend must show, run against a real server by each backend's test
 * file: `leaseContract('redis', fixture)`. The contenders are real processes
 * (test/support/lease-contender.ts); faults are SIGKILL, SIGSTOP and a TCP proxy the test controls.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { isStewardError } from '../../src/errors/index.js';
import { openLease, type Lease } from '../../src/ha/index.js';
import { REPO, tempDir } from '../support/steward-process.js';
import { TcpProxy } from '../support/tcp-proxy.js';

export interface LeaseServer {
  /** A lease URL on the server, with a key/path/table of its own for each call. */
  url(name: string): string;
  /** The same, through a proxy listening on `port` (host 127.0.0.1). */
  urlVia(name: string, port: number): string;
  /** Where the server listens, for the proxy. */
  readonly target: { host: string; port: number };
  stop(): Promise<void>;
}

export interface LeaseFixture {
  start(): Promise<LeaseServer>;
}

/** TTL of the fault tests: short, so that they run in seconds. */
export const TTL_MS = 2000;
/** Seconds of the contention test: 5 in the suite, STEWARD_LEASE_SOAK_SECONDS for the long run (60). */
const SOAK_SECONDS = Number(process.env.STEWARD_LEASE_SOAK_SECONDS ?? 5);

export const holder = (id: string) => ({ host: os.hostname(), pid: process.pid, instanceId: id, startedAt: new Date().toISOString() });

export interface ContenderEvent {
  event: 'acquired' | 'lost' | 'released';
  epoch: number;
  at: number;
  reason?: string;
}

/** A lease-contender process, with its events as they come. */
export class Contender {
  readonly child: ChildProcess;
  readonly events: ContenderEvent[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<number | null>;

  constructor(args: { url: string; log: string; id: string; ttlMs?: number; holdMs?: number; rounds?: number }) {
    this.child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(REPO, 'test/support/lease-contender.ts'),
        '--url',
        args.url,
        '--log',
        args.log,
        '--id',
        args.id,
        '--ttl',
        String(args.ttlMs ?? TTL_MS),
        '--hold',
        String(args.holdMs ?? 300),
        '--rounds',
        String(args.rounds ?? 1_000_000),
      ],
      { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      try {
        this.events.push(JSON.parse(line) as ContenderEvent);
      } catch {
        this.stderr.push(line);
      }
    });
    createInterface({ input: this.child.stderr! }).on('line', (line) => this.stderr.push(line));
  }

  async waitFor(event: ContenderEvent['event'], timeoutMs: number, after = 0): Promise<ContenderEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const e = this.events.find((x) => x.event === event && x.at >= after);
      if (e !== undefined) return e;
      if (this.child.exitCode !== null) throw new Error(`contender exited (${this.child.exitCode}) before "${event}": ${this.stderr.join('\n')}`);
      if (Date.now() > deadline) throw new Error(`no "${event}" within ${timeoutMs} ms: ${this.stderr.join('\n')}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGCONT');
      this.child.kill(signal);
    }
    await this.exited;
  }
}

/**
 * Checks the shared log: epochs of "start" lines only grow, and no line carries an epoch below one
 * already started (a deposed holder wrote nothing after its successor began).
 */
export function assertNoOverlap(logFile: string): { holders: number } {
  const lines = readFileSync(logFile, 'utf8').trim().split('\n').filter(Boolean);
  let current = 0;
  let holders = 0;
  for (const [i, line] of lines.entries()) {
    const [epochText, what] = line.split(' ');
    const epoch = Number(epochText);
    if (what === 'start') {
      assert.ok(epoch > current, `line ${i + 1} "${line}": an epoch that does not grow (current ${current})`);
      current = epoch;
      holders++;
    } else {
      assert.equal(epoch, current, `line ${i + 1} "${line}": written under epoch ${epoch} while ${current} holds the lease`);
    }
  }
  return { holders };
}

export function leaseContract(name: string, fixture: LeaseFixture): void {
  describe(`the ${name} lease`, () => {
    let server: LeaseServer;
    let n = 0;
    const fresh = () => `t${process.pid}-${++n}`;

    before(async () => {
      server = await fixture.start();
    });
    after(async () => {
      await server?.stop();
    });

    test('a second instance is refused naming the holder; after release the lease comes back with a larger epoch', async () => {
      const url = server.url(fresh());
      const first = await openLease(url, { holder: holder('first'), ttlMs: TTL_MS });
      try {
        assert.equal(first.held, true);
        await assert.rejects(openLease(url, { holder: holder('second'), ttlMs: TTL_MS }), (e: unknown) => {
          assert.ok(isStewardError(e, 'STW_HOME_LOCKED'), String(e));
          assert.match(e.message, new RegExp(`pid ${process.pid}`));
          return true;
        });
        // Renewals keep it held past its TTL.
        await new Promise((r) => setTimeout(r, TTL_MS * 1.5));
        assert.equal(first.held, true);
      } finally {
        await first.release();
      }
      assert.equal(first.held, false);
      const second = await openLease(url, { holder: holder('second'), ttlMs: TTL_MS });
      try {
        assert.ok(second.epoch > first.epoch, `epoch ${second.epoch} > ${first.epoch}`);
      } finally {
        await second.release();
      }
    });

    test(`five processes contending for ${SOAK_SECONDS} s never overlap and epochs only grow`, { timeout: SOAK_SECONDS * 1000 + 60_000 }, async () => {
      await using dir = await tempDir();
      const log = path.join(dir.dir, 'holders.log');
      const url = server.url(fresh());
      const contenders = Array.from({ length: 5 }, (_, i) => new Contender({ url, log, id: `c${i}`, holdMs: 150 }));
      try {
        // The clock starts at the first acquisition: starting five processes takes a while on a busy machine.
        await Promise.any(contenders.map((c) => c.waitFor('acquired', 60_000)));
        await new Promise((r) => setTimeout(r, SOAK_SECONDS * 1000));
      } finally {
        await Promise.all(contenders.map((c) => c.kill('SIGTERM')));
      }
      const { holders } = assertNoOverlap(log);
      assert.ok(holders >= 5, `the lease changed hands ${holders} times`);
    });

    test('a holder killed with SIGKILL is replaced within the TTL plus a small bound', { timeout: 60_000 }, async () => {
      await using dir = await tempDir();
      const log = path.join(dir.dir, 'holders.log');
      const url = server.url(fresh());
      const a = new Contender({ url, log, id: 'a', holdMs: 600_000, rounds: 1 });
      await a.waitFor('acquired', 20_000);
      const b = new Contender({ url, log, id: 'b', holdMs: 600_000, rounds: 1 });
      try {
        await new Promise((r) => setTimeout(r, 1000)); // b is waiting
        const killedAt = Date.now();
        await a.kill('SIGKILL');
        const got = await b.waitFor('acquired', TTL_MS + 10_000);
        const took = got.at - killedAt;
        assert.ok(took <= TTL_MS + 3000, `took over ${took} ms after the kill (TTL ${TTL_MS})`);
      } finally {
        await b.kill();
      }
      assertNoOverlap(log);
    });

    test('a holder paused past its TTL is replaced, and once resumed reports the loss and writes nothing more', { timeout: 60_000 }, async () => {
      await using dir = await tempDir();
      const log = path.join(dir.dir, 'holders.log');
      const url = server.url(fresh());
      const a = new Contender({ url, log, id: 'a', holdMs: 600_000, rounds: 1 });
      const first = await a.waitFor('acquired', 20_000);
      const b = new Contender({ url, log, id: 'b', holdMs: 600_000, rounds: 1 });
      try {
        await new Promise((r) => setTimeout(r, 500));
        a.child.kill('SIGSTOP');
        const taken = await b.waitFor('acquired', TTL_MS + 10_000);
        assert.ok(taken.epoch > first.epoch);
        await new Promise((r) => setTimeout(r, 300));
        a.child.kill('SIGCONT');
        const lost = await a.waitFor('lost', 10_000);
        assert.equal(lost.epoch, first.epoch);
        await new Promise((r) => setTimeout(r, 500));
      } finally {
        await Promise.all([a.kill(), b.kill()]);
      }
      assertNoOverlap(log);
      const lines = readFileSync(log, 'utf8');
      const bStart = lines.indexOf(`start b`);
      assert.ok(bStart > 0);
      assert.doesNotMatch(lines.slice(bStart), / a\n/, 'the paused holder wrote nothing after it was replaced');
    });

    test('a holder cut off from the service stops before another instance can take the lease', { timeout: 60_000 }, async () => {
      await using dir = await tempDir();
      const log = path.join(dir.dir, 'holders.log');
      const key = fresh();
      const proxy = await TcpProxy.start(server.target);
      const a = new Contender({ url: server.urlVia(key, proxy.port), log, id: 'a', holdMs: 600_000, rounds: 1 });
      try {
        await a.waitFor('acquired', 20_000);
        const b = new Contender({ url: server.url(key), log, id: 'b', holdMs: 600_000, rounds: 1 });
        try {
          await new Promise((r) => setTimeout(r, 500));
          proxy.blackhole();
          const lost = await a.waitFor('lost', TTL_MS + 10_000);
          const taken = await b.waitFor('acquired', TTL_MS + 15_000);
          assert.ok(lost.at < taken.at, `the cut-off holder stopped at ${lost.at}, before the takeover at ${taken.at}`);
        } finally {
          await b.kill();
        }
      } finally {
        await a.kill();
        await proxy.close();
      }
      assertNoOverlap(log);
    });
  });
}

export type { Lease };
