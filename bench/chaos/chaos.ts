/**
 * A chaos run: per lock service, one cluster (two controllers on one home, two agents), a steady
 * stream of builds, and trials of one fault each; after each trial, what must never happen is
 * counted. The cluster is reused across the trials of a backend: a controller that a fault ended
 * is started again as a standby before the next trial.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BACKENDS, type BackendName } from './backends.js';
import { ChaosCluster, type Member } from './cluster.js';
import { deposedWrites, readAudit, type DeposedWrite } from './deposed-writes.js';
import { FAULTS, type Fault } from './faults.js';
import { BuildStream } from './stream.js';
import { BuildIndex, type BuildCounts } from './verify.js';

export interface ChaosOptions {
  backends: readonly BackendName[];
  /** Fault names (FAULTS); those that do not apply to a backend are left out there. */
  faults: readonly string[];
  trials: number;
  /** Between two build requests of the stream (300 ms). */
  streamIntervalMs?: number;
  /** From the start of the stream to the fault (2.5 s), so that builds run on every node. */
  warmUpMs?: number;
  /** How long the stream goes on once the cluster is whole again (2 s). */
  afterMs?: number;
  /** Told of each trial as it ends. */
  onTrial?: (t: TrialResult) => void;
  /** Told of progress, in words. */
  onProgress?: (line: string) => void;
}

export interface TrialResult {
  backend: BackendName;
  fault: string;
  trial: number;
  /** Why the fault is known to have happened; undefined when it did not. */
  evidence: string | undefined;
  /** The controller active after the fault is another process than the one struck. */
  failedOver: boolean;
  /** Whether the fault calls for a failover. */
  failoverExpected: Fault['failover'];
  /** Fault -> another controller answers ready (ms); undefined without a failover. */
  readyMs: number | undefined;
  /** Fault -> the first build started after the takeover (ms). */
  firstBuildMs: number | undefined;
  counts: BuildCounts;
  /** Writes from a deposed epoch that this trial added to the audit. */
  deposed: DeposedWrite[];
}

export interface BackendRun {
  backend: BackendName;
  trials: TrialResult[];
}

/** The counts that must be 0 in every trial. */
export function violations(t: TrialResult): string[] {
  const out: string[] = [];
  if (t.deposed.length > 0) out.push(`${t.deposed.length} writes from a deposed epoch`);
  const c = t.counts;
  if (c.notExactlyOnce > 0) out.push(`${c.notExactlyOnce} accepted builds not completed exactly once nor queued`);
  if (c.duplicateNumbers > 0) out.push(`${c.duplicateNumbers} duplicate build numbers`);
  if (c.agentRunTwice > 0) out.push(`${c.agentRunTwice} agent builds run twice`);
  if (c.builtInRunTwice > 0) out.push(`${c.builtInRunTwice} built-in builds run twice`);
  if (c.agentLogMismatch > 0) out.push(`${c.agentLogMismatch} agent build logs not what the step printed`);
  if (c.agentNotAdopted > 0) out.push(`${c.agentNotAdopted} agent builds ended other than SUCCESS instead of being adopted`);
  return out;
}

export async function runChaos(opts: ChaosOptions): Promise<BackendRun[]> {
  const runs: BackendRun[] = [];
  for (const backend of opts.backends) {
    const faults = opts.faults.map((name) => {
      const f = FAULTS.find((x) => x.name === name);
      if (f === undefined) throw new Error(`no fault ${name}; there are ${FAULTS.map((x) => x.name).join(', ')}`);
      return f;
    }).filter((f) => f.appliesTo(backend));
    runs.push({ backend, trials: await runBackend(backend, faults, opts) });
  }
  return runs;
}

