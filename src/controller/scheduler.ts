import path from 'node:path';
import type { Logger } from 'pino';
import { coerceError, type StewardError } from '../errors/index.js';
import { isDiskTrouble, type HomeHealth, type HomeStore } from '../home/index.js';
import { Jobs, runBuild, type Build, type DownstreamHost, type Job, type ResumedStep, type Result } from '../jobs/index.js';
import { BUILT_IN_NODE, type Computer, type Executor } from '../nodes/index.js';
import type { NodeView, PendingItem, Queue, QueueHost, QueueTask } from '../queue/index.js';

/** The default priority of a job without one (PrioritySorter's default of 3 on a 1..5 scale). */
export const DEFAULT_PRIORITY = 3;

export interface SchedulerOptions {
  store: HomeStore;
  jobs: Jobs;
  logger: Logger;
  computers: () => readonly Computer[];
  rootUrl: () => string;
  baseEnv: Record<string, string>;
  killGraceMs: number;
  /** Called whenever queue.xml should be written again. */
  queueChanged: () => void;
  /** How builds start others (downstream triggers). */
  downstream?: DownstreamHost;
}

/**
 * Joins the queue to the executors: it is the queue's host (what jobs and nodes look like), takes an
 * executor when the queue dispatches an item, sets the build up and runs it, and tells the queue
 * when executors free and builds end. Everything here is driven by events; nothing polls.
 */
export class Scheduler implements QueueHost {
  readonly #o: SchedulerOptions;
  #queue: Queue | undefined;
  /** Jobs with a build being set up (between dispatch and the build's number existing). */
  readonly #starting = new Map<string, number>();
  /** Every build in flight with its node, so that close() can wait for them. */
  readonly #inFlight = new Map<Promise<void>, string>();
  // Weak: a deleted node's view goes with its computer.
  readonly #views = new WeakMap<Computer, NodeView>();
  readonly counters = { started: 0, completed: {} as Record<string, number> };

  constructor(o: SchedulerOptions) {
    this.#o = o;
  }

  /**
   * Gives the scheduler its queue. While the home's disk takes no writes, no build can have its
   * number, record and log: the queue holds every item (blocked, saying why) until it does.
   */
  attach(queue: Queue): void {
    this.#queue = queue;
    this.#holdWhile(this.#o.store.health);
    this.#o.store.onHealthChange((health) => this.#holdWhile(health));
  }

