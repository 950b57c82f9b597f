import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { Logger } from 'pino';
import { ExtensionRegistry, GLOBAL_CONFIGURATION } from '../extensions/index.js';
import { RENEW_FRACTION, openLease, parseLeaseUrl, redactLeaseUrl, type Lease, type LeaseHolder } from '../ha/index.js';
import { HomeStore, leaseFence, openWriteAudit, readEpochFile, stoppableFence, type RotationOptions, type WriteAudit } from '../home/index.js';
import { Jobs, QUEUE_TASK_DISPATCHER, ScmPolling, UNPROTECTED_ROOT_ACTION, preloadJobDefinitions, registerCoreQueueTaskDispatchers, resolveParameters, type Cause, type PersistedQueueItem, type PreloadedJobs, type NotifiedJob, type NotifyContext, type UnprotectedRootActionDescriptor } from '../jobs/index.js';
import { registerBuiltInPlugins } from '../plugins/index.js';
import { AgentConnections, AgentNodes, BUILT_IN_NODE, DEFAULT_AGENT_GRACE_MS, builtInNode, Computer, Launcher, LocalChannel, type AgentCheck, type RemoteChannel, type RunAs } from '../nodes/index.js';
import type { HeldStep } from '../agent-protocol/index.js';
import {
  LOAD_BALANCER,
  labelWarning,
  Queue,
  QUEUE_SORTER,
  registerDefaultLoadBalancer,
  registerDefaultQueueSorter,
  type QueueItem,
  type QueueLimits,
} from '../queue/index.js';
import { StewardError, coerceError } from '../errors/index.js';
import { Security, jobMatrixObjections, secretFromString } from '../security/index.js';
import { buildSecrets } from '../security/credentials/index.js';
import {
  createWebServer,
  type AdministrativeMonitor,
  type ControllerRole,
  type HandoverReport,
  type StewardApi,
  type WebServer,
  type WebServerOptions,
} from '../web/index.js';
import { ActiveUrlReader, readActiveRecord, writeActiveRecord } from './active-record.js';
import { handOver } from './handover.js';
import { resolveBuildUser, type BuildUser } from './build-user.js';
import { GlobalConfigFile } from './global-config.js';
import { readConfiguredRootUrl } from './location-config.js';
import { HomeWatch } from './home-watch.js';
import { QueueFileWriter } from './queue-file.js';
import { SshAgents } from './ssh-agents.js';
import { listenAgentPort, type AgentPort } from '../web/agent-port.js';
import { Scheduler } from './scheduler.js';
import { ControllerMetrics } from './metrics.js';
import { TriggerRunner } from './triggers.js';
import { Downstream } from './downstream.js';

export interface ControllerOptions {
  home: string;
  port: number;
  host?: string;
  /** Executors of the built-in node on a new home (an existing config.xml keeps its own). */
  executors?: number;
  logger: Logger;
  /** Lease URL (ARCHITECTURE.md); `file:` (the default) is a flock on <home>/.steward/lock. */
  lock?: string;
  /** TTL of a service-backed lease. */
  leaseTtlMs?: number;
  /**
   * Wait for the lease as a standby instead of failing at once. Always so for a lease URL other
   * than `file:`, where several controllers are expected to share the home.
   */
  standby?: boolean;
  /** Called once if the lease is lost while active: the controller has stopped writing. */
  onLeaseLost?: (reason: string) => void;
  /** Reverse proxies whose X-Forwarded-For names the client (addresses and CIDR ranges). */
  trustedProxies?: readonly string[];
  /** Rotation of logs/audit.log; default AUDIT_ROTATION (10 MiB a file, five files). */
  auditRotation?: RotationOptions;
  /** Stops a standby's wait for the lease (start then throws). */
  signal?: AbortSignal;
  killGraceMs?: number;
  /** The longest a poll's `git ls-remote` may run (default 10 minutes, the git plugin's timeout). */
  pollTimeoutMs?: number;
  /** Most items in the queue per job and in all (1,000 and 10,000 when not given). */
  queueLimits?: Partial<QueueLimits>;
  /**
   * The user steps on the built-in node run as when the controller runs as root (default
   * `steward-build`, created when missing). Not as root, only the controller's own user is allowed.
   */
  buildUser?: string;
  /** The agent program SSH agents' hosts run (`steward` when not given). */
  sshAgentCommand?: string;
  /** How long the running builds of an agent that disconnected wait for it (default 60 s). */
  agentGraceMs?: number;
  /**
   * The agent port, as Jenkins' TCP agent listener: agents connect there as on `/agent`
   * (default 50000; 0 any free port; -1 none). Opened when the controller becomes active.
   */
  agentPort?: number;
  /** A certificate and key (PEM) for the agent port: agents connect with TLS. */
  agentTls?: { readonly cert: string; readonly key: string };
  /**
   * The URL at which this controller is reachable (`--advertise-url`), parsed: written to
   * `.steward/active` when it is active, so that standbys name it and send browsers there.
   */
  advertiseUrl?: string;
  /** Called once a handover released the lease and its answer is on its way: the controller should stop. */
  onHandedOver?: () => void;
  /**
   * A file outside the home where every completed write of the home is recorded with this
   * controller's epoch (STEWARD_WRITE_AUDIT): how the chaos harness proves that no deposed
   * controller wrote. None by default.
   */
  writeAudit?: string;
  /** How long the home's journal gathers changes before a checkpoint (default 10 s). */
  journalCheckpointMs?: number;
}

