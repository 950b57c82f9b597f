import type { Cause, Jobs, NotifyContext, UnprotectedRootActionDescriptor } from '../jobs/index.js';
import type { AgentConnections, AgentNodes, Computer } from '../nodes/index.js';
import type { Queue, QueueItem } from '../queue/index.js';
import type { Security } from '../security/index.js';

/**
 * Something an administrator should act on, as Jenkins' administrative monitors (shown in
 * /manage): `id` is stable, `message` says what is wrong and what to do.
 */
export interface AdministrativeMonitor {
  readonly id: string;
  readonly message: string;
}

/** A controller's role: only `active` answers the API (see docs/operations/ha.md). */
export type ControllerRole = 'active' | 'standby' | 'starting' | 'fenced' | 'handing-over' | 'handed-over' | 'stopping';

/** What a planned handover did (POST /manage/ha/handover). */
export interface HandoverReport {
  /** The user who asked. */
  by: string;
  /** Items in queue.xml for the next controller. */
  queueItems: number;
  /** Builds left running in their step on an agent, for the next controller to adopt. */
  agentBuilds: { job: string; number: number; node: string }[];
  /**
   * Builds that could not move (on the built-in node, or an agent started over SSH), and builds on
   * agents still between two steps at the timeout: those that ended while waited for, and those aborted.
   */
  unmovableBuilds: {
    finished: { job: string; number: number; result: string | null }[];
    aborted: { job: string; number: number; node: string }[];
  };
  /** How long builds were waited for. */
  waitedMs: number;
  /** When the lease was released, from the request. */
  leaseReleasedAfterMs: number;
  /** The controller that took the lease after it (its epoch, its advertised URL), or null when none did within 10 s. */
  nextActive: { epoch: number; url: string | null; afterMs: number } | null;
  tookMs: number;
}

/** What the HTTP layer needs of the controller; the controller implements it. */
export interface StewardApi {
  readonly version: string;
  readonly jobs: Jobs;
  readonly queue: Queue;
  readonly metrics: { text(): Promise<string> };
  /** The computers of the nodes, the built-in node's first. */
  computers(): readonly Computer[];
  /** The agent nodes of the home: created, reconfigured and deleted here; their secrets. */
  readonly nodes: AgentNodes;
  /**
   * Takes a node's computer offline on purpose (`cause`: why, and by whom), or brings it back
   * (undefined); the queue looks at the nodes again.
   */
  setTemporarilyOffline(computer: Computer, cause: { reason: string; by: string } | undefined, by: string): void;
  /**
   * The controller's public URL when the home configures one (Jenkins' "Jenkins URL"); answers then
   * use it instead of the URL of the request, as Jenkins does, and cookies are Secure over https.
   */
  configuredRootUrl(): string | undefined;
  /** The security of the active controller; undefined until it is active. */
  security(): Security | undefined;
  role(): { ready: boolean; role: ControllerRole; epoch: number | undefined };
  /**
   * The active controller's advertised URL (`--advertise-url`): this one's when it is active,
   * else the one the active controller wrote to the home; undefined when none is known.
   */
  activeUrl(): Promise<string | undefined>;
  /**
   * Hands over to a standby (see HandoverReport) and then stops this controller. Asked twice,
   * both get the one handover's report.
   * @throws StewardError STW_NOT_ACTIVE when this controller is not active.
   */
  handOver(opts: { timeoutMs: number; by: string }): Promise<HandoverReport>;
  scheduleBuild(job: string, parameters: Record<string, string | undefined>, cause: Cause, quietPeriodMs?: number): { item: QueueItem; merged: boolean };
  /**
   * Resolves once queue item `id` as it is now (just accepted, or merged into) is durable in the
   * home (the journal, then queue.xml): a build request is answered 201 only then, so that an
   * accepted build survives a crash of the controller.
   */
  queueSaved(id: number): Promise<void>;
  stopBuild(job: string, number: number, by: string): boolean;
  setBuiltInExecutors(n: number): Promise<void>;
  /** The agents' connections of the active controller; undefined until it is active. */
  agents(): AgentConnections | undefined;
  /** The push notifications' URLs (Jenkins' UnprotectedRootAction) the plugins answer. */
  rootActions(): readonly UnprotectedRootActionDescriptor[];
  /** What a push notification may do, but for the caller's own permissions, which the HTTP layer adds. */
  notifyHost(): Omit<NotifyContext, 'canSee' | 'canBuild'>;
  /** The warnings for administrators that hold now. */
  administrativeMonitors(): readonly AdministrativeMonitor[];
}
