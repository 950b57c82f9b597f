import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { CLOSE_HANDOVER } from '../agent-protocol/index.js';
import type { Build, Jobs } from '../jobs/index.js';
import { BUILT_IN_NODE, type AgentConnections } from '../nodes/index.js';
import type { Queue } from '../queue/index.js';
import type { HandoverReport } from '../web/index.js';
import type { ActiveRecord } from './active-record.js';
import type { Scheduler } from './scheduler.js';

/** What a handover works on: the active controller's parts, and how it ends its term. */
export interface HandoverParts {
  logger: Logger;
  jobs: Jobs;
  queue: Queue;
  scheduler: Scheduler;
  agents: AgentConnections | undefined;
  /** The lease's epoch: a record in `.steward/active` with a larger one is the next controller's. */
  epoch: number;
  /**
   * Whether a build on the node (a build record's builtOn: '' for the built-in node) can go on
   * under the next controller: an inbound agent's, which connects to whichever is active.
   */
  movable: (builtOn: string) => boolean;
  /** Stops taking requests and triggers: from here on nothing may add to the queue. */
  stopAccepting: () => void;
  /** Writes queue.xml now and waits until it holds the queue; rejects when the write fails. */
  saveQueue: () => Promise<void>;
  releaseLease: () => Promise<void>;
  /** `.steward/active` as it is now: the next active controller writes its own there. */
  activeRecord: () => Promise<ActiveRecord | undefined>;
}

export interface HandoverOptions {
  /** How long builds on the built-in node may run before they are aborted. */
  timeoutMs: number;
  /** Who asked (a user id), for the log and for why queued builds wait. */
  by: string;
  /** How long to wait for a standby to take the lease, to report it. */
  nextActiveWaitMs?: number;
}

/** How often the handover looks at the builds while it waits for them. */
const POLL_MS = 50;
/** How long aborted builds get to end (their steps get TERM, then KILL after the grace period). */
const ABORTED_END_MS = 30_000;

/**
 * A planned handover to a standby (Jenkins' "prepare for shutdown", and then some): no build
 * starts any more while requests are still queued; builds on the built-in node, which cannot
 * move, are waited for up to the timeout and then aborted saying why; builds on agents are left
 * running in their step, the agents' connections closed so that they connect to the next
 * controller, which adopts them; queue.xml is written; and the lease is released, so that a
 * standby takes it at once instead of after the TTL. Nothing is written to the home after that.
 */