/** Jenkins' TCP agent port. */
export const DEFAULT_AGENT_PORT = 50_000;

/** The build user's HOME, in the home: theirs, outside every private path. */
const BUILD_USER_HOME = 'build-home';

export const VERSION = '0.1.0';

/**
 * The composition root: the only place that wires the parts together. Start-up follows the
 * promotion order of the architecture: acquire lease -> write epoch -> load the home -> restore the
 * queue -> start scheduling -> report ready.
 */
export class Controller implements StewardApi {
  readonly home: string;
  readonly instanceId = randomUUID();
  readonly startedAt = new Date();
  readonly logger: Logger;
  readonly extensions = new ExtensionRegistry();
  launcher!: Launcher;
  /** Polls of jobs' SCMs, asked by SCM triggers and push notifications. */
  polling: ScmPolling | undefined;
  lease!: Lease;
  store!: HomeStore;
  jobs!: Jobs;
  queue!: Queue;
  scheduler!: Scheduler;
  /** The built-in node's computer. */
  builtIn!: Computer;
  /** The agent nodes of the home (nodes/NAME/config.xml), a computer each. */
  nodes!: AgentNodes;
  globalConfig!: GlobalConfigFile;
  #security: Security | undefined;
  #agents: AgentConnections | undefined;
  /** The "Jenkins URL" of the home's location configuration, if it has one. */
  #configuredRootUrl: string | undefined;
  #queueFile!: QueueFileWriter;
  #homeWatch: HomeWatch | undefined;
  #triggers: TriggerRunner | undefined;
  /** The queue's task dispatchers, closed with the controller. */
  #dispatchers: readonly { close?(): void }[] = [];
  #web: WebServer | undefined;
  #ready = false;
  #phase: 'standby' | 'starting' | 'active' | 'fenced' | 'handing-over' | 'handed-over' = 'starting';
  #handover: Promise<HandoverReport> | undefined;
  readonly #activeUrls: ActiveUrlReader;
  /** Aborts a standby's wait for the lease when the controller is closed. */
  readonly #abort = new AbortController();
  #closing: Promise<void> | undefined;
  readonly #monitors: AdministrativeMonitor[] = [];
  readonly metrics: ControllerMetrics;
  readonly #opts: ControllerOptions;
  #sshAgents: SshAgents | undefined;
  #agentPort: AgentPort | undefined;
  #writeAudit: WriteAudit | undefined;

  private constructor(opts: ControllerOptions) {
    this.#opts = opts;
    this.home = path.resolve(opts.home);
    this.logger = opts.logger;
    this.metrics = new ControllerMetrics(this);
    this.#activeUrls = new ActiveUrlReader(this.home, this.instanceId);
  }

  static async start(opts: ControllerOptions): Promise<Controller> {
    const c = new Controller(opts);
    try {
      await c.#start();
    } catch (err) {
      await c.close().catch(() => undefined);
      throw err;
    }
    return c;
  }

