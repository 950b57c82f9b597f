/**
 * What became of the accepted builds, as a user sees it through the API of the active controller
 * (build records, console logs, the queue), and as the steps saw it (the marks each run left
 * outside the home).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { JOBS, expectedOutput, type ChaosCluster, type ChaosJob, type Member } from './cluster.js';
import type { AcceptedBuild } from './stream.js';

export interface BuildInfo {
  readonly job: ChaosJob;
  readonly number: number;
  readonly token: string | undefined;
  readonly building: boolean;
  readonly result: string | null;
  /** Start, ms since the epoch. */
  readonly timestamp: number;
}

/** The counts of one trial; those under `mustBeZero` fail the run when not 0. */
export interface BuildCounts {
  accepted: number;
  /** Still in the queue after the drain (allowed). */
  queued: number;
  /** Built once, with a result. */
  completed: number;
  /** Accepted, yet neither built nor queued, or built more than once, or still building after the drain. */
  notExactlyOnce: number;
  /** Two builds of one job (two tokens) that ran with the same build number. */
  duplicateNumbers: number;
  /** Accepted builds of the agents' job whose step ran more than once. */
  agentRunTwice: number;
  /** Accepted builds of the built-in job whose step ran more than once. */
  builtInRunTwice: number;
  /** Agent builds that ended SUCCESS whose log is not byte for byte what the step printed. */
  agentLogMismatch: number;
  /**
   * Accepted builds of the agents' job whose step started on an agent and that ended other than
   * SUCCESS: their step always succeeds, and an agent build outlives its controller, so one ended
   * ABORTED (or FAILURE) was given up instead of adopted.
   */
  agentNotAdopted: number;
  /** Builds that ended other than SUCCESS (a built-in build of a killed controller is ABORTED). */
  notSuccess: number;
  /** Finished builds by job and result (`chaos-built-in ABORTED`). */
  results: Record<string, number>;
  /** Each count above that is not as it should be, in words: which build, what was seen. */
  problems: string[];
}

export class BuildIndex {
  readonly #cluster: ChaosCluster;
  /** Finished builds by job and number; a finished build does not change. */
  readonly #finished = new Map<string, BuildInfo>();
  readonly #logsChecked = new Map<string, string | undefined>();

  constructor(cluster: ChaosCluster) {
    this.#cluster = cluster;
  }

  /** Every build of the stream's jobs, as the active controller shows them now. */
  async builds(active: Member): Promise<BuildInfo[]> {
    const all: BuildInfo[] = [];
    for (const job of Object.values(JOBS)) {
      const { nextBuildNumber } = await active.proc.json<{ nextBuildNumber: number }>(`job/${job}/api/json?tree=nextBuildNumber`);
      for (let n = 1; n < nextBuildNumber; n++) {
        const key = `${job}#${n}`;
        let info = this.#finished.get(key);
        if (info === undefined) {
          const res = await active.proc.fetch(`job/${job}/${n}/api/json?tree=number,building,result,timestamp,actions[parameters[name,value]]`);
          if (res.status === 404) {
            await res.body?.cancel();
            continue;
          }
          if (res.status !== 200) throw new Error(`GET ${job} #${n}: ${res.status} ${await res.text()}`);
          const b = (await res.json()) as { building: boolean; result: string | null; timestamp: number; actions: { parameters?: { name: string; value: unknown }[] }[] };
          const token = b.actions.flatMap((a) => a.parameters ?? []).find((p) => p.name === 'TOKEN')?.value;
          info = { job, number: n, token: typeof token === 'string' ? token : undefined, building: b.building, result: b.result, timestamp: b.timestamp };
          if (!info.building) this.#finished.set(key, info);
        }
        all.push(info);
      }
    }
    return all;
  }

  /** Tokens of the items in the queue now. */
  async queuedTokens(active: Member): Promise<Set<string>> {
    const { items } = await active.proc.json<{ items: { actions: { parameters?: { name: string; value: unknown }[] }[] }[] }>('queue/api/json');
    return new Set(items.flatMap((i) => i.actions.flatMap((a) => a.parameters ?? [])).filter((p) => p.name === 'TOKEN').map((p) => String(p.value)));
  }