export async function handOver(parts: HandoverParts, opts: HandoverOptions): Promise<HandoverReport> {
  const { logger: log, jobs, queue, scheduler } = parts;
  const t0 = performance.now();
  const deadline = t0 + opts.timeoutMs;
  // A home that cannot take queue.xml now would lose the queue at the end: refused before
  // anything changed (the error says why).
  await parts.saveQueue();
  queue.quietDown(`Steward is handing over to a standby (asked by ${opts.by}): the build starts on the next active controller`);
  const running = (): Build[] => jobs.all().flatMap((j) => [...j.running.values()]);
  const unmovable = (b: Build): boolean => !parts.movable(b.record.builtOn);
  const unmovableAtStart = running().filter(unmovable);
  log.info(
    { by: opts.by, unmovableBuilds: unmovableAtStart.length, timeoutMs: opts.timeoutMs },
    `handing over to a standby, asked by ${opts.by}: no build starts any more; ${unmovableAtStart.length} builds that cannot move (on the built-in node, on agents started over SSH) have ${Math.round(opts.timeoutMs / 1000)} s to end`,
  );

  // A build on an agent moves while its step runs there: the agent holds the step, and the next
  // controller continues the build from it. Between two steps (making its workspace, archiving)
  // it is held by this controller, so it is waited for like the built-in node's.
  const settled = (): boolean => !scheduler.starting && running().every((b) => !unmovable(b) && b.current !== undefined);
  while (!settled() && performance.now() < deadline) await sleep(POLL_MS);

  const aborted: Build[] = running().filter((b) => unmovable(b) || b.current === undefined);
  for (const b of aborted) {
    const node = b.record.builtOn === '' ? 'the built-in node' : b.record.builtOn;
    const where = unmovable(b) ? `it ran on ${node}, whose builds cannot move to another controller` : `it was between two steps on ${node}`;
    b.interrupt('ABORTED', `Aborted: the controller handed over to a standby after waiting ${Math.round(opts.timeoutMs / 1000)} s for this build; ${where}`, 'SYSTEM');
  }
  const giveUp = new AbortController();
  const ended = await Promise.race([
    Promise.all(aborted.map((b) => b.done)).then(() => true),
    sleep(ABORTED_END_MS, false, { signal: giveUp.signal }).catch(() => false),
  ]).finally(() => giveUp.abort());
  if (!ended) log.warn({ builds: aborted.filter((b) => b.building).map((b) => `${b.job} #${b.number}`) }, `aborted builds did not end within ${ABORTED_END_MS / 1000} s; handing over without them`);
  // Builds set up meanwhile are on agents (no executor is given out): they reach their step.
  while (scheduler.starting) await sleep(POLL_MS);
  const waitedMs = performance.now() - t0;

  parts.stopAccepting();
  const handed = running();
  await parts.agents?.close(CLOSE_HANDOVER, 'the controller is handing over; connect to the next active controller');
  // What the agents sent before their connections closed is in the logs before the lease goes:
  // the next controller continues each step's output from the log's size.
  await Promise.all(handed.map((b) => b.log.sync().catch(() => undefined)));
  await parts.saveQueue().catch((err: unknown) => {
    // Too late to go back (the agents are gone): the queue as last written is what goes over.
    log.error({ err: err instanceof Error ? err.message : String(err), items: queue.items().length }, `could not write queue.xml for the next controller; it gets the queue as last written`);
  });
  // What follows the aborted builds' ends (permalinks, the build discarder) is written too.
  await jobs.idle();
  const queueItems = queue.items().length;
  await parts.releaseLease();
  const releasedMs = performance.now() - t0;
  log.info(
    { queueItems, agentBuilds: handed.length, aborted: aborted.length, ms: Math.round(releasedMs) },
    `released the lease for a standby: ${queueItems} queue items and ${handed.length} builds on agents are handed over, ${aborted.length} builds aborted`,
  );

  // Only to say so in the answer: nothing here depends on a standby being there.
  let nextActive: HandoverReport['nextActive'] = null;
  const until = performance.now() + (opts.nextActiveWaitMs ?? 10_000);
  while (performance.now() < until) {
    const r = await parts.activeRecord();
    if (r !== undefined && r.epoch > parts.epoch) {
      nextActive = { epoch: r.epoch, url: r.url ?? null, afterMs: Math.round(performance.now() - t0 - releasedMs) };
      break;
    }
    await sleep(POLL_MS);
  }
  if (nextActive === null) log.warn(`no standby took the lease within ${Math.round((opts.nextActiveWaitMs ?? 10_000) / 1000)} s; the builds on agents wait for the next controller for their grace period`);
  const unmovableFinished = unmovableAtStart.filter((b) => !aborted.includes(b));
  return {
    by: opts.by,
    queueItems,
    agentBuilds: handed.map((b) => ({ job: b.job, number: b.number, node: b.record.builtOn })),
    unmovableBuilds: {
      finished: unmovableFinished.map((b) => ({ job: b.job, number: b.number, result: b.record.result ?? null })),
      aborted: aborted.map((b) => ({ job: b.job, number: b.number, node: b.record.builtOn === '' ? BUILT_IN_NODE : b.record.builtOn })),
    },
    waitedMs: Math.round(waitedMs),
    leaseReleasedAfterMs: Math.round(releasedMs),
    nextActive,
    tookMs: Math.round(performance.now() - t0),
  };
}