async function runBackend(backend: BackendName, faults: readonly Fault[], opts: ChaosOptions): Promise<TrialResult[]> {
  const progress = opts.onProgress ?? (() => undefined);
  const dir = await mkdtemp(path.join(os.tmpdir(), `steward-chaos-${backend}-`));
  const lock = await BACKENDS[backend]();
  let cluster: ChaosCluster | undefined;
  const results: TrialResult[] = [];
  try {
    progress(`${backend}: starting the lock service, 2 controllers and 2 agents`);
    cluster = await ChaosCluster.start({ dir, lock });
    const index = new BuildIndex(cluster);
    const stream = new BuildStream(cluster, opts.streamIntervalMs ?? 300);
    let deposedSoFar = 0;
    // Round-robin over the faults, so that a short run still sees each of them.
    for (let trial = 0; trial < opts.trials; trial++) {
      for (const fault of faults) {
        const active = await cluster.steady();
        const from = stream.accepted.length;
        stream.start(`${backend}-${fault.name}-${trial}`);
        const t = await strikeOnce(cluster, active, fault, { backend, lock, trial, warmUpMs: opts.warmUpMs ?? 2500 });
        // The stream goes on a while after the recovery, then the builds are left to end.
        await sleep(opts.afterMs ?? 2000);
        await stream.stop();
        await cluster.steady();
        const counts = await index.settle(stream.accepted.slice(from), 120_000);
        const firstBuildMs = t.takeoverAt === undefined ? undefined : await firstBuildAfter(index, cluster, t.faultAt, t.takeoverAt);
        const deposed = deposedWrites(await readAudit(cluster.auditFile));
        const result: TrialResult = {
          backend,
          fault: fault.name,
          trial,
          evidence: t.evidence,
          failedOver: t.failedOver,
          failoverExpected: fault.failover,
          readyMs: t.takeoverAt === undefined ? undefined : t.takeoverAt - t.faultAt,
          firstBuildMs,
          counts,
          deposed: deposed.slice(deposedSoFar),
        };
        deposedSoFar = deposed.length;
        results.push(result);
        opts.onTrial?.(result);
      }
    }
  } finally {
    await cluster?.close();
    await lock.stop();
    await rm(dir, { recursive: true, force: true });
  }
  return results;
}

interface Struck {
  faultAt: number;
  /** When another controller first answered ready, if one did. */
  takeoverAt: number | undefined;
  failedOver: boolean;
  evidence: string | undefined;
}

async function strikeOnce(
  cluster: ChaosCluster,
  active: Member,
  fault: Fault,
  ctx: { backend: BackendName; lock: ChaosCluster['lock']; trial: number; warmUpMs: number },
): Promise<Struck> {
  // Builds are running on both kinds of node when the fault strikes.
  await sleep(ctx.warmUpMs);
  const pid = active.pid;
  const faultAt = Date.now();
  const strike = await fault.strike({ cluster, active, trial: ctx.trial, backend: ctx.backend, lock: ctx.lock });
  let takeoverAt: number | undefined;
  if (fault.failover !== 'never') takeoverAt = await takeover(cluster, active, pid, fault.failover === 'always' ? 30_000 : 15_000);
  await strike.heal();
  const evidence = await strike.evidence();
  const now = await cluster.steady();
  return { faultAt, takeoverAt, failedOver: now.index !== active.index || now.pid !== pid, evidence };
}

/** Waits until a controller other than the struck one (`pid`) answers ready; when, or undefined. */
async function takeover(cluster: ChaosCluster, struck: Member, pid: number, timeoutMs: number): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const others = cluster.members.filter((m) => m !== struck || m.pid !== pid);
    const roles = await Promise.all(others.map((m) => m.role(250)));
    if (roles.includes('active')) return Date.now();
    await sleep(50);
  }
  return undefined;
}

/** Fault -> the first build that started once the new active controller was ready (ms). */
async function firstBuildAfter(index: BuildIndex, cluster: ChaosCluster, faultAt: number, takeoverAt: number): Promise<number | undefined> {
  const active = await cluster.active();
  if (active === undefined) return undefined;
  // The poll that saw the takeover ran up to 50 ms after it.
  const starts = (await index.builds(active)).map((b) => b.timestamp).filter((t) => t >= takeoverAt - 100);
  return starts.length === 0 ? undefined : Math.min(...starts) - faultAt;
}