  /**
   * Waits until every accepted build has ended (or `timeoutMs` passed), then counts. The active
   * controller may change meanwhile; the cluster is asked each time.
   */
  async settle(accepted: readonly AcceptedBuild[], timeoutMs: number): Promise<BuildCounts> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const active = await this.#cluster.active();
      if (active !== undefined) {
        try {
          const builds = await this.builds(active);
          const queued = await this.queuedTokens(active);
          const byToken = groupByToken(builds);
          const open = accepted.filter((a) => queued.has(a.token) || (byToken.get(a.token) ?? []).some((b) => b.building));
          if (open.length === 0 || Date.now() > deadline) return await this.#count(active, accepted, builds, queued);
        } catch (err) {
          if (Date.now() > deadline) throw err;
        }
      } else if (Date.now() > deadline) {
        throw new Error('no controller is active to count the builds');
      }
      await sleep(500);
    }
  }

  async #count(active: Member, accepted: readonly AcceptedBuild[], builds: readonly BuildInfo[], queued: Set<string>): Promise<BuildCounts> {
    const byToken = groupByToken(builds);
    const runs = await this.#runs();
    const counts: BuildCounts = {
      accepted: accepted.length,
      queued: 0,
      completed: 0,
      notExactlyOnce: 0,
      duplicateNumbers: 0,
      agentRunTwice: 0,
      builtInRunTwice: 0,
      agentLogMismatch: 0,
      agentNotAdopted: 0,
      notSuccess: 0,
      results: {},
      problems: [],
    };
    const tokens = new Set(accepted.map((a) => a.token));
    for (const a of accepted) {
      const got = byToken.get(a.token) ?? [];
      const done = got.filter((b) => !b.building);
      if (got.length === 0 && queued.has(a.token)) counts.queued += 1;
      else if (got.length === 1 && done.length === 1) counts.completed += 1;
      else {
        counts.notExactlyOnce += 1;
        const seen = got.map((b) => `#${b.number} ${b.building ? 'building' : (b.result ?? '')}`).join(', ');
        counts.problems.push(`${a.job} ${a.token} (queue item ${a.queueId} of controller ${a.member}): ${seen === '' ? 'no build and not queued' : seen}`);
      }
      const ran = runs.get(`${a.job}-${a.token}`) ?? [];
      for (const b of done) {
        if (b.result !== 'SUCCESS') counts.notSuccess += 1;
        // Its step started on the agent (it left its mark): from then on the build outlives any
        // controller. One whose controller went away before it reached the agent ends ABORTED.
        if (b.result !== 'SUCCESS' && a.job === JOBS.agent && ran.length > 0) {
          counts.agentNotAdopted += 1;
          const tail = (await (await active.proc.fetch(`job/${b.job}/${b.number}/consoleText`)).text()).trimEnd().split('\n').slice(-4).join(' | ');
          counts.problems.push(`${a.job} #${b.number} (${a.token}): ended ${b.result ?? 'without a result'} instead of being adopted; its log ends: ${tail}`);
        }
        const key = `${b.job} ${b.result ?? 'none'}`;
        counts.results[key] = (counts.results[key] ?? 0) + 1;
      }
      if (ran.length > 1) {
        if (a.job === JOBS.agent) counts.agentRunTwice += 1;
        else counts.builtInRunTwice += 1;
        counts.problems.push(`${a.job} ${a.token}: the step ran ${ran.length} times, as builds ${ran.join(', ')}`);
      }
      if (a.job === JOBS.agent) {
        for (const b of done) {
          if (b.result !== 'SUCCESS') continue;
          const diff = await this.#logDiff(active, b, a.token);
          if (diff === undefined) continue;
          counts.agentLogMismatch += 1;
          counts.problems.push(`${a.job} #${b.number} (${a.token}): ${diff}`);
        }
      }
    }
    // A build number two runs of one job used: at least one of their records was overwritten.
    for (const job of Object.values(JOBS)) {
      const numbers = new Map<string, string[]>();
      for (const [key, ran] of runs) {
        if (!key.startsWith(`${job}-`)) continue;
        const token = key.slice(job.length + 1);
        for (const n of new Set(ran)) numbers.set(n, [...(numbers.get(n) ?? []), token]);
      }
      for (const [n, users] of numbers) {
        if (users.length < 2 || !users.some((t) => tokens.has(t))) continue;
        counts.duplicateNumbers += 1;
        counts.problems.push(`${job} #${n} was the number of the runs of ${users.join(', ')}`);
      }
    }
    return counts;
  }

  /** The build numbers each run of a step recorded, by `JOB-TOKEN`. */
  async #runs(): Promise<Map<string, string[]>> {
    const runs = new Map<string, string[]>();
    for (const name of await readdir(this.#cluster.marks)) {
      const text = await readFile(path.join(this.#cluster.marks, name), 'utf8');
      runs.set(name, text.split('\n').filter((l) => l !== ''));
    }
    return runs;
  }

  /**
   * How the build's console log differs from what its step printed (once, in order, byte for
   * byte); undefined when it does not.
   */
  async #logDiff(active: Member, b: BuildInfo, token: string): Promise<string | undefined> {
    const key = `${b.job}#${b.number}`;
    if (this.#logsChecked.has(key)) return this.#logsChecked.get(key);
    const text = await (await active.proc.fetch(`job/${b.job}/${b.number}/consoleText`)).text();
    const expected = expectedOutput(token);
    // The shell's trace (`+ set +x`) comes on standard error, a stream of its own, which may
    // reach the log before or after the first line of standard output: it is left out.
    const log = text.split('\n').filter((l) => !l.startsWith('+ ')).join('\n');
    let diff: string | undefined;
    if (!log.includes(expected)) {
      const lines = log.split('\n');
      const want = expected.split('\n');
      const at = want.findIndex((l, i) => lines.filter((x) => x.startsWith(`chaos ${token} `))[i] !== l);
      diff = `the log (${log.length} bytes) does not hold the step's output whole; first difference at its line ${at}: ${JSON.stringify(log.slice(0, 2000))}`;
    } else if (log.indexOf(expected) !== log.lastIndexOf(expected) || log.split(`chaos ${token} `).length - 1 !== want(expected)) {
      diff = `the log holds the step's lines more than once`;
    }
    this.#logsChecked.set(key, diff);
    return diff;
  }
}

function groupByToken(builds: readonly BuildInfo[]): Map<string, BuildInfo[]> {
  const byToken = new Map<string, BuildInfo[]>();
  for (const b of builds) if (b.token !== undefined) byToken.set(b.token, [...(byToken.get(b.token) ?? []), b]);
  return byToken;
}

/** Lines of the step's output. */
function want(expected: string): number {
  return expected.split('\n').length - 1;
}
