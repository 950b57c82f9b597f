import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { StewardError, coerceError } from '../../errors/index.js';
import type { NodeChannel } from '../../nodes/index.js';
import type { Cause } from '../config/index.js';
import type { Job } from '../job.js';
import type { Jobs } from '../jobs.js';
import type { PollContext, PollResult, PushedHead } from './api.js';

/** Where Jenkins keeps a job's last polling log, beside its config.xml. */
export const SCM_POLLING_LOG = 'scm-polling.log';

/** The polling log keeps at most this much of one poll; past it, one line says what was left out. */
const MAX_POLL_LOG_BYTES = 64 * 1024;

/** What a poll's process may write back at most (a remote's heads). */
export const MAX_POLL_OUTPUT_BYTES = 16 * 1024 * 1024;

/** The cause of a build a poll started (hudson.triggers.SCMTrigger$SCMTriggerCause). */
export const SCM_TRIGGER_CAUSE: Cause = { kind: 'scm', shortDescription: 'Started by an SCM change' };

export interface ScmPollingOptions {
  readonly jobs: Jobs;
  /** The built-in node's channel: polls run their processes there, never in a fork of the controller. */
  readonly channel: NodeChannel;
  /** The environment processes start with (PATH, HOME). */
  readonly baseEnv: Readonly<Record<string, string>>;
  readonly logger: Logger;
  /** Queues a build of the job; throws when it is refused (the queue is full, the job disabled). */
  readonly schedule: (job: string, cause: Cause) => void;
  /** Polls running at once (default 4); the others wait their turn. */
  readonly concurrency?: number;
  /** The longest a poll's process may run (default 10 minutes, the git plugin's timeout). */
  readonly timeoutMs?: number;
  /**
   * How long an answer shared among the polls of a cycle stays good for a scheduled poll (default
   * 10 s): jobs whose crons fire together share one `git ls-remote`.
   */
  readonly cycleMs?: number;
  /**
   * The least time between two starts of one shared answer (default 1 s): a storm of push
   * notifications for one remote runs its `git ls-remote` at most once a second, one at a time.
   */
  readonly minIntervalMs?: number;
  readonly now?: () => number;
  /** How long a poll is put off while a build of its job runs (default 10 s), before it looks again. */
  readonly busyRetryMs?: number;
  /** Told when a poll ends (benchmarks, tests). */
  readonly onPolled?: (job: string, result: PollResult) => void;
}

interface Asked {
  readonly notBefore: number;
  readonly pushed: PushedHead | undefined;
}

interface SharedAnswer {
  readonly startedAt: number;
  readonly promise: Promise<unknown>;
  settledAt: number | undefined;
  /** The next computation, for polls asked after this one started while it still runs. */
  next: Promise<unknown> | undefined;
}

/** How many processes were started for polls, and polls run (metrics, benchmarks). */
export interface PollingCounts {
  polls: number;
  processes: number;
  shared: number;
}

/**
 * Runs the polls of jobs' SCMs (Jenkins' SCMTrigger runner): asked by the SCM trigger on its
 * schedule and by push notifications. A job has at most one poll waiting and one running: a poll
 * asked while one waits is the same poll, and one asked while it runs for a newer reason runs once
 * more after it. At most `concurrency` polls run at once. Answers a poll shares (`PollContext.shared`)
 * are computed once for every poll that asks for them within a cycle, so that a thousand jobs of
 * one remote cost one `git ls-remote`; a poll asked by a push notification never reuses an answer
 * made before it was asked. Each poll's log replaces the job's `scm-polling.log`.
 */
export class ScmPolling {
  readonly #o: ScmPollingOptions;
  readonly #now: () => number;
  readonly #concurrency: number;
  readonly #cycleMs: number;
  readonly #minIntervalMs: number;
  /** When each shared answer was last started. */
  readonly #lastStart = new Map<string, number>();
  /** Waiting polls, by job, with the time an answer must not be older than, and the head a push vouched for. */
  readonly #waiting = new Map<string, Asked>();
  /** Running polls, by job; `again` when one more was asked for a newer reason. */
  readonly #running = new Map<string, { again: Asked | undefined }>();
  readonly #shared = new Map<string, SharedAnswer>();
  readonly #idle = new Set<() => void>();
  /** Polls put off while a build of their job runs, by job. */
  readonly #later = new Map<string, NodeJS.Timeout>();
  readonly counts: PollingCounts = { polls: 0, processes: 0, shared: 0 };
  #closed = false;