  #holdWhile(health: HomeHealth): void {
    if (health.writable) this.#q.resumeStarts();
    else this.#q.holdStarts(`Waiting for the home to take writes again: its disk is ${health.trouble}`);
  }

  get #q(): Queue {
    if (this.#queue === undefined) throw new Error('scheduler used before the queue was attached');
    return this.#queue;
  }

  // --- QueueHost -----------------------------------------------------------------------------

  task(name: string): QueueTask | undefined {
    const job = this.#o.jobs.get(name);
    if (job === undefined) return undefined;
    const def = job.definition;
    if (def.kind !== 'freestyle') {
      return { name, priority: DEFAULT_PRIORITY, label: undefined, concurrentBuild: false, disabled: true };
    }
    const c = def.parsed.config;
    return { name, priority: c.priority ?? DEFAULT_PRIORITY, label: def.label, concurrentBuild: c.concurrentBuild, disabled: c.disabled };
  }

  isBuilding(name: string): boolean {
    const job = this.#o.jobs.get(name);
    return (job !== undefined && job.running.size > 0) || (this.#starting.get(name) ?? 0) > 0;
  }

  nodes(): Iterable<NodeView> {
    return this.#o.computers().map((c) => this.view(c));
  }

  /**
   * A stable view per computer, so that the queue can cache label matches by identity. Its fields
   * read the computer each time: labels and mode change with the node's configuration.
   */
  view(computer: Computer): NodeView {
    let v = this.#views.get(computer);
    if (v === undefined) {
      v = {
        name: computer.name,
        get labels() {
          return computer.labels;
        },
        get mode() {
          return computer.mode;
        },
        get online() {
          return computer.online;
        },
        idleExecutors: () => computer.idleExecutors(),
      };
      this.#views.set(computer, v);
    }
    return v;
  }

  /**
   * Where the job's newest build ran, from its record when that is in memory (a running build,
   * or one read since start: after a restart, those of jobs with items in queue.xml are); never
   * read from the home here, as the queue asks on its hot path.
   */
  lastBuiltOn(name: string): string | undefined {
    const job = this.#o.jobs.get(name);
    const newest = job?.buildNumbers?.at(-1);
    if (job === undefined || newest === undefined) return undefined;
    const record = job.running.get(newest)?.record ?? job.records.get(newest);
    if (record === undefined) return undefined;
    // build.xml names the built-in node with an empty builtOn, as Jenkins does.
    return record.builtOn === '' ? BUILT_IN_NODE : record.builtOn;
  }

  changed(): void {
    this.#o.queueChanged();
  }

  now(): number {
    return Date.now();
  }

  setTimer(ms: number, fn: () => void): { cancel(): void } {
    const t = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(t) };
  }

  dispatch(item: PendingItem, view: NodeView): void {
    const computer = this.#o.computers().find((c) => c.name === view.name);
    const executor = computer?.takeIdleExecutor();
    const job = this.#o.jobs.get(item.task);
    if (computer === undefined || executor === undefined || job === undefined) {
      // The queue only dispatches to nodes with an idle executor; getting here is a bug.
      this.#o.logger.error({ item: item.id, node: view.name }, 'the queue dispatched an item to a node with no idle executor');
      queueMicrotask(() => this.#q.startFailed(item.id, 'no idle executor'));
      return;
    }
    executor.transition({ state: 'pending', queueId: item.id, job: job.name });
    this.#starting.set(job.name, (this.#starting.get(job.name) ?? 0) + 1);
    const run = this.#start(item, job, computer, executor).finally(() => this.#inFlight.delete(run));
    this.#inFlight.set(run, computer.name);
  }

  // --- Building --------------------------------------------------------------------------------

  async #start(item: PendingItem, job: Job, computer: Computer, executor: Executor): Promise<void> {
    // Jenkins' place for a job's workspace on a node: <remoteFS>/workspace/<job>.
    const workspace = path.join(computer.node.remoteFS, 'workspace', job.name);
    let build: Build;
    // Meanwhile: what does not depend on the build being recorded.
    computer.channel?.prepareWorkspace?.(job.name);
    try {
      build = await this.#o.jobs.allocate(job, {
        queueId: item.id,
        parameters: item.parameters,
        causes: item.causes,
        builtOn: computer.name === BUILT_IN_NODE ? '' : computer.name,
        workspace,
        scheduledAt: item.inQueueSince,
      });
    } catch (err) {
      executor.transition({ state: 'idle' });
      this.#notStarted(item, job, coerceError(err));
      this.#afterExecutorFreed(computer, job.name);
      return;
    }
    // The item becomes this build once the build's set-up is durable; until then the build runs up
    // to its first step (which waits for it), and one that cannot be recorded is abandoned.
    const recorded = build.setUp.then(
      () => {
        this.#unstart(job.name);
        this.#q.started(item.id, build.number);
        return undefined;
      },
      (err: unknown) => coerceError(err),
    );
    const sensitive = new Map(item.parameters.filter((p) => p.sensitive).map((p) => [p.name, p.value]));
    await this.#run(computer, executor, job, build, workspace, sensitive, undefined, { item, recorded });
  }

  /** A build that could not be set up: its item waits (the disk refused it) or is dropped. */
  #notStarted(item: PendingItem, job: Job, e: StewardError): void {
    this.#unstart(job.name);
    if (isDiskTrouble(e)) {
      // It waits in the queue (held until the disk takes writes) rather than being lost.
      this.#q.startDeferred(item.id, e.message);
    } else {
      this.#o.logger.error({ job: job.name, item: item.id, err: e.toJSON() }, `could not start a build of ${job.name}: ${e.message}`);
      this.#q.startFailed(item.id, e.message);
    }
  }

  /**
   * Runs a build taken back from an earlier controller (Jobs.resumeBuild) on the agent node that
   * still runs its step: it takes an executor there and goes on from the adopted step.
   */
  resume(computer: Computer, job: Job, build: Build, resumed: ResumedStep): void {
    // Taken before the node is online, so that the queue gives it nothing else first.
    const executor = computer.executors.find((e) => e.idle && !e.retiring) ?? computer.executors.find((e) => !e.retiring);
    if (executor === undefined || !executor.idle) {
      build.interrupt('ABORTED', `Aborted: node ${computer.name} has no free executor to continue this build on`, 'SYSTEM');
    }
    const run = (async () => {
      if (executor !== undefined && executor.idle) executor.transition({ state: 'pending', queueId: build.record.queueId, job: job.name });
      await this.#run(computer, executor?.state.state === 'pending' ? executor : undefined, job, build, build.record.workspace ?? path.join(computer.node.remoteFS, 'workspace', job.name), new Map(), resumed);
    })().finally(() => this.#inFlight.delete(run));
    this.#inFlight.set(run, computer.name);
  }

  async #run(
    computer: Computer,
    executor: Executor | undefined,
    job: Job,
    build: Build,
    workspace: string,
    sensitive: ReadonlyMap<string, string>,
    resume: ResumedStep | undefined,
    start?: { item: PendingItem; recorded: Promise<StewardError | undefined> },
  ): Promise<void> {
    const log = this.#o.logger;
    const queueId = build.record.queueId;
    executor?.transition({ state: 'running', queueId, job: job.name, buildNumber: build.number, since: Date.now() });
    this.counters.started++;
    const verb = resume === undefined ? 'started' : 'resumed';
    log.info({ job: job.name, build: build.number, node: computer.name, executor: executor?.number }, `${verb} ${job.name} #${build.number} on ${computer.name}`);
    const channel = resume === undefined ? computer.channel : resume.channel;
    const result: Result = channel === undefined ? await this.#lostNode(build, computer.name) : await runBuild(
        {
          jobs: this.#o.jobs,
          job,
          build,
          logger: log,
          channel,
          workspace,
          nodeName: computer.name,
          nodeLabels: [...computer.labels].join(' '),
          executorNumber: executor?.number ?? 0,
          rootUrl: this.#o.rootUrl(),
          home: this.#o.store.root,
          baseEnv: this.#o.baseEnv,
          killGraceMs: this.#o.killGraceMs,
          ...(resume === undefined ? {} : { resume }),
          ...(this.#o.downstream === undefined ? {} : { downstream: this.#o.downstream }),
        },
        sensitive,
      );
    const unrecorded = await start?.recorded;
    if (start !== undefined && unrecorded !== undefined) {
      // Its set-up never became durable, so none of its steps ran: as if it had not started.
      await this.#o.jobs.abandon(job, build);
      this.counters.started--;
      log.warn({ job: job.name, build: build.number, err: unrecorded.toJSON() }, `${job.name} #${build.number} could not be recorded and did not run: ${unrecorded.message}`);
      executor?.transition({ state: 'idle' });
      this.#notStarted(start.item, job, unrecorded);
      this.#afterExecutorFreed(computer, job.name);
      return;
    }
    executor?.transition({ state: 'completing', queueId, job: job.name, buildNumber: build.number, since: Date.now() });
    const completing = this.#o.jobs.complete(job, build, result);
    // The executor is free once the build's end is asked for: the next build it takes then has its
    // set-up made durable in the same commit of the home's journal as this one's end. The job's
    // next build waits for this one's end (taskFinished).
    executor?.transition({ state: 'idle' });
    this.#executorFreed(computer);
    try {
      await completing;
      log.info({ job: job.name, build: build.number, result, durationMs: build.record.duration }, `${job.name} #${build.number} finished: ${result}`);
    } catch (err) {
      const e = coerceError(err);
      log.error({ job: job.name, build: build.number, result, err: e.toJSON() }, `${job.name} #${build.number} finished: ${result}, but its end could not be wholly recorded: ${e.message}`);
    }
    this.counters.completed[result] = (this.counters.completed[result] ?? 0) + 1;
    this.#q.taskFinished(job.name);
  }

  /** A build whose node lost its connection between dispatch and start ends at once, saying so. */
  async #lostNode(build: Build, node: string): Promise<Result> {
    await build.log.write(`ERROR: node ${node} is no longer connected\nFinished: FAILURE\n`).catch(() => undefined);
    return 'FAILURE';
  }

  #unstart(name: string): void {
    const n = (this.#starting.get(name) ?? 1) - 1;
    if (n <= 0) this.#starting.delete(name);
    else this.#starting.set(name, n);
  }

  #afterExecutorFreed(computer: Computer, jobName: string): void {
    this.#q.taskFinished(jobName);
    this.#executorFreed(computer);
  }

  #executorFreed(computer: Computer): void {
    const hadRetiring = computer.executors.some((e) => e.retiring);
    computer.removeRetiredIdle();
    if (hadRetiring) this.#q.nodesChanged();
    this.#q.executorFreed(computer.name);
  }

  /** Asks a running build to stop; false when it is not running. */
  stop(job: Job, number: number, by: string): boolean {
    const build = job.running.get(number);
    if (build === undefined || !build.building) return false;
    build.interrupt('ABORTED', `Aborted by ${by}`, by);
    build.record.abortedBy = by;
    for (const computer of this.#o.computers()) {
      for (const e of computer.executors) {
        const s = e.state;
        if (s.state === 'running' && s.job === job.name && s.buildNumber === number) {
          e.transition({ ...s, state: 'terminating', by });
        }
      }
    }
    return true;
  }

  /** Ends a running build ABORTED, saying why (its node's agent lost it, or did not come back). */
  abort(jobName: string, number: number, reason: string): void {
    this.#o.jobs.get(jobName)?.running.get(number)?.interrupt('ABORTED', reason, 'SYSTEM');
  }

  /** Ends every build running on the node ABORTED, saying why. */
  abortOn(node: string, reason: string): void {
    const computer = this.#o.computers().find((c) => c.name === node);
    for (const e of computer?.executors ?? []) {
      const s = e.state;
      if (s.state === 'running' || s.state === 'terminating') this.abort(s.job, s.buildNumber, reason);
    }
  }

  /**
   * Waits for every build in flight to end (after they were told to stop, on shutdown), or only
   * for those on the nodes `on` accepts (a handover leaves the agents' builds to the next
   * controller, which adopts them).
   */
  async drain(on: (node: string) => boolean = () => true): Promise<void> {
    for (;;) {
      const left = [...this.#inFlight].filter(([, node]) => on(node)).map(([run]) => run);
      if (left.length === 0) return;
      await Promise.allSettled(left);
    }
  }

  /** Whether a build is being set up (dispatched, its number not yet allocated) on any node. */
  get starting(): boolean {
    return this.#starting.size > 0;
  }

  runningBuilds(): Build[] {
    return this.#o.jobs.all().flatMap((j) => [...j.running.values()]);
  }
}