  async #start(): Promise<void> {
    const t0 = performance.now();
    const log = this.logger;
    // Before the lease: a build user that cannot be had stops the start before it touches the home.
    const buildUser = await resolveBuildUser(this.#opts.buildUser);
    await mkdir(path.join(this.home, '.steward'), { recursive: true });
    const holder: LeaseHolder = {
      host: os.hostname(),
      pid: process.pid,
      instanceId: this.instanceId,
      startedAt: this.startedAt.toISOString(),
    };
    const lock = this.#opts.lock ?? 'file:';
    // A lease with a TTL (not `file:`): several controllers share the home, and a paused one loses it.
    const leaseHasTtl = parseLeaseUrl(lock).kind !== 'file';
    const standby = this.#opts.standby === true || leaseHasTtl;
    const epochFile = path.join(this.home, '.steward', 'epoch');
    this.#opts.signal?.addEventListener('abort', () => this.#abort.abort(new StewardError('STW_NOT_ACTIVE', 'stopped while standing by')), { once: true });
    // A standby answers /health while it waits: 503 with its role, and 503 STW_NOT_ACTIVE elsewhere.
    this.#phase = standby ? 'standby' : 'starting';
    if (standby) this.#web = await createWebServer(this.#webOptions());
    if (standby) log.info({ lease: redactLeaseUrl(lock), port: this.port }, `standing by for the lease ${redactLeaseUrl(lock)}`);
    registerBuiltInPlugins(this.extensions);
    registerDefaultQueueSorter(this.extensions);
    registerDefaultLoadBalancer(this.extensions);
    registerCoreQueueTaskDispatchers(this.extensions);
    // While it waits, a standby reads and compiles the jobs' configurations (writing nothing), so
    // that once it has the lease only those changed since are compiled again.
    const preloaded = standby ? this.#preloadJobs() : undefined;
    this.lease = await openLease(lock, {
      holder,
      ttlMs: this.#opts.leaseTtlMs ?? 10_000,
      wait: standby,
      signal: this.#abort.signal,
      logger: log,
      defaultLockFile: path.join(this.home, '.steward', 'lock'),
      epochFloor: () => Promise.resolve(readEpochFile(epochFile)),
    });
    this.#phase = 'starting';
    log.info({ epoch: this.lease.epoch, home: this.home }, `acquired the lease on ${this.home} with epoch ${this.lease.epoch}`);
    this.lease.onLost((reason) => {
      if (this.#closing !== undefined) return;
      log.error({ reason }, `lost the lease: ${reason}; this controller stops writing to the home`);
      this.#phase = 'fenced';
      this.#ready = false;
      this.#opts.onLeaseLost?.(reason);
    });
    if (this.#opts.writeAudit !== undefined) {
      if (!path.relative(this.home, path.resolve(this.#opts.writeAudit)).startsWith('..')) {
        throw new StewardError('STW_CONFIG_INVALID', `the write audit file ${this.#opts.writeAudit} (STEWARD_WRITE_AUDIT) must be outside the home ${this.home}`);
      }
      const lease = this.lease;
      this.#writeAudit = openWriteAudit(this.#opts.writeAudit, () => lease.epoch);
      log.info({ file: this.#opts.writeAudit }, `recording every write to the home in ${this.#opts.writeAudit}`);
    }
    const fence = stoppableFence(leaseFence(this.lease, epochFile));
    this.store = new HomeStore({
      root: this.home,
      fence,
      logger: log,
      ...(this.#writeAudit === undefined ? {} : { audit: this.#writeAudit }),
      ...(this.#opts.journalCheckpointMs === undefined ? {} : { journal: { maxSegmentAgeMs: this.#opts.journalCheckpointMs } }),
    });
    await this.store.writeAtomic('.steward/epoch', `${this.lease.epoch}\n`);
    // Before anything reads a build: what the last controller journaled goes back into its files.
    await this.store.openJournal();
    const advertised = this.#opts.advertiseUrl;
    await writeActiveRecord(this.store, { epoch: this.lease.epoch, instanceId: this.instanceId, ...(advertised === undefined ? {} : { url: advertised }), since: new Date().toISOString() });
    const closed = await this.store.protectPrivatePaths();
    if (closed.length > 0) log.info({ paths: closed }, `closed ${closed.join(', ')} to other users than the controller's`);

    this.globalConfig = await GlobalConfigFile.load(this.store, { numExecutors: this.#opts.executors ?? 2 });
    this.#configuredRootUrl = await readConfiguredRootUrl(this.store);
    const g = this.globalConfig.config;
    this.#security = await Security.load({
      store: this.store,
      extensions: this.extensions,
      logger: log,
      config: this.globalConfig.root,
      onAuditEvent: (type) => this.metrics.securityEvent(type),
      ...(this.#opts.auditRotation === undefined ? {} : { auditRotation: this.#opts.auditRotation }),
    });

    await this.#loadGlobalConfigurations(this.#security);

    // The nodes before the jobs: loading a job says when no node has its label. The built-in
    // node gets its channel once the launcher exists; no build runs before then.
    this.builtIn = new Computer(builtInNode(g, this.home));
    this.nodes = await AgentNodes.load({ store: this.store, logger: log, secrets: this.#security.agentSecrets });
    this.jobs = new Jobs({
      store: this.store,
      extensions: this.extensions,
      logger: log,
      secrets: buildSecrets(this.#security.keys, this.#security.credentials),
      objections: (config) => jobMatrixObjections(config.document.root),
      labelWarning: (job, label) => labelWarning(job, label, this.computers()),
      ...(preloaded === undefined ? {} : { preloaded: await preloaded }),
    });
    await this.jobs.load();

    const baseEnv = baseEnvironment();
    const runAs = await this.#setUpBuildUser(buildUser, baseEnv);
    const watchdogMs = leaseHasTtl ? launcherWatchdogMs(this.#opts.leaseTtlMs ?? 10_000) : undefined;
    this.launcher = new Launcher({
      poolSize: Math.min(Math.max(g.numExecutors, 1), 8),
      poolEnv: baseEnv,
      logger: log,
      ...(runAs === undefined ? {} : { runAs }),
      ...(watchdogMs === undefined ? {} : { watchdogMs }),
      // A controller that can run no build on its built-in node steps down: it stops as if it had
      // lost its lease (status 4), which it most likely has, and a supervisor starts it again as
      // a standby, with a new launcher.
      onStopped: (reason) => {
        if (this.#closing !== undefined) return;
        log.error({ reason }, `stepping down: ${reason}; this controller stops writing to the home`);
        fence.stop(reason);
        this.#phase = 'fenced';
        this.#ready = false;
        this.#opts.onLeaseLost?.(reason);
      },
    });
    const builtInChannel = new LocalChannel(this.store, this.launcher, runAs);
    this.builtIn.setChannel(builtInChannel);
    this.scheduler = new Scheduler({
      store: this.store,
      jobs: this.jobs,
      logger: log,
      computers: () => this.computers(),
      rootUrl: () => this.rootUrl(),
      baseEnv,
      killGraceMs: this.#opts.killGraceMs ?? 10_000,
      queueChanged: () => this.#queueFile.changed(),
      downstream: new Downstream({ jobs: this.jobs, queue: () => this.queue, schedule: (job, given, cause) => this.scheduleBuild(job, given, cause) }),
    });
    const sorter = this.extensions.first(QUEUE_SORTER);
    if (sorter === undefined) throw new StewardError('STW_INTERNAL', 'no queue sorter is installed');
    const balancer = this.extensions.first(LOAD_BALANCER);
    if (balancer === undefined) throw new StewardError('STW_INTERNAL', 'no load balancer is installed');
    const dispatchers = await Promise.all(
      this.extensions.all(QUEUE_TASK_DISPATCHER).map((d) =>
        d.create({
          jobs: this.jobs,
          store: this.store,
          logger: log,
          building: () => this.#building(),
          queuedUnblocked: (job) => this.queue.hasUnblocked(job),
          changed: () => this.queue.dispatchersChanged(),
        }),
      ),
    );
    this.#dispatchers = dispatchers;
    this.queue = new Queue({
      host: this.scheduler,
      sorter: sorter.create(),
      loadBalancer: balancer.create(),
      logger: log,
      limits: this.#opts.queueLimits ?? {},
      dispatchers,
    });
    this.scheduler.attach(this.queue);
    this.#queueFile = new QueueFileWriter(this.store, () => this.queue, log);

    // Agents whose steps outlived the controller before this one reconnect within their grace.
    this.jobs.awaitAgents(Date.now() + (this.#opts.agentGraceMs ?? DEFAULT_AGENT_GRACE_MS));
    this.#agents = new AgentConnections({
      authenticate: (name, secret) => this.#authenticateAgent(name, secret),
      controllerId: this.instanceId,
      logger: log,
      ...(this.#opts.agentGraceMs === undefined ? {} : { graceMs: this.#opts.agentGraceMs }),
      abortBuild: (owner, reason) => this.scheduler.abort(owner.job, owner.number, reason),
      abortBuildsOn: (node, reason) => this.scheduler.abortOn(node, reason),
      nodesChanged: () => this.queue.nodesChanged(),
      adoptStep: (computer, channel, held) => this.#adoptStep(computer, channel, held),
    });
    this.#web ??= await createWebServer(this.#webOptions());
    await this.#openAgentPort();

    // From here a home that stops taking writes holds the builds and is tried again until it does.
    this.#homeWatch = new HomeWatch({
      store: this.store,
      logger: log,
      // queue.xml may have missed changes meanwhile: written again at once.
      onChange: (health) => {
        if (health.writable) this.#queueFile.changed();
      },
    });

    const saved = await QueueFileWriter.read(this.store, log);
    if (saved.kind === 'corrupt') this.#monitors.push({ id: 'queueFileCorrupt', message: saved.message });
    if (saved.kind === 'read' && saved.corrupt !== undefined) this.#monitors.push({ id: 'queueFileCorrupt', message: saved.corrupt.message });
    if (saved.kind === 'read') {
      const items = await this.#notYetStarted(saved.items);
      this.queue.restore(items.map((item) => ({ ...item, parameters: this.jobs.digestParameters(item.parameters) })), saved.nextId);
      if (items.length > 0) log.info({ items: items.length }, `restored ${items.length} queued items from queue.xml`);
    } else {
      const highest = await this.jobs.highestQueueId();
      if (highest > 0) {
        this.queue.restore([], highest + 1);
        log.info({ nextId: highest + 1 }, `queue.xml holds no next item id; queue item ids go on from ${highest + 1}, past those of the newest builds`);
      }
    }
    this.polling = new ScmPolling({
      jobs: this.jobs,
      channel: builtInChannel,
      baseEnv,
      logger: log.child({ part: 'scm-polling' }),
      schedule: (job, cause) => this.scheduleBuild(job, {}, cause),
      ...(this.#opts.pollTimeoutMs === undefined ? {} : { timeoutMs: this.#opts.pollTimeoutMs }),
    });
    const polling = this.polling;
    this.#triggers = new TriggerRunner(this.jobs, (job, cause) => this.scheduleBuild(job, {}, cause), (job) => polling.request(job, false), log);
    this.jobs.onChange((job) => this.queue.taskChanged(job.name));
    this.nodes.onChange((computer, change) => {
      // A deleted node's agent has nothing to be connected to.
      if (change === 'deleted') this.#agents?.disconnect(computer.name, `node ${computer.name} was deleted`);
      this.queue.nodesChanged();
    });
    this.#sshAgents = new SshAgents({
      nodes: this.nodes,
      credentials: this.#security.credentials,
      logger: log,
      agentCommand: this.#opts.sshAgentCommand ?? 'steward',
      port: () => this.port,
    });
    this.#sshAgents.start();
    this.launcher.warm();
    this.#ready = true;
    this.#phase = 'active';
    log.info(
      { port: this.port, ms: Math.round(performance.now() - t0), executors: this.builtIn.numExecutors },
      `Steward is ready on port ${this.port} (${Math.round(performance.now() - t0)} ms)`,
    );
  }

  /**
   * Loads the plugins' global settings (`hudson.tasks.Mailer.xml`...). A file that cannot be used
   * does not stop the start: what is wrong with it is logged and listed in /manage, and the plugin
   * says why where it would have used it.
   */
  async #loadGlobalConfigurations(security: Security): Promise<void> {
    for (const d of this.extensions.all(GLOBAL_CONFIGURATION)) {
      let problems: readonly string[];
      try {
        problems = await d.load({
          readText: (file) => this.store.readText(file),
          secret: (text, at) => secretFromString(text, security.keys, at),
        });
      } catch (err) {
        problems = [`the settings of ${d.displayName} could not be read: ${coerceError(err).message}`];
      }
      for (const message of problems) {
        this.logger.warn({ configuration: d.id }, message);
        this.#monitors.push({ id: `globalConfiguration:${d.id}`, message });
      }
    }
  }

  /**
   * Opens the agent port. A port another process holds is reported and the controller goes on:
   * agents can still connect on the HTTP port's `/agent`.
   */
  async #openAgentPort(): Promise<void> {
    const port = this.#opts.agentPort ?? DEFAULT_AGENT_PORT;
    if (port < 0 || this.#agentPort !== undefined) return;
    try {
      this.#agentPort = await listenAgentPort({ port, host: this.#opts.host ?? '0.0.0.0', tls: this.#opts.agentTls, api: this, logger: this.logger });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const reason = e.code === 'EADDRINUSE' ? 'another process listens there' : e.message;
      const message = `agents cannot connect on port ${port}: ${reason}; they can still connect to ${this.rootUrl()}agent (steward start --agent-port N to choose another, -1 for none)`;
      this.logger.error({ port }, message);
      this.#monitors.push({ id: 'agentPort', message });
    }
  }

  /** The agent port, once open. */
  get agentPort(): number | undefined {
    return this.#agentPort?.port;
  }

  /**
   * A separate build user gets its HOME in the home and the environment that goes with it (HOME,
   * USER, LOGNAME); otherwise the warning that builds can read this controller's secrets goes to
   * the log and to /manage.
   */
  async #setUpBuildUser(user: BuildUser, env: Record<string, string>): Promise<RunAs | undefined> {
    if (user.kind === 'controller') {
      this.#monitors.push({ id: 'builtInNodeBuildUser', message: user.warning });
      this.logger.warn({ buildUser: user.name }, user.warning);
      return undefined;
    }
    const runAs = { uid: user.uid, gid: user.gid };
    await this.store.mkdir(BUILD_USER_HOME);
    await this.store.handOver(BUILD_USER_HOME, runAs);
    Object.assign(env, { HOME: this.store.resolve(BUILD_USER_HOME), USER: user.name, LOGNAME: user.name });
    this.logger.info({ buildUser: user.name, uid: user.uid }, `builds on the built-in node run as ${user.name}`);
    return runAs;
  }

  /** Drops saved queue items whose build had already started when the controller stopped. */
  async #notYetStarted(items: PersistedQueueItem[]): Promise<PersistedQueueItem[]> {
    const byJob = new Map<string, number>();
    for (const item of items) byJob.set(item.job, (byJob.get(item.job) ?? 0) + 1);
    const started = new Set<number>();
    for (const [name, count] of byJob) {
      const job = this.jobs.get(name);
      if (job === undefined) continue;
      // Builds of these items can only be among the newest: one per item, plus the concurrent ones.
      for (const id of await this.jobs.startedQueueIds(job, count + this.builtIn.numExecutors + 1)) started.add(id);
    }
    const kept = items.filter((i) => !started.has(i.id));
    if (kept.length < items.length) {
      this.logger.info({ items: items.length - kept.length }, `${items.length - kept.length} queue items in queue.xml had already started their builds; not running them again`);
    }
    return kept;
  }

  #webOptions(): WebServerOptions {
    const o = this.#opts;
    return { api: this, logger: this.logger, port: o.port, host: o.host ?? '0.0.0.0', ...(o.trustedProxies === undefined ? {} : { trustedProxies: o.trustedProxies }) };
  }

  get port(): number {
    return this.#web?.port ?? this.#opts.port;
  }

  // --- StewardApi --------------------------------------------------------------------------------

  get version(): string {
    return VERSION;
  }

  /** The URL builds are given (JENKINS_URL, BUILD_URL): the configured one, else this machine's port. */
  rootUrl(): string {
    return this.#configuredRootUrl ?? `http://localhost:${this.port}/`;
  }

  configuredRootUrl(): string | undefined {
    return this.#configuredRootUrl;
  }

  /** The built-in node's computer first, then the agents' by name. */
  computers(): readonly Computer[] {
    // Before start-up made them (a standby's metrics), there are none.
    if (this.builtIn === undefined) return [];
    return [this.builtIn, ...this.nodes.computers()];
  }

  agents(): AgentConnections | undefined {
    return this.#phase === 'active' ? this.#agents : undefined;
  }

  /**
   * A step an agent still runs for a build an earlier controller of this home started: the build
   * is taken back (Jobs.resumeBuild) and goes on from the step, its log from what it has of the
   * step's output. False when it is not such a build (the agent then drops the step).
   */
  async #adoptStep(computer: Computer, channel: RemoteChannel, held: HeldStep): Promise<boolean> {
    const job = this.jobs.get(held.job);
    if (job === undefined) return false;
    const resumed = await this.jobs.resumeBuild(job, held.number, computer.name, held.id);
    if (resumed === undefined) return false;
    const { build, step } = resumed;
    const offset = build.log.size - step.logOffset;
    if (offset < 0 || offset > held.produced) {
      // The log does not agree with the agent: nothing can be continued from it.
      build.interrupt('ABORTED', `Aborted: the log of ${job.name} #${build.number} does not match the output agent ${computer.name} holds`, 'SYSTEM');
    }
    const adopted = channel.adopt(held, Math.max(0, Math.min(offset, held.produced)));
    this.scheduler.resume(computer, job, build, { channel, builder: step.builder, result: step.result, process: adopted.process, bind: adopted.bind });
    return true;
  }

  /** An agent's node by its name and secret. */
  #authenticateAgent(name: string, secret: string): AgentCheck {
    return this.nodes.authenticateAgent(name, secret);
  }


  security(): Security | undefined {
    return this.#security;
  }

  role(): { ready: boolean; role: ControllerRole; epoch: number | undefined } {
    const epoch = this.lease?.epoch;
    if (this.#closing !== undefined && this.#phase !== 'handed-over') return { ready: false, role: 'stopping', epoch };
    if (this.#phase === 'active' && this.#ready && this.lease.held) return { ready: true, role: 'active', epoch };
    return { ready: false, role: this.#phase === 'active' ? 'fenced' : this.#phase, epoch };
  }

  /** The jobs' definitions read by a standby before the lease; empty when they cannot be read. */
  async #preloadJobs(): Promise<PreloadedJobs> {
    const log = this.#opts.logger;
    const reader = new HomeStore({
      root: this.home,
      fence: {
        assertWritable: () => Promise.reject(new StewardError('STW_NOT_ACTIVE', 'a standby does not write to the home')),
        assertHeld: () => {
          throw new StewardError('STW_NOT_ACTIVE', 'a standby does not write to the home');
        },
      },
      logger: log,
    });
    const t0 = performance.now();
    try {
      const jobs = await preloadJobDefinitions(reader, this.extensions);
      log.info({ jobs: jobs.size, ms: Math.round(performance.now() - t0) }, `read ${jobs.size} job configurations while standing by`);
      return jobs;
    } catch (err) {
      log.warn({ err: coerceError(err).toJSON() }, `could not read the job configurations while standing by; they are read once this controller is active`);
      return new Map();
    }
  }

  queueSaved(id: number): Promise<void> {
    return this.#queueFile.noted(id);
  }

  activeUrl(): Promise<string | undefined> {
    if (this.role().ready) return Promise.resolve(this.#opts.advertiseUrl);
    return this.#activeUrls.url();
  }

  handOver(opts: { timeoutMs: number; by: string }): Promise<HandoverReport> {
    if (this.#handover !== undefined) return this.#handover;
    if (!this.role().ready) return Promise.reject(new StewardError('STW_NOT_ACTIVE', `this controller is not active (it is ${this.role().role}); it has nothing to hand over`));
    this.#handover = handOver(
      {
        logger: this.logger,
        jobs: this.jobs,
        queue: this.queue,
        scheduler: this.scheduler,
        agents: this.#agents,
        epoch: this.lease.epoch,
        stopAccepting: () => {
          // Requests now get 503 naming the next active controller; triggers fire there.
          this.#phase = 'handing-over';
          this.#ready = false;
          this.#triggers?.close();
          this.polling?.close();
        },
        // An agent started over SSH ends with this controller's SSH connection, and its steps with it.
        movable: (node) => node !== '' && this.nodes.get(node)?.node.launcher === 'inbound',
        saveQueue: () => this.#queueFile.saved(),
        releaseLease: async () => {
          this.#phase = 'handed-over';
          await this.lease.release();
        },
        activeRecord: () => readActiveRecord(this.home),
      },
      opts,
    );
    // The answer goes out before the HTTP server closes: it waits for requests under way. A
    // handover refused before it changed anything may be asked for again.
    void this.#handover.then(
      () => setImmediate(() => this.#opts.onHandedOver?.()),
      () => (this.#handover = undefined),
    );
    return this.#handover;
  }

  /** Every build an executor holds (started or being started), with its node, for the queue's dispatchers. */
  *#building(): Iterable<{ job: string; node: string }> {
    for (const computer of this.computers()) {
      for (const e of computer.executors) {
        const s = e.state;
        if (s.state !== 'idle') yield { job: s.job, node: computer.name };
      }
    }
  }

  scheduleBuild(
    jobName: string,
    given: Record<string, string | undefined>,
    cause: Cause,
    quietPeriodMs?: number,
  ): { item: QueueItem; merged: boolean } {
    // Once a handover has saved the queue, a request would be lost: the next controller takes it.
    if (this.#phase !== 'active') throw new StewardError('STW_NOT_ACTIVE', `this controller is not active (it is ${this.role().role}); ask the active controller`);
    const job = this.jobs.require(jobName);
    const health = this.store.health;
    if (!health.writable) {
      // An item taken now could not be saved in queue.xml, nor its build started: refused, not lost.
      throw new StewardError(health.error.code, `no build can be queued while the home's disk is ${health.trouble} (${health.error.message}); try again once it takes writes`);
    }
    const def = job.definition;
    if (def.kind !== 'freestyle') {
      throw new StewardError('STW_JOB_BROKEN', `job ${job.name} cannot be built: its configuration cannot be read (${def.error.message})`);
    }
    if (def.parsed.config.disabled) throw new StewardError('STW_JOB_DISABLED', `job ${job.name} is disabled`);
    const { values } = resolveParameters(def.parsed.config.parameters, given);
    const quiet = quietPeriodMs ?? (def.parsed.config.quietPeriodSeconds ?? this.globalConfig.config.quietPeriod) * 1000;
    // Password values are sealed before anything holds them: the queue, queue.xml, build.xml.
    return this.queue.schedule({ task: job.name, parameters: this.jobs.sealParameters(values), cause, quietPeriodMs: quiet });
  }

  rootActions(): readonly UnprotectedRootActionDescriptor[] {
    return this.extensions.all(UNPROTECTED_ROOT_ACTION);
  }

  notifyHost(): Omit<NotifyContext, 'canSee' | 'canBuild'> {
    return {
      jobs: () => {
        const out: NotifiedJob[] = [];
        for (const job of this.jobs.all()) {
          const def = job.definition;
          if (def.kind !== 'freestyle') continue;
          out.push({
            name: job.name,
            scm: def.scm,
            polling: def.triggers.find((t) => t.polling !== undefined)?.polling,
            triggerTypes: def.triggers.map((t) => t.type),
            disabled: def.parsed.config.disabled,
          });
        }
        return out;
      },
      poll: (job, pushed) => void this.polling?.request(job, true, pushed),
      schedule: (job, cause) => void this.scheduleBuild(job, {}, cause),
      secretText: async (id) => {
        const c = await this.jobs.secrets?.credential(id, '');
        return c?.kind === 'string' ? c.secret : undefined;
      },
      readHomeFile: (name) => {
        // A plugin's global configuration: a file at the top of the home, never a path.
        if (!/^[A-Za-z0-9][A-Za-z0-9._-]*\.xml$/.test(name)) throw new StewardError('STW_INTERNAL', `${name} is not a configuration file of the home`);
        return this.store.readText(name);
      },
    };
  }

  administrativeMonitors(): readonly AdministrativeMonitor[] {
    const home = this.#homeWatch?.problem;
    return home === undefined ? this.#monitors : [{ id: 'homeUnwritable', message: home }, ...this.#monitors];
  }

  stopBuild(jobName: string, number: number, by: string): boolean {
    return this.scheduler.stop(this.jobs.require(jobName), number, by);
  }

  async setBuiltInExecutors(n: number): Promise<void> {
    if (!Number.isInteger(n) || n < 0 || n > 1000) {
      throw new StewardError('STW_REQUEST_INVALID', `the number of executors must be a whole number from 0 to 1000, not ${n}`, {
        field: 'numExecutors',
      });
    }
    await this.globalConfig.setNumExecutors(n);
    this.builtIn.setNode(builtInNode(this.globalConfig.config, this.home));
    this.queue.nodesChanged();
    this.logger.info({ executors: n }, `the built-in node now has ${n} executors`);
  }

  /**
   * Takes a node's computer offline on purpose, with why and by whom (Jenkins' toggleOffline), or
   * brings it back (`cause` undefined): online if it is connected, else waiting for its agent.
   * The queue looks at the nodes again.
   */
  setTemporarilyOffline(computer: Computer, cause: { reason: string; by: string } | undefined, by: string): void {
    computer.setTemporarilyOffline(cause);
    if (cause === undefined) {
      const now = computer.online ? 'online' : 'waiting for its agent to connect';
      this.logger.info({ node: computer.name, by }, `${by} brought node ${computer.name} back: it is ${now}`);
    } else {
      this.logger.info({ node: computer.name, by, reason: cause.reason }, `${by} took node ${computer.name} offline${cause.reason === '' ? '' : `: ${cause.reason}`}`);
    }
    this.queue.nodesChanged();
  }

  // --- Shutdown ----------------------------------------------------------------------------------

  /** Stops serving, stops running builds, saves the queue and releases the lease. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const log = this.logger;
    this.#abort.abort(new StewardError('STW_NOT_ACTIVE', 'the controller is stopping'));
    await this.#sshAgents?.close();
    await this.#agentPort?.close();
    await this.#web?.close();
    this.#triggers?.close();
    for (const d of this.#dispatchers) d.close?.();
    this.polling?.close();
    this.#homeWatch?.close();
    if (this.queue !== undefined) this.queue.close();
    // After a handover, the builds still running are in their steps on agents, for the next
    // controller: they are neither stopped nor waited for, and nothing of them is written. The
    // same when this controller lost its lease or stepped down: the next active one adopts them,
    // and stopping them here would end steps it could have taken over.
    // The built-in node's builds end with this controller whatever happens.
    const leaveAgentBuilds = this.#phase === 'handed-over' || this.#phase === 'fenced';
    const ends = (node: string): boolean => !leaveAgentBuilds || node === BUILT_IN_NODE;
    if (this.scheduler !== undefined) {
      for (const build of this.scheduler.runningBuilds()) {
        if (ends(build.record.builtOn === '' ? BUILT_IN_NODE : build.record.builtOn)) build.interrupt('ABORTED', 'Aborted: the controller is shutting down', 'SYSTEM');
      }
      await this.scheduler.drain(ends);
    }
    if (this.#queueFile !== undefined) {
      if (this.lease?.held === true) {
        this.#queueFile.changed();
        await this.#queueFile.flush();
      }
      this.#queueFile.close();
    }
    await this.#agents?.close();
    await this.jobs?.idle();
    await this.launcher?.close();
    await this.#security?.close();
    // A last checkpoint of the journal: the next controller has nothing of it to replay.
    if (this.lease?.held === true) await this.store?.close();
    if (this.lease !== undefined) {
      await this.lease.release();
      log.info({ epoch: this.lease.epoch }, 'released the lease');
    }
    this.#writeAudit?.close();
  }
}

/**
 * How long the launcher waits for a heartbeat before it ends the builds' processes, with a lease
 * that passes to a standby when this controller is paused (SIGSTOP, a frozen VM) past its TTL.
 * (A `file:` lease gets no watchdog: a paused holder keeps its flock and nobody takes over.)
 *
 * A standby can acquire the lease TTL after the service received the last renewal. Renewals go
 * every TTL/3, so when this process is paused, its last renewal may be up to TTL/3 older than its
 * last heartbeat: the launcher has to send TERM within 2/3 of the TTL after that heartbeat, not
 * within the TTL. Half the TTL leaves a sixth of it (1.7 s with the default 10 s) for a slow
 * renewal and a late timer. Heartbeats go every tenth of the TTL (a fifth of the watchdog), so an
 * event loop blocked for 0.4 TTL may end the builds; the lease itself is lost after 0.47 to 0.8 TTL
 * blocked, depending on when the block starts.
 */
function launcherWatchdogMs(ttlMs: number): number {
  return Math.round(ttlMs * (1 - 1 / RENEW_FRACTION) * 0.75);
}

/** The environment builds inherit: the controller's own, less Steward's settings. */
function baseEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('STEWARD_')) env[k] = v;
  }
  return env;
}