  constructor(opts: ScmPollingOptions) {
    this.#o = opts;
    this.#now = opts.now ?? Date.now;
    this.#concurrency = Math.max(1, opts.concurrency ?? 4);
    this.#cycleMs = opts.cycleMs ?? 10_000;
    this.#minIntervalMs = opts.minIntervalMs ?? 1_000;
  }

  /**
   * Asks for a poll of `job`. `fresh`: a push notification, whose poll must ask the remote again.
   * Returns false when the poll was already asked for (and will see what this one would).
   */
  request(job: string, fresh: boolean, pushed?: PushedHead): boolean {
    if (this.#closed) return false;
    const now = this.#now();
    const asked: Asked = { notBefore: fresh ? now : now - this.#cycleMs, pushed };
    const running = this.#running.get(job);
    if (running !== undefined) {
      if (!fresh) return false;
      const first = running.again === undefined;
      running.again = newer(running.again, asked);
      return first;
    }
    const waiting = this.#waiting.get(job);
    if (waiting !== undefined) {
      this.#waiting.set(job, newer(waiting, asked));
      return false;
    }
    this.#waiting.set(job, asked);
    this.#pump();
    return true;
  }

  /** Resolves once no poll waits or runs (tests, benchmarks). */
  idle(): Promise<void> {
    if (this.#waiting.size === 0 && this.#running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.add(resolve));
  }

  #pump(): void {
    while (!this.#closed && this.#running.size < this.#concurrency && this.#waiting.size > 0) {
      const [job, asked] = this.#waiting.entries().next().value as [string, Asked];
      this.#waiting.delete(job);
      const state = { again: undefined as Asked | undefined };
      this.#running.set(job, state);
      void this.#poll(job, asked).finally(() => {
        this.#running.delete(job);
        if (state.again !== undefined && !this.#closed) this.#waiting.set(job, state.again);
        this.#pump();
        if (this.#waiting.size === 0 && this.#running.size === 0) {
          for (const r of this.#idle) r();
          this.#idle.clear();
        }
      });
    }
  }

  async #poll(name: string, asked: Asked): Promise<void> {
    const job = this.#o.jobs.get(name);
    const def = job?.definition;
    if (job === undefined || def?.kind !== 'freestyle' || def.scm?.poll === undefined || def.parsed.config.disabled) return;
    if (job.running.size > 0) {
      // What the running build checks out is not recorded yet: compared with the build before it,
      // the head it builds would look new and be queued a second time. Looked at again once it ended.
      this.#putOff(name, asked);
      return;
    }
    const lines: string[] = [];
    let size = 0;
    let cut = false;
    const log = (text: string): void => {
      if (cut) return;
      size += Buffer.byteLength(text) + 1;
      if (size > MAX_POLL_LOG_BYTES) {
        cut = true;
        lines.push(`(the rest of this poll's log, past ${MAX_POLL_LOG_BYTES / 1024} KiB, is left out)`);
        return;
      }
      lines.push(text.endsWith('\n') ? text.slice(0, -1) : text);
    };
    const started = this.#now();
    log(`Started on ${new Date(started).toUTCString()}`);
    this.counts.polls++;
    let result: PollResult;
    try {
      result = await def.scm.poll(this.#context(job, asked, log));
    } catch (err) {
      result = { kind: 'failed', reason: `ERROR: polling failed: ${coerceError(err).message}` };
    }
    log(`Done. Took ${formatSeconds(this.#now() - started)}`);
    log(result.kind === 'changes' ? 'Changes found' : result.kind === 'none' ? 'No changes' : result.reason);
    if (result.kind === 'changes') {
      try {
        this.#o.schedule(name, SCM_TRIGGER_CAUSE);
      } catch (err) {
        const e = coerceError(err);
        log(`The build could not be queued: ${e.message}`);
        this.#o.logger.warn({ job: name, err: e.toJSON() }, `a poll of ${name} found changes, but its build could not be queued: ${e.message}`);
      }
    } else if (result.kind === 'failed') {
      this.#o.logger.warn({ job: name, reason: result.reason }, `polling ${name} failed: ${result.reason}`);
    }
    this.#o.onPolled?.(name, result);
    try {
      // A cache Jenkins keeps: it can be lost in a crash without harm, so it is written without fsync.
      if (!this.#closed && this.#o.jobs.get(name) === job) await this.#o.jobs.store.writeLazy(`jobs/${name}/${SCM_POLLING_LOG}`, `${lines.join('\n')}\n`);
    } catch (err) {
      this.#o.logger.warn({ job: name, err: coerceError(err).toJSON() }, `the polling log of ${name} could not be written`);
    }
  }

  #context(job: Job, asked: Asked, log: (text: string) => void): PollContext {
    const o = this.#o;
    const timeoutMs = o.timeoutMs ?? 10 * 60_000;
    return {
      jobName: job.name,
      timeoutMs,
      log,
      mask: () => undefined,
      credential: async (id) => {
        const secrets = o.jobs.secrets;
        if (secrets === undefined) throw new StewardError('STW_INTERNAL', 'this controller was started without a credentials store');
        return secrets.credential(id, job.name);
      },
      tempFile: (name, content, mode) => o.channel.writeTempFile(name, content, mode),
      lastBuiltActions: async (holding) => {
        const r = await o.jobs.lastBuild(job, (r) => r.result !== undefined && r.result !== 'NOT_BUILT' && (holding === undefined || (r.actions ?? []).some((a) => a.name === holding)));
        return r === undefined ? undefined : (r.actions ?? []);
      },
      launch: (command, args, opts) => this.#launch(job.name, command, args, opts?.env ?? {}, opts?.output, Math.min(opts?.timeoutMs ?? timeoutMs, timeoutMs)),
      shared: <T>(key: string, compute: () => Promise<T>) => this.#share(key, asked.notBefore, compute),
      pushed: asked.pushed,
    };
  }

  async #launch(job: string, command: string, args: readonly string[], env: Record<string, string>, output: ((chunk: Buffer) => void) | undefined, timeoutMs: number): Promise<number> {
    this.counts.processes++;
    const step = this.#o.channel.launch({
      // Not a build: the cookie finds what the process leaves behind when it is stopped.
      build: { job, number: 0, cookie: `poll-${randomBytes(12).toString('base64url')}` },
      command,
      args,
      cwd: '/',
      env: { ...this.#o.baseEnv, ...env },
      mask: [],
      onOutput: output ?? (() => undefined),
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      void step.stop(1000).catch(() => undefined);
    }, timeoutMs);
    try {
      const code = await step.exited;
      return timedOut ? 143 : code;
    } finally {
      clearTimeout(timer);
    }
  }

  #share<T>(key: string, notBefore: number, compute: () => Promise<T>): Promise<T> {
    const now = this.#now();
    for (const [k, a] of this.#shared) {
      if (a.settledAt !== undefined && now - a.settledAt > this.#cycleMs && a.next === undefined) {
        this.#shared.delete(k);
        this.#lastStart.delete(k);
      }
    }
    const found = this.#shared.get(key);
    if (found !== undefined && found.startedAt >= notBefore) {
      this.counts.shared++;
      return found.promise as Promise<T>;
    }
    const start = (): Promise<T> => {
      const wait = (this.#lastStart.get(key) ?? -Infinity) + this.#minIntervalMs - this.#now();
      const startedAt = this.#now() + Math.max(0, wait);
      this.#lastStart.set(key, startedAt);
      const run = wait > 0 ? new Promise<void>((r) => setTimeout(r, wait)).then(compute) : compute();
      const answer: SharedAnswer = { startedAt, promise: run, settledAt: undefined, next: undefined };
      this.#shared.set(key, answer);
      answer.promise.then(
        () => (answer.settledAt = this.#now()),
        () => (answer.settledAt = this.#now()),
      );
      return answer.promise as Promise<T>;
    };
    if (found !== undefined && found.settledAt === undefined) {
      // Started before this poll was asked for: one more runs after it, for every poll that waits.
      found.next ??= found.promise.then(
        () => start(),
        () => start(),
      );
      return found.next as Promise<T>;
    }
    return start();
  }

  #putOff(job: string, asked: Asked): void {
    if (this.#later.has(job) || this.#closed) return;
    const timer = setTimeout(() => {
      this.#later.delete(job);
      if (this.#closed) return;
      const again = this.#waiting.get(job);
      this.#waiting.set(job, newer(again, asked));
      this.#pump();
    }, this.#o.busyRetryMs ?? 10_000);
    timer.unref();
    this.#later.set(job, timer);
  }

  close(): void {
    this.#closed = true;
    for (const t of this.#later.values()) clearTimeout(t);
    this.#later.clear();
    this.#waiting.clear();
    for (const r of this.#idle) r();
    this.#idle.clear();
  }
}

/** Of two asks for one job's poll, what the poll must honour: the newer answer, and the newer pushed head. */
function newer(a: Asked | undefined, b: Asked): Asked {
  if (a === undefined) return b;
  return { notBefore: Math.max(a.notBefore, b.notBefore), pushed: b.pushed ?? a.pushed };
}

function formatSeconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} sec`;
}
